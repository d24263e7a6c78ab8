#!/bin/sh
# heap-map on NDJSON and JSON arrays: numbers, booleans, nested objects,
# arrays and keys that come with each row.
. "$top_srcdir/tests/lib.sh"

users="$TEST_DATA/map/users.ndjson"

check 'ndjson keeps numbers, flattens objects' '
	heap-map -o user -k user_id "$users" >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro","ltv":12.5,"active":"true","address.city":"Oslo","address.zip":"0150","tags":"a||b"}}
	{"identity":"42","properties":{"ltv":"9007199254740993","active":"false","address.city":"Lima"}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 2 rows, wrote 2 records, rejected 0" >expect &&
	test_cmp expect err
'

check 'arrays as json text' '
	heap-map -q -o user -k user_id -m tags --arrays json "$users" >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"tags":"[\"a\",\"b\"]"}}
	{"identity":"42","properties":{"tags":"[]"}}
	EOT
	test_cmp expect out
'

check 'empty array is null when joined' '
	printf "%s\n" "{\"id\":\"a\",\"tags\":[],\"csv\":\"[]\"}" >in.ndjson &&
	heap-map -q -o user -k id -m tags -m csv:json in.ndjson >out &&
	echo "{\"identity\":\"a\",\"properties\":{}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k id -m tags -m csv:json --nulls empty in.ndjson >out &&
	echo "{\"identity\":\"a\",\"properties\":{\"tags\":\"\",\"csv\":\"\"}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k id -m tags -m csv:json --arrays json in.ndjson >out &&
	echo "{\"identity\":\"a\",\"properties\":{\"tags\":\"[]\",\"csv\":\"[]\"}}" >expect &&
	test_cmp expect out
'

check 'big numbers rejected on request' '
	expect_code 1 heap-map -o user -k user_id --big-numbers reject -r rej.ndjson "$users" >out 2>err &&
	head -n 1 out >first &&
	test "$(wc -l <out)" -eq 1 &&
	grep_or_show "^heap-map: .*users.ndjson:2:[0-9]*: number '\''9007199254740993'\'' in column '\''ltv'\'' does not fit a double without losing digits (--big-numbers string sends it as text)$" err &&
	grep_or_show "\"line\":2,.*\"raw\":\"{\\\\\"user_id\\\\\":42," rej.ndjson
'

check 'number kinds from json' '
	cat >in.ndjson <<-\EOT &&
	{"id":"a","n":1.5,"m":-0,"e":2.5e3}
	{"id":"b","n":12345678901234567890,"m":0.12345678901234567890,"e":1e400}
	{"id":"c","n":9007199254740992,"m":-9007199254740993}
	EOT
	heap-map -q -o account -k id in.ndjson >out &&
	cat >expect <<-\EOT &&
	{"account_id":"a","properties":{"n":1.5,"m":0,"e":2.5e3}}
	{"account_id":"b","properties":{"n":"12345678901234567890","m":"0.12345678901234567890","e":"1e400"}}
	{"account_id":"c","properties":{"n":9007199254740992,"m":"-9007199254740993"}}
	EOT
	test_cmp expect out
'

check 'string type keeps digits' '
	echo "{\"id\":\"a\",\"zip\":1234,\"ok\":true}" |
		heap-map -q -o account -k id -m zip:string -m ok:string >out &&
	echo "{\"account_id\":\"a\",\"properties\":{\"zip\":\"1234\",\"ok\":\"true\"}}" >expect &&
	test_cmp expect out
'

