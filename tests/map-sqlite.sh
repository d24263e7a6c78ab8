#!/bin/sh
# heap-map on real exports from the sqlite3 shell (sqlite3 -csv -header).
. "$top_srcdir/tests/lib.sh"

command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"

sqlite3 shop.db <<'SQL'
CREATE TABLE users (id TEXT, email TEXT, plan TEXT, seats INTEGER,
	ltv REAL, note TEXT, signed_up TEXT);
INSERT INTO users VALUES
	('u1', 'ann@example.com', 'pro', 12, 12.5, 'a,b "q"
line2', '2024-05-01 10:00:00'),
	('u2', 'bob@example.com', NULL, NULL, NULL, '', '2024-05-02T11:30:00Z'),
	(' u3 ', 'cat@example.com', 'free', 1, 0.1, 'café', NULL);
CREATE TABLE orders (order_id TEXT, user_id TEXT, created_at TEXT,
	amount NUMERIC);
INSERT INTO orders VALUES
	('o-1', 'u1', '2024-05-01 10:00:00', 30),
	('o-2', 'u2', '2024-05-01T12:00:00.5+02:00', 12.25),
	('o-3', 'u3', 'not a date', 1);
SQL

check 'sqlite users with default columns' '
	sqlite3 -csv -header shop.db "SELECT * FROM users ORDER BY rowid" >users.csv &&
	heap-map -o user -k id -x email users.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro","seats":"12","ltv":"12.5","note":"a,b \"q\"\nline2","signed_up":"2024-05-01 10:00:00"}}
	{"identity":"u2","properties":{"note":"","signed_up":"2024-05-02T11:30:00Z"}}
	{"identity":"u3","properties":{"plan":"free","seats":"1","ltv":"0.1","note":"café"}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 3 rows, wrote 3 records, rejected 0" >expect &&
	test_cmp expect err
'

check 'sqlite users with types' '
	sqlite3 -csv -header shop.db "SELECT email, seats, ltv, signed_up FROM users ORDER BY rowid" |
		heap-map -q -o user -k email -m seats:number -m ltv:number=LTV \
			-m signed_up:timestamp --nulls empty >out &&
	cat >expect <<-\EOT &&
	{"identity":"ann@example.com","properties":{"seats":12,"LTV":12.5,"signed_up":"2024-05-01T10:00:00.000Z"}}
	{"identity":"bob@example.com","properties":{"seats":"","LTV":"","signed_up":"2024-05-02T11:30:00.000Z"}}
	{"identity":"cat@example.com","properties":{"seats":1,"LTV":0.1,"signed_up":""}}
	EOT
	test_cmp expect out
'

check 'sqlite orders as events' '
	sqlite3 -csv -header shop.db "SELECT * FROM orders ORDER BY rowid" >orders.csv &&
	expect_code 1 heap-map -o event -k user_id --event-name Purchase -t created_at \
		-i order_id -m amount:number -r rejects.ndjson orders.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"o-1","properties":{"amount":30}}
	{"identity":"u2","event":"Purchase","timestamp":"2024-05-01T10:00:00.500Z","idempotency_key":"o-2","properties":{"amount":12.25}}
	EOT
	test_cmp expect out &&
	cat >expect <<-\EOT &&
	heap-map: warning: orders.csv:2:3: timestamp '\''2024-05-01 10:00:00'\'' in column '\''created_at'\'' has no time zone; reading it and every such timestamp as UTC time (change the zone with --timezone)
	heap-map: orders.csv:4:3: timestamp '\''not a date'\'' in column '\''created_at'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds
	heap-map: read 3 rows, wrote 2 records, rejected 1 (1 timestamp is not a valid date and time)
	EOT
	test_cmp expect err &&
	echo "{\"program\":\"heap-map\",\"file\":\"orders.csv\",\"line\":4,\"column\":3,\"reason\":\"timestamp '\''not a date'\'' in column '\''created_at'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds\",\"raw\":\"o-3,u3,\\\"not a date\\\",1\"}" >expect &&
	test_cmp expect rejects.ndjson
'

check 'sqlite NULL key rejected' '
	sqlite3 -csv -header shop.db "SELECT plan AS account, seats FROM users ORDER BY rowid" |
		expect_code 1 heap-map -o account -k account >out 2>err &&
	cat >expect <<-\EOT &&
	{"account_id":"pro","properties":{"seats":"12"}}
	{"account_id":"free","properties":{"seats":"1"}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: <stdin>:3:1: account_id is empty (NULL)$" err
'

check 'sqlite -json REALs are numbers in their shortest spelling' '
	sqlite3 shop.db <<-\SQL &&
	CREATE TABLE prices (id TEXT, b REAL, c REAL, d TEXT);
	INSERT INTO prices VALUES
		('\''x'\'', 19.99, 1234.56, '\''12345678901234567.89'\''),
		('\''y'\'', -0.1, 6.02214076e23, '\''1.5'\''),
		('\''z'\'', 2.5, 1.5e-7, '\''-19.989999999999998436'\'');
	SQL
	sqlite3 -json shop.db "SELECT * FROM prices ORDER BY rowid" >prices.json &&
	grep_or_show "\"b\":19.989999999999998436,\"c\":1234.5599999999999454" prices.json &&
	heap-map -q -o user -k id -m b:number -m c:number -m d:number prices.json >out &&
	cat >expect <<-\EOT &&
	{"identity":"x","properties":{"b":19.99,"c":1234.56,"d":"12345678901234567.89"}}
	{"identity":"y","properties":{"b":-0.1,"c":6.02214076e+23,"d":1.5}}
	{"identity":"z","properties":{"b":2.5,"c":1.5e-07,"d":-19.99}}
	EOT
	test_cmp expect out &&
	expect_code 1 heap-map -o user -k id -m b:number -m c:number \
		-m d:number --big-numbers reject prices.json >out 2>err &&
	sed -n 2,3p expect >expect.kept &&
	test_cmp expect.kept out &&
	grep_or_show "number '\''12345678901234567.89'\'' in column '\''d'\''" err
'

done_testing
