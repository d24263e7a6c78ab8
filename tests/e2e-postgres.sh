#!/bin/sh
# End to end from a real PostgreSQL server: psql --csv | heap-sync to the
# Heap test server, then changes, then a run where the server fails some
# requests and the next run sends exactly the records it missed.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

command -v heap-map >/dev/null || skip_all "heap-map is not built"
pg_start || skip_all "$db_error"
server_start || exit 1
# psql prints timestamptz in the session's zone.
PGTZ=UTC
export PGTZ

psql -X -q -v ON_ERROR_STOP=1 <<'EOF' || exit 1
create table users (
	id text primary key, email text, plan text, seats integer,
	ltv numeric(12, 2), visits bigint, active boolean,
	signed_up timestamptz, last_login timestamp, birthday date,
	prefs json, note text);
insert into users values
	('u1', 'ann@example.com', 'pro', 40, 1234.50, 4102444800123, true,
	 '2024-05-01 10:00:00+02', '2024-05-02 08:30:00', '1990-04-12',
	 '{"theme": "dark", "beta": true}', 'likes "quotes", commas'),
	('u2', 'bo@example.com', 'free', 1, 0, 12, false,
	 '2024-01-15 23:59:59.123+00', null, null, null, null),
	('u3', null, 'team', null, null, null, null, null, null, null,
	 '{"theme": "light"}', E'two\nlines, and a tab:\t.');
create table accounts (
	id bigint primary key, name text, seats integer, mrr numeric,
	created date, enterprise boolean);
insert into accounts values
	(101, 'Acme, Inc.', 120, 4800.00, '2023-02-14', true),
	(102, 'Globex', null, 99.90, '2024-01-09', false);
create table events (
	id bigint primary key, user_id text, name text, at timestamptz,
	amount numeric, meta json);
insert into events values
	(7001, 'u1', 'Purchase', '2024-05-01 10:00:00+00', 30,
	 '{"sku": "A-1", "qty": 2}'),
	(7002, 'u2', 'Login', '2024-05-01 11:30:00.5+00', null, null);
EOF

cat >users.conf <<'EOF'
# Users from PostgreSQL.
source = psql -X --csv -c "select * from users order by id"
object = user
key = id
map = email
map = plan
map = seats:number
map = ltv:number
map = visits:number
map = active:bool
map = signed_up:timestamp
map = last_login:timestamp
map = birthday
map = prefs:json
map = note
timezone = UTC
state = users.state
rejects = rejects.ndjson
EOF
cat >accounts.conf <<'EOF'
source = psql -X --csv -c "select * from accounts"
object = account
key = id
map = name
map = seats:number
map = mrr:number
map = created
map = enterprise:bool
state = accounts.state
rejects = rejects.ndjson
EOF
cat >events.conf <<'EOF'
source = psql -X --csv -c "select * from events"
object = event
key = user_id
event = name
timestamp = at
idempotency_key = id
map = amount:number
map = meta:json
state = events.state
rejects = rejects.ndjson
EOF

check 'users sync field by field' '
	run_sync users.conf &&
	grep_or_show "read 3, rejected by mapping 0, unchanged 0, duplicates 0, sent 3, rejected by Heap 0, failed 0" err &&
	cat >expect <<\EOF &&
{"identity":"u1","properties":{"email":"ann@example.com","plan":"pro","seats":40,"ltv":1234.5,"visits":4102444800123,"active":"true","signed_up":"2024-05-01T08:00:00.000Z","last_login":"2024-05-02T08:30:00.000Z","birthday":"1990-04-12","prefs.theme":"dark","prefs.beta":"true","note":"likes \"quotes\", commas"}}
{"identity":"u2","properties":{"email":"bo@example.com","plan":"free","seats":1,"ltv":0,"visits":12,"active":"false","signed_up":"2024-01-15T23:59:59.123Z"}}
{"identity":"u3","properties":{"plan":"team","prefs.theme":"light","note":"two\nlines, and a tab:\t."}}
EOF
	expect_received users expect
'

check 'accounts sync field by field' '
	run_sync accounts.conf &&
	grep_or_show "read 2,.* sent 2," err &&
	cat >expect <<\EOF &&
{"account_id":"101","properties":{"name":"Acme, Inc.","seats":120,"mrr":4800,"created":"2023-02-14","enterprise":"true"}}
{"account_id":"102","properties":{"name":"Globex","mrr":99.9,"created":"2024-01-09","enterprise":"false"}}
EOF
	expect_received accounts expect