check 'number type on json values' '
	printf "%s\n" "{\"id\":\"a\",\"n\":\"12\"}" "{\"id\":\"b\",\"n\":true}" "{\"id\":\"c\",\"n\":7}" >in.ndjson &&
	expect_code 1 heap-map -o account -k id -m n:number in.ndjson >out 2>err &&
	cat >expect <<-\EOT &&
	{"account_id":"a","properties":{"n":12}}
	{"account_id":"c","properties":{"n":7}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: in.ndjson:2:[0-9]*: value '\''true'\'' in column '\''n'\'' is not a number$" err
'

check 'json array input' '
	cat >in.json <<-\EOT &&
	[
	  {"account_id": "a1", "seats": 40, "owner": {"name": "Ann", "tags": null}},
	  {"account_id": "a2", "seats": null, "owner": {"name": "Bob"}}
	]
	EOT
	heap-map -o account -k account_id in.json >out 2>err &&
	cat >expect <<-\EOT &&
	{"account_id":"a1","properties":{"seats":40,"owner.name":"Ann"}}
	{"account_id":"a2","properties":{"owner.name":"Bob"}}
	EOT
	test_cmp expect out &&
	heap-map -q -o account -k account_id --nulls empty in.json >out &&
	cat >expect <<-\EOT &&
	{"account_id":"a1","properties":{"seats":40,"owner.name":"Ann","owner.tags":""}}
	{"account_id":"a2","properties":{"seats":"","owner.name":"Bob"}}
	EOT
	test_cmp expect out
'

check 'map nested field by dotted name' '
	heap-map -q -o user -k user_id -m address.city=city "$users" >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"city":"Oslo"}}
	{"identity":"42","properties":{"city":"Lima"}}
	EOT
	test_cmp expect out
'

check 'missing key rejects the row' '
	printf "%s\n" "{\"id\":\"a\"}" "{\"name\":\"b\"}" "{\"id\":null}" "{\"id\":\" \"}" >in.ndjson &&
	expect_code 1 heap-map -o user -k id -r rej.ndjson in.ndjson >out 2>err &&
	echo "{\"identity\":\"a\",\"properties\":{}}" >expect &&
	test_cmp expect out &&
	sed "s/^\(heap-map: in.ndjson:[0-9]*\):[0-9]*:/\1:COL:/" err >masked &&
	cat >expect <<-\EOT &&
	heap-map: in.ndjson:2: identity column '\''id'\'' is missing
	heap-map: in.ndjson:3:COL: identity is empty (NULL)
	heap-map: in.ndjson:4:COL: identity is empty
	heap-map: read 4 rows, wrote 1 record, rejected 3 (2 identity is empty, 1 identity column is missing)
	EOT
	test_cmp expect masked &&
	grep_or_show "{\"program\":\"heap-map\",\"file\":\"in.ndjson\",\"line\":2,\"reason\":\"identity column '\''id'\'' is missing\",\"raw\":\"{\\\\\"name\\\\\":\\\\\"b\\\\\"}\"}" rej.ndjson
'

check 'numeric key uses its digits' '
	printf "%s\n" "{\"id\":12345678901234567890,\"a\":1}" "{\"id\":1.50,\"a\":2}" >in.ndjson &&
	heap-map -q -o user -k id in.ndjson >out &&
	cat >expect <<-\EOT &&
	{"identity":"12345678901234567890","properties":{"a":1}}
	{"identity":"1.50","properties":{"a":2}}
	EOT
	test_cmp expect out
'

check 'json field id is refused' '
	printf "%s\n" "{\"email\":\"a@example.com\",\"Id\":7}" >in.ndjson &&
	expect_code 2 heap-map -o user -k email in.ndjson >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: in.ndjson:1: field '\''Id'\'' would become the user property '\''Id'\'', which Heap rejects; rename it with --rename Id=NEW_NAME or leave it out with -x Id
	heap-map: read 1 row, wrote 0 records, rejected 0
	EOT
	test_cmp expect err &&
	heap-map -q -o user -k email -x Id in.ndjson >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{}}" >expect &&
	test_cmp expect out
'

# The stop comes at the first row with the field, so the rows before it
# are written, and counted in the summary and the stats file.
check 'json field id stops after rows before' '
	for i in 1 2 3; do echo "{\"uid\":\"u$i\"}"; done >in.ndjson &&
	echo "{\"uid\":\"x\",\"id\":1}" >>in.ndjson &&
	echo "{\"uid\":\"u5\"}" >>in.ndjson &&
	expect_code 2 heap-map -o user -k uid --stats stats in.ndjson >out 2>err &&
	test "$(wc -l <out)" -eq 3 &&
	test "$(jq -r .identity out | tr "\n" " ")" = "u1 u2 u3 " &&
	grep_or_show "^heap-map: in.ndjson:4: field .id. would become the user property" err &&
	grep_or_show "^heap-map: read 4 rows, wrote 3 records, rejected 0$" err &&
	printf "read=4\nwritten=3\nrejected=0\n" >expect &&
	test_cmp expect stats
