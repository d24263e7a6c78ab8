#!/bin/sh
# End to end from a real MariaDB server: mysql --batch (TSV, NULL as a
# word, backslash escapes) | heap-sync to the Heap test server, then
# changes, then a run where the server fails some requests.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

command -v heap-map >/dev/null || skip_all "heap-map is not built"
maria_start || skip_all "$db_error"
server_start || exit 1
MARIA_SOCKET=$maria_dir/sock
export MARIA_SOCKET

maria <<'EOF' || exit 1
create database shop;
use shop;
set time_zone = '+00:00';
create table users (
	id varchar(32) primary key, email text, plan text, seats int,
	ltv decimal(12, 2), visits bigint, active boolean,
	signed_up timestamp null, last_login datetime(3), birthday date,
	prefs json, note text);
insert into users values
	('u1', 'ann@example.com', 'pro', 40, 1234.50, 4102444800123, true,
	 '2024-05-01 08:00:00', '2024-05-02 08:30:00', '1990-04-12',
	 '{"theme": "dark", "beta": true}', 'a tab\there, a backslash \\ and\na new line'),
	('u2', 'bo@example.com', 'free', 1, 0, 12, false,
	 '2024-01-15 23:59:59', null, null, null, null),
	('u3', null, 'team', null, null, null, null, null, '2024-03-01 10:00:00.250',
	 null, '{"theme": "light"}', 'Ünïcödé ✓');
create table accounts (
	id bigint primary key, name text, seats int, mrr decimal(10, 2),
	created date);
insert into accounts values
	(101, 'Acme, Inc.', 120, 4800.00, '2023-02-14'),
	(102, 'Globex', null, 99.90, '2024-01-09');
create table events (
	id bigint primary key, user_id varchar(32), name text,
	at datetime(3), amount decimal(10, 2));
insert into events values
	(7001, 'u1', 'Purchase', '2024-05-01 10:00:00', 30),
	(7002, 'u2', 'Login', '2024-05-01 11:30:00.500', null);
EOF

# The source commands reach the server through MARIA_SOCKET, which
# sh -c expands from the environment.
mysql_source='mariadb --no-defaults --socket="$MARIA_SOCKET" -u root --batch --default-character-set=utf8mb4 shop -e'

cat >users.conf <<EOF
source = $mysql_source "set time_zone = '+00:00'; select * from users order by id"
format = tsv
null_string = NULL
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
cat >accounts.conf <<EOF
source = $mysql_source "select * from accounts"
format = tsv
null_string = NULL
object = account
key = id
map = name
map = seats:number
map = mrr:number
map = created
state = accounts.state
rejects = rejects.ndjson
EOF
cat >events.conf <<EOF
source = $mysql_source "select * from events"
format = tsv
null_string = NULL
object = event
key = user_id
event = name
timestamp = at
idempotency_key = id
map = amount:number
timezone = UTC
state = events.state
rejects = rejects.ndjson
EOF

check 'users sync field by field' '
	run_sync users.conf &&
	grep_or_show "read 3, rejected by mapping 0, unchanged 0, duplicates 0, sent 3, rejected by Heap 0, failed 0" err &&
	cat >expect <<\EOF &&
{"identity":"u1","properties":{"email":"ann@example.com","plan":"pro","seats":40,"ltv":1234.5,"visits":4102444800123,"active":"true","signed_up":"2024-05-01T08:00:00.000Z","last_login":"2024-05-02T08:30:00.000Z","birthday":"1990-04-12","prefs.theme":"dark","prefs.beta":"true","note":"a tab\there, a backslash \\ and\na new line"}}
{"identity":"u2","properties":{"email":"bo@example.com","plan":"free","seats":1,"ltv":0,"visits":12,"active":"false","signed_up":"2024-01-15T23:59:59.000Z"}}
{"identity":"u3","properties":{"plan":"team","last_login":"2024-03-01T10:00:00.250Z","prefs.theme":"light","note":"Ünïcödé ✓"}}
EOF
	expect_received users expect
'

check 'accounts sync field by field' '
	run_sync accounts.conf &&
	grep_or_show "read 2,.* sent 2," err &&
	cat >expect <<\EOF &&
{"account_id":"101","properties":{"name":"Acme, Inc.","seats":120,"mrr":4800,"created":"2023-02-14"}}
{"account_id":"102","properties":{"name":"Globex","mrr":99.9,"created":"2024-01-09"}}
EOF
	expect_received accounts expect
'

check 'events sync field by field' '
	run_sync events.conf &&
	grep_or_show "read 2,.* sent 2," err &&
	cat >expect <<\EOF &&
{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"7001","properties":{"amount":30}}
{"identity":"u2","event":"Login","timestamp":"2024-05-01T11:30:00.500Z","idempotency_key":"7002","properties":{}}
EOF
	expect_received track expect
'

check 'updates and inserts only are sent' '
	before=$(($(received_count) + 1)) &&
	maria shop -e "
		update users set plan = '\''pro'\'' where id = '\''u2'\'';
		insert into users (id, plan, active) values ('\''u4'\'', '\''free'\'', false);
		insert into events values (7003, '\''u4'\'', '\''Signed Up'\'', '\''2024-06-01 12:00:01'\'', 0.5);" &&
	run_sync users.conf &&
	grep_or_show "read 4,.* unchanged 2, duplicates 0, sent 2," err &&
	run_sync accounts.conf &&
	grep_or_show "read 2,.* unchanged 2, duplicates 0, sent 0," err &&
	run_sync events.conf &&
	cat >expect <<\EOF &&
{"identity":"u2","properties":{"email":"bo@example.com","plan":"pro","seats":1,"ltv":0,"visits":12,"active":"false","signed_up":"2024-01-15T23:59:59.000Z"}}
{"identity":"u4","properties":{"plan":"free","active":"false"}}
{"identity":"u4","event":"Signed Up","timestamp":"2024-06-01T12:00:01.000Z","idempotency_key":"7003","properties":{"amount":0.5}}
EOF
	{ received_items users "$before" && received_items track "$before"; } >actual &&
	canonical expect >expect.canon &&
	sort actual >actual.canon &&
	test_cmp expect.canon actual.canon
'

cat >faulty.conf <<EOF
source = $mysql_source "select id, plan from users where id like 'f%' order by id"
format = tsv
null_string = NULL
object = user
key = id
state = users.state
jobs = 1
max_request_bytes = 120
max_retries = 0
EOF

check 'failed requests are sent next run' '
	maria shop -e "insert into users (id, plan) values ('\''f1'\'', '\''trial'\''), ('\''f2'\'', '\''trial'\''), ('\''f3'\'', '\''trial'\''), ('\''f4'\'', '\''trial'\'')" &&
	before=$(($(received_count) + 1)) &&
	server_control "{\"rules\":[{\"status\":500,\"count\":1}]}" &&
	expect_code 1 heap-sync faulty.conf 2>err &&
	grep_or_show "read 4,.* sent 3, rejected by Heap 0, failed 1" err &&
	middle=$(($(received_count) + 1)) &&
	run_sync faulty.conf &&
	grep_or_show "read 4,.* unchanged 3, duplicates 0, sent 1," err &&
	received_items users "$before" >both &&
	for i in 1 2 3 4; do
		echo "{\"identity\": \"f$i\", \"properties\": {\"plan\": \"trial\"}}"
	done >expect &&
	test_cmp expect both &&
	test "$(received_items users "$middle" | wc -l)" -eq 1
'

done_testing