'

check 'events sync field by field' '
	run_sync events.conf &&
	grep_or_show "read 2,.* sent 2," err &&
	cat >expect <<\EOF &&
{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"7001","properties":{"amount":30,"meta.sku":"A-1","meta.qty":2}}
{"identity":"u2","event":"Login","timestamp":"2024-05-01T11:30:00.500Z","idempotency_key":"7002","properties":{}}
EOF
	expect_received track expect
'

check 'second run sends nothing' '
	before=$(($(received_count) + 1)) &&
	run_sync users.conf &&
	cat err >all &&
	run_sync accounts.conf &&
	cat err >>all &&
	run_sync events.conf &&
	cat err >>all &&
	test "$(received_count)" -eq "$((before - 1))" &&
	grep_or_show "users.conf: read 3,.* unchanged 3, duplicates 0, sent 0," all &&
	grep_or_show "accounts.conf: read 2,.* unchanged 2, duplicates 0, sent 0," all &&
	grep_or_show "events.conf: read 2,.* unchanged 2, duplicates 0, sent 0," all
'

check 'updates and inserts only are sent' '
	before=$(($(received_count) + 1)) &&
	psql -X -q -v ON_ERROR_STOP=1 -c "
		update users set plan = '\''pro'\'', last_login = '\''2024-06-01 12:00:00'\'' where id = '\''u2'\'';
		insert into users (id, plan, active) values ('\''u4'\'', '\''free'\'', true);
		update accounts set seats = 10 where id = 102;
		insert into events values (7003, '\''u4'\'', '\''Signed Up'\'', '\''2024-06-01 12:00:01+00'\'', null, null);" &&
	run_sync users.conf &&
	grep_or_show "read 4,.* unchanged 2, duplicates 0, sent 2," err &&
	run_sync accounts.conf &&
	run_sync events.conf &&
	cat >expect <<\EOF &&
{"identity":"u2","properties":{"email":"bo@example.com","plan":"pro","seats":1,"ltv":0,"visits":12,"active":"false","signed_up":"2024-01-15T23:59:59.123Z","last_login":"2024-06-01T12:00:00.000Z"}}
{"identity":"u4","properties":{"plan":"free","active":"true"}}
EOF
	expect_received users expect "$before" &&
	echo "{\"account_id\":\"102\",\"properties\":{\"name\":\"Globex\",\"seats\":10,\"mrr\":99.9,\"created\":\"2024-01-09\",\"enterprise\":\"false\"}}" >expect &&
	expect_received accounts expect "$before" &&
	echo "{\"identity\":\"u4\",\"event\":\"Signed Up\",\"timestamp\":\"2024-06-01T12:00:01.000Z\",\"idempotency_key\":\"7003\",\"properties\":{}}" >expect &&
	expect_received track expect "$before"
'

# One record a request, no retries, and the first two requests fail:
# the next run must send exactly the records those requests carried.
cat >faulty.conf <<'EOF'
source = psql -X --csv -c "select id, plan from users where id like 'f%' order by id"
object = user
key = id
state = users.state
rejects = rejects.ndjson
jobs = 1
max_request_bytes = 120
max_retries = 0
EOF

check 'failed requests are sent next run' '
	psql -X -q -c "insert into users (id, plan) select '\''f'\'' || i, '\''trial'\'' from generate_series(1, 6) i" &&
	before=$(($(received_count) + 1)) &&
	server_control "{\"rules\":[{\"status\":503,\"count\":2}]}" &&
	expect_code 1 heap-sync faulty.conf 2>err &&
	grep_or_show "read 6,.* sent 4, rejected by Heap 0, failed 2" err &&
	received_items users "$before" >first &&
	test "$(wc -l <first)" -eq 4 &&
	middle=$(($(received_count) + 1)) &&
	run_sync faulty.conf &&
	grep_or_show "read 6,.* unchanged 4, duplicates 0, sent 2," err &&
	received_items users "$middle" >second &&
	test "$(wc -l <second)" -eq 2 &&
	sort first second >both &&
	for i in 1 2 3 4 5 6; do
		echo "{\"identity\": \"f$i\", \"properties\": {\"plan\": \"trial\"}}"
	done | sort >expect &&
	test_cmp expect both
'

done_testing