'

# heap-diff and heap-send read records with jansson, which rejects
# \u0000 in a string, so heap-map must not write one.
check 'nul characters rejected' '
	printf "%s\n" "{\"id\":\"u1\",\"n\":\"a\\u0000b\"}" \
		"{\"id\":\"u\\u00002\",\"n\":\"x\"}" \
		"{\"id\":\"u3\",\"n\":{\"deep\":\"q\\u0000\"}}" \
		"{\"id\":\"u4\",\"n\":\"a\\\\u0000b\"}" >in.ndjson &&
	expect_code 1 heap-map -o user -k id in.ndjson >out 2>err &&
	cat >expect <<-\EOT &&
	heap-map: in.ndjson:1:16: value in column '\''n'\'' contains a NUL character (U+0000), which heap-diff and heap-send cannot read; remove it in the query
	heap-map: in.ndjson:2:7: identity contains a NUL character (U+0000), which heap-diff and heap-send cannot read; remove it in the query
	heap-map: in.ndjson:3:24: value in column '\''n.deep'\'' contains a NUL character (U+0000), which heap-diff and heap-send cannot read; remove it in the query
	heap-map: read 4 rows, wrote 1 record, rejected 3 (2 value contains a NUL character, 1 identity contains a NUL character)
	EOT
	test_cmp expect err &&
	heap-diff -s nul.state <out >passed &&
	jq -r .properties.n passed >value &&
	printf "%s\n" "a\\u0000b" >expect &&
	test_cmp expect value
'

check 'nul in a key rejected' '
	printf "%s\n" "{\"id\":\"u1\",\"na\\u0000me\":\"x\"}" \
		"{\"id\":\"u2\",\"o\":{\"k\\u0000\":1}}" \
		"{\"id\":\"u3\",\"ok\":1}" >in.ndjson &&
	expect_code 1 heap-map -o user -k id in.ndjson >out 2>err &&
	echo "{\"identity\":\"u3\",\"properties\":{\"ok\":1}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.ndjson:1:12: key contains a NUL character (U+0000), which heap-diff and heap-send cannot read; rename it in the query$" err &&
	grep_or_show "^heap-map: in.ndjson:2:17: key contains a NUL" err
'

check 'output write failure is not counted' '
	test -w /dev/full || { echo "no /dev/full" >&2; exit 1; }
	printf "id\nu1\n" >in.csv &&
	rm -f stats &&
	expect_code 3 heap-map -o user -k id --stats stats in.csv >/dev/full 2>err &&
	grep_or_show "^heap-map: cannot write standard output" err &&
	! grep "wrote 1 record" err &&
	test ! -e stats
'

check 'set replaces a json field' '
	echo "{\"id\":\"a\",\"plan\":\"free\",\"seats\":3}" |
		heap-map -q -o account -k id --set plan=pro >out &&
	echo "{\"account_id\":\"a\",\"properties\":{\"seats\":3,\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out
'

check 'long json strings cut once' '
	python3 -c "
