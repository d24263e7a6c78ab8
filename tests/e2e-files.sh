#!/bin/sh
# End to end from SQLite (sqlite3 -csv -header), an NDJSON file and a
# JSON-array file, through heap-sync to the Heap test server.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

command -v heap-map >/dev/null || skip_all "heap-map is not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"
server_start || exit 1

sqlite3 app.db <<'EOF' || exit 1
create table users (id text, plan text, seats integer, ltv real,
	signed_up text, note text);
insert into users values
	('u1', 'pro', 40, 12.5, '2024-05-01T10:00:00Z', 'comma, "quote"'),
	('u2', 'free', null, null, '1714557600', ''),
	(' u3 ', 'team', 3, 0.25, '2024-05-01 12:00:00+05:30', null);
EOF

cat >sqlite.conf <<'EOF'
source = sqlite3 -csv -header app.db "select * from users"
object = user
key = id
map = plan
map = seats:number
map = ltv:number=lifetime_value
map = signed_up:timestamp
map = note
set = source=sqlite
state = sqlite.state
rejects = rejects.ndjson
EOF

check 'sqlite3 csv sync field by field' '
	run_sync sqlite.conf &&
	grep_or_show "read 3, rejected by mapping 0, unchanged 0, duplicates 0, sent 3," err &&
	cat >expect <<\EOF &&
{"identity":"u1","properties":{"plan":"pro","seats":40,"lifetime_value":12.5,"signed_up":"2024-05-01T10:00:00.000Z","note":"comma, \"quote\"","source":"sqlite"}}
{"identity":"u2","properties":{"plan":"free","signed_up":"2024-05-01T10:00:00.000Z","note":"","source":"sqlite"}}
{"identity":"u3","properties":{"plan":"team","seats":3,"lifetime_value":0.25,"signed_up":"2024-05-01T06:30:00.000Z","source":"sqlite"}}
EOF
	expect_received users expect
'

check 'sqlite3 change sends one record' '
	before=$(($(received_count) + 1)) &&
	sqlite3 app.db "update users set seats = 41 where id = '\''u1'\''" &&
	run_sync sqlite.conf &&
	grep_or_show "read 3,.* unchanged 2, duplicates 0, sent 1," err &&
	test "$(received_items users "$before" | wc -l)" -eq 1 &&
	received_items users "$before" | grep -q "\"seats\": 41"
'

# bq query --format=json writes every value as a string, nested records
# as objects and repeated fields as arrays.
cat >accounts.ndjson <<'EOF'
{"account_id":"a1","name":"Acme","seats":"40","address":{"city":"Lyon","zip":"69001"},"tags":["b2b","eu"]}
{"account_id":"a2","name":"Globex","seats":7,"address":{"city":null,"zip":"10001"},"tags":[]}

{"account_id":"a3","name":"Initech","seats":null,"address":null,"tags":["us"]}
EOF

cat >ndjson.conf <<'EOF'
input = accounts.ndjson
format = ndjson
object = account
key = account_id
map = name
map = seats:number
map = address.city=city
map = tags
state = accounts.state
EOF

check 'ndjson file sync field by field' '
	run_sync ndjson.conf &&
	grep_or_show "read 3, rejected by mapping 0, unchanged 0, duplicates 0, sent 3," err &&
	cat >expect <<\EOF &&
{"account_id":"a1","properties":{"name":"Acme","seats":40,"city":"Lyon","tags":"b2b||eu"}}
{"account_id":"a2","properties":{"name":"Globex","seats":7}}
{"account_id":"a3","properties":{"name":"Initech","tags":"us"}}
EOF
	expect_received accounts expect
'

cat >events.json <<'EOF'
[
  {"order_id": 991, "user": "u1", "placed_at": "2024-05-01 10:00:00 UTC",
   "total": 30.5, "items": 2, "gift": true},
  {"order_id": 992, "user": "u2", "placed_at": 1714557600000,
   "total": 12, "items": 1, "gift": false}
]
EOF

cat >json.conf <<'EOF'
input = events.json
format = json
object = event
key = user
event_name = Order Placed
timestamp = placed_at
idempotency_key = order_id
map = total:number
map = items:number
map = gift
state = events.state
EOF

check 'json array file sync field by field' '
	run_sync json.conf &&
	grep_or_show "read 2,.* sent 2," err &&
	cat >expect <<\EOF &&
{"identity":"u1","event":"Order Placed","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"991","properties":{"total":30.5,"items":2,"gift":"true"}}
{"identity":"u2","event":"Order Placed","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"992","properties":{"total":12,"items":1,"gift":"false"}}
EOF
	expect_received track expect
'

check 'json events are sent once' '
	before=$(($(received_count) + 1)) &&
	run_sync json.conf &&
	grep_or_show "read 2,.* unchanged 2, duplicates 0, sent 0," err &&
	test "$(received_count)" -eq "$((before - 1))"
'

done_testing