import json
for i in range(3):
    print(json.dumps({\"id\": \"u%d\" % i, \"bio\": \"\\u00e9\" * 1500}))
" >in.ndjson &&
	heap-map -o user -k id in.ndjson >out 2>err &&
	python3 -c "
import json
for line in open(\"out\"):
    assert json.loads(line)[\"properties\"][\"bio\"] == \"\\u00e9\" * 1023
" &&
	test "$(grep -c "column '\''bio'\'' has a value of 1500 characters" err)" -eq 1
'

check 'invalid json rows rejected' '
	printf "%s\n" "{\"id\":\"a\"}" "{\"id\":" "{\"id\":\"c\"}" >in.ndjson &&
	expect_code 1 heap-map -o user -k id in.ndjson >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"a","properties":{}}
	{"identity":"c","properties":{}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: in.ndjson:2" err
'

check 'format forced with --from' '
	printf "%s\n" "{\"id\":\"a\"}" | heap-map -q -o user -k id -f ndjson >out &&
	echo "{\"identity\":\"a\",\"properties\":{}}" >expect &&
	test_cmp expect out &&
	printf "%s\n" "{\"id\":\"a\"}" | expect_code 2 heap-map -q -o user -k id -f csv >out 2>err &&
	grep_or_show "column '\''id'\'' not found in the header" err
'

check 'json events need their fields' '
	cat >in.ndjson <<-\EOT &&
	{"id":"a","ev":"E","ts":"2024-05-01T10:00:00Z"}
	{"id":"b","ev":"E"}
	{"id":"c","ts":"2024-05-01T10:00:00Z"}
	{"id":"d","ev":"E","ts":1714557600}
	EOT
	expect_code 1 heap-map -o event -k id -e ev -t ts -i id in.ndjson >out 2>err &&
	echo "{\"identity\":\"a\",\"event\":\"E\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"a\",\"properties\":{}}" >expect &&
	head -n 1 out >first &&
	test_cmp expect first &&
	grep_or_show "^heap-map: in.ndjson:2: timestamp column '\''ts'\'' is missing$" err &&
	grep_or_show "^heap-map: in.ndjson:3: event name column '\''ev'\'' is missing$" err
'

check 'truncated json array' '
	printf "[{\"id\":\"a\"},{\"id\":\"b\"}," >in.json &&
	expect_code 3 heap-map -o user -k id --stats stats in.json >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"a","properties":{}}
	{"identity":"b","properties":{}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: in.json:1: invalid JSON: " err &&
	printf "read=2\nwritten=2\nrejected=0\n" >expect &&
	test_cmp expect stats
'

check 'UTF-16 input is an input error' '
	printf "\377\376i\000d\000\n\000" >in.csv &&
	expect_code 3 heap-map -o user -k id in.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: in.csv:1: input is UTF-16" err
'

check 'pretty-printed ndjson gets a hint' '
	printf "{\n  \"id\": \"a\"\n}\n" >in.ndjson &&
	expect_code 1 heap-map -o user -k id -f ndjson in.ndjson >out 2>err &&
	test_cmp /dev/null out &&
	tail -n 2 err >last &&
	grep_or_show "^heap-map: read 3 rows, wrote 0 records, rejected 3 (2 invalid JSON, 1 expected a JSON object, found a string)$" last &&
	grep_or_show "^heap-map: in.ndjson: .*jq -c" err
'

check 'rename wins over a same-named field' '
	printf "%s\n" "{\"user_id\":\"u1\",\"id\":77,\"plan\":\"pro\"}" \
	    "{\"user_id\":\"u2\",\"plan\":\"free\",\"id\":78}" >in.ndjson &&
	heap-map -o user -k user_id --rename id=plan in.ndjson >out 2>err &&
	cat >expect <<-EOT &&
	{"identity":"u1","properties":{"plan":77}}
	{"identity":"u2","properties":{"plan":78}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: warning: in.ndjson:1: field '\''plan'\'' is not sent because --rename id=plan replaces it$" err &&
	test "$(grep -c "is not sent because" err)" = 1
'

check 'unseen mapped fields warned once' '
	printf "%s\n" "{\"id\":\"u1\",\"address\":{\"city\":\"Oslo\"},\"ltv\":3}" \
	    "{\"id\":\"u2\",\"ltv\":4}" >in.ndjson &&
	heap-map -o user -k id -m ltvv -m address -m ltv --rename plan=tier \
	    in.ndjson >out 2>err &&
	cat >expect <<-EOT &&
	{"identity":"u1","properties":{"ltv":3}}
	{"identity":"u2","properties":{"ltv":4}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: warning: field '\''ltvv'\'' given with -m was not in any row$" err &&
	grep_or_show "^heap-map: warning: field '\''address'\'' given with -m was not in any row; nested fields such as '\''address.city'\'' are named with a dot$" err &&
	grep_or_show "^heap-map: warning: field '\''plan'\'' given with --rename was not in any row$" err &&
	test "$(grep -c "was not in any row" err)" = 3 &&
	heap-map -o user -k id -m address.city in.ndjson >out 2>err &&
	! grep "was not in any row" err
'

check 'verbose names the format' '
	printf "%s\n" "{\"id\":\"a\"}" >in.ndjson &&
	heap-map -v -o user -k id in.ndjson >out 2>err &&
	grep_or_show "^heap-map: in.ndjson: reading NDJSON$" err
'

done_testing
