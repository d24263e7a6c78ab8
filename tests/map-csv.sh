#!/bin/sh
# heap-map on CSV and TSV: default columns, -m, -x, --set, types, NULLs,
# long values and rejected rows.
. "$top_srcdir/tests/lib.sh"

users="$TEST_DATA/map/users.csv"

check 'every column by default' '
	heap-map -o user -k id "$users" >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"email":"ann@example.com","plan":"pro","seats":"12","active":"t","signed_up":"2024-05-01 10:00:00+00"}}
	{"identity":"u2","properties":{"email":"bob@example.com","plan":"free","seats":"1","active":"f","signed_up":"2024-05-02 11:30:00+02"}}
	{"identity":"u3","properties":{}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 3 rows, wrote 3 records, rejected 0" >expect &&
	test_cmp expect err
'

check 'accounts use account_id' '
	printf "account_id,seats\na1,40\n" | heap-map -q -o account -k account_id >out &&
	echo "{\"account_id\":\"a1\",\"properties\":{\"seats\":\"40\"}}" >expect &&
	test_cmp expect out
'

check 'map selects, renames and types' '
	heap-map -q -o user -k id -m plan=Plan -m seats:number \
		-m active:bool=is_active -m signed_up:timestamp "$users" >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"Plan":"pro","seats":12,"is_active":"true","signed_up":"2024-05-01T10:00:00.000Z"}}
	{"identity":"u2","properties":{"Plan":"free","seats":1,"is_active":"false","signed_up":"2024-05-02T09:30:00.000Z"}}
	{"identity":"u3","properties":{}}
	EOT
	test_cmp expect out
'

check 'one column mapped twice' '
	heap-map -q -o user -k id -m seats:number -m seats=seats_text "$users" >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"seats\":12,\"seats_text\":\"12\"}}" >expect &&
	test_cmp expect first
'

check 'key column sent when mapped' '
	heap-map -q -o user -k id -m id=user_id -m plan "$users" >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"user_id\":\"u1\",\"plan\":\"pro\"}}" >expect &&
	test_cmp expect first
'

check 'exclude drops columns' '
	heap-map -q -o user -k id -x email -x signed_up "$users" >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\",\"seats\":\"12\",\"active\":\"t\"}}" >expect &&
	test_cmp expect first
'

check 'set adds constants' '
	heap-map -q -o user -k id -m plan --set source=warehouse --set "team=a b=c" "$users" >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\",\"source\":\"warehouse\",\"team\":\"a b=c\"}}" >expect &&
	test_cmp expect first
'

check 'set replaces a default column' '
	heap-map -o user -k id --set plan=enterprise -x email -x signed_up "$users" >out 2>err &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"seats\":\"12\",\"active\":\"t\",\"plan\":\"enterprise\"}}" >expect &&
	test_cmp expect first &&
	grep_or_show "^heap-map: warning: .*users.csv: column '\''plan'\'' is not sent because --set plan replaces it$" err
'

check 'nulls skipped, quoted empty kept' '
	printf "id,a,b\nu1,,\"\"\n" >in.csv &&
	heap-map -q -o user -k id in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"b\":\"\"}}" >expect &&
	test_cmp expect out
'

check 'nulls empty sends empty strings' '
	printf "id,a,b:x\nu1,,\"\"\n" >in.csv &&
	heap-map -q -o user -k id --nulls empty -m a:number -m b:x:string in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"a\":\"\",\"b:x\":\"\"}}" >expect &&
	test_cmp expect out
'

check 'null string option' '
	printf "id,a,b\nu1,NULL,null\n" >in.csv &&
	heap-map -q -o user -k id --null-string NULL in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"b\":\"null\"}}" >expect &&
	test_cmp expect out
'

check 'null string replaces empty rule' '
	printf "id,a,b,c\nu1,,\"\",\"NULL\"\n" >in.csv &&
	heap-map -q -o user -k id --null-string NULL in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"a\":\"\",\"b\":\"\",\"c\":\"NULL\"}}" >expect &&
	test_cmp expect out
'

check 'empty null string' '
	printf "id,a,b\nu1,,\"\"\n" >in.csv &&
	heap-map -q -o user -k id --null-string "" in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"b\":\"\"}}" >expect &&
	test_cmp expect out
'

check 'number type rejects text' '
	printf "id,amount\nu1,12.50\nu2,abc\nu3,-0.5e3\nu4,\"\"\n" >in.csv &&
	rm -f rej.ndjson &&
	expect_code 1 heap-map -o user -k id -m amount:number -r rej.ndjson in.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"amount":12.50}}
	{"identity":"u3","properties":{"amount":-0.5e3}}
	EOT
	test_cmp expect out &&
	cat >expect <<-\EOT &&
	heap-map: in.csv:3:2: value '\''abc'\'' in column '\''amount'\'' is not a number
	heap-map: in.csv:5:2: value '\'''\'' in column '\''amount'\'' is not a number
	heap-map: read 4 rows, wrote 2 records, rejected 2 (2 value is not a number)
	EOT
	test_cmp expect err &&
	cat >expect <<-\EOT &&
	{"program":"heap-map","file":"in.csv","line":3,"column":2,"reason":"value '\''abc'\'' in column '\''amount'\'' is not a number","raw":"u2,abc"}
	{"program":"heap-map","file":"in.csv","line":5,"column":2,"reason":"value '\'''\'' in column '\''amount'\'' is not a number","raw":"u4,\"\""}
	EOT
	test_cmp expect rej.ndjson
'

check 'number type keeps long decimals as text' '
	printf "id,n\nu1,12345678901234567890\nu2,0.1234567890123456789\n" >in.csv &&
	heap-map -q -o user -k id -m n:number in.csv >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"n":"12345678901234567890"}}
	{"identity":"u2","properties":{"n":"0.1234567890123456789"}}
	EOT
	test_cmp expect out &&
	expect_code 1 heap-map -q -o user -k id -m n:number --big-numbers reject in.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: in.csv:2:2: number '\''12345678901234567890'\'' in column '\''n'\'' does not fit a double without losing digits (--big-numbers string sends it as text)$" err
'

check 'bool type accepts psql t and f' '
	printf "id,b\nu1,t\nu2,f\nu3,TRUE\nu4,0\nu5,maybe\n" >in.csv &&
	expect_code 1 heap-map -o user -k id -m b:bool in.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"b":"true"}}
	{"identity":"u2","properties":{"b":"false"}}
	{"identity":"u3","properties":{"b":"true"}}
	{"identity":"u4","properties":{"b":"false"}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:6:2: value '\''maybe'\'' in column '\''b'\'' is not a boolean$" err
'

check 'timestamp type converts to UTC' '
	printf "id,ts\nu1,2024-05-01T10:00:00+02:00\nu2,yesterday\n" >in.csv &&
	expect_code 1 heap-map -o user -k id -m ts:timestamp in.csv >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"ts\":\"2024-05-01T08:00:00.000Z\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:3:2: timestamp '\''yesterday'\'' in column '\''ts'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds$" err
'

check 'json type flattens objects' '
	cat >in.csv <<-\EOT &&
	id,doc
	u1,"{""plan"":""pro"",""limits"":{""seats"":40,""ratio"":0.1},""beta"":true,""gone"":null,""tags"":[""a"",""b""]}"
	u2,"[1,2]"
	u3,"""just text"""
	u4,"{not json"
	EOT
	expect_code 1 heap-map -o user -k id -m doc:json=d in.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"d.plan":"pro","d.limits.seats":40,"d.limits.ratio":0.1,"d.beta":"true","d.tags":"a||b"}}
	{"identity":"u2","properties":{"d":"1||2"}}
	{"identity":"u3","properties":{"d":"just text"}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:5:2: value of column '\''doc'\'' is not valid JSON: " err
'

check 'json type with arrays as json' '
	printf "id,doc\nu1,\"{\"\"t\"\":[1,{\"\"a\"\":2}]}\"\nu2,\"[\"\"x\"\",3]\"\n" >in.csv &&
	heap-map -q -o user -k id --arrays json -m doc:json in.csv >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"doc.t":"[1,{\"a\":2}]"}}
	{"identity":"u2","properties":{"doc":"[\"x\",3]"}}
	EOT
	test_cmp expect out
'

# Flattened keys must not repeat a property name, or heap-diff would
# reject the record as having a duplicate key.
check 'json type clash refused' '
	printf "id,prefs,prefs.theme\nu1,\"{\"\"theme\"\":\"\"dark\"\"}\",light\n" >in.csv &&
	expect_code 2 heap-map -o user -k id -m prefs:json -m prefs.theme in.csv >out 2>err &&
	grep_or_show "^heap-map: property .prefs.theme. may clash with the keys of the :json column .prefs., which are sent as .prefs.KEY.; give one of them another name with -m COLUMN=NEW_NAME$" err &&
	expect_code 2 heap-map -o user -k id -m prefs:json --set prefs.x=1 in.csv 2>err &&
	grep_or_show "property .prefs.x. may clash" err &&
	heap-map -q -o user -k id -m prefs:json -m prefs.theme=theme in.csv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"prefs.theme\":\"dark\",\"theme\":\"light\"}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k id -m prefs:json -m prefs.theme=prefsx in.csv >/dev/null
'

check 'json type duplicate keys rejected' '
	printf "id,doc\nu1,\"{\"\"a\"\":1,\"\"a\"\":2}\"\n" >in.csv &&
	expect_code 1 heap-map -o user -k id -m doc:json in.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: in.csv:2:2: value of column .doc. is not valid JSON: duplicate object key" err
'

check 'json type clash found per row' '
	printf "id,prefs,prefs.theme\nu1,\"{\"\"theme\"\":\"\"dark\"\"}\",light\nu2,\"{\"\"x\"\":1}\",light\nu3,\"{\"\"a\"\":{\"\"b\"\":1},\"\"a.b\"\":2}\",z\n" >in.csv &&
	expect_code 1 heap-map -o user -k id --rename prefs:json=prefs in.csv >out 2>err &&
	echo "{\"identity\":\"u2\",\"properties\":{\"prefs.x\":1,\"prefs.theme\":\"light\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:2: property .prefs.theme. would be sent twice in one record, once from a json-typed column; give one of its columns another name with -m or --rename$" err &&
	grep_or_show "^heap-map: in.csv:4: property .prefs.a.b. would be sent twice" err
'

check 'json type nul rejected by column' '
	printf "id,doc\nu1,\"{\"\"s\"\":\"\"a\\\\u0000b\"\"}\"\n" >in.csv &&
	expect_code 1 heap-map -o user -k id -m doc:json in.csv >out 2>err &&
	grep_or_show "^heap-map: in.csv:2:2: value in column .doc. contains a NUL character (U+0000)" err &&
	! grep JSON_ALLOW_NUL err
'

check 'keys are trimmed, not folded' '
	printf "id,a\n  U1 ,x\n\tu2\t,y\n" >in.csv &&
	heap-map -q -o user -k id in.csv >out &&
	cat >expect <<-\EOT &&
	{"identity":"U1","properties":{"a":"x"}}
	{"identity":"u2","properties":{"a":"y"}}
	EOT
	test_cmp expect out
'

check 'empty and null keys rejected' '
	printf "id,a\n\"\",x\n,y\n\"   \",z\n" >in.csv &&
	expect_code 1 heap-map -o user -k id in.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: in.csv:2:1: identity is empty
	heap-map: in.csv:3:1: identity is empty (NULL)
	heap-map: in.csv:4:1: identity is empty
	heap-map: read 3 rows, wrote 0 records, rejected 3 (3 identity is empty)
	EOT
	test_cmp expect err &&
	printf "account_id\n\"\"\n" | expect_code 1 heap-map -o account -k account_id 2>err &&
	grep_or_show "^heap-map: <stdin>:2:1: account_id is empty$" err
'

check 'identity over 255 characters' '
	long255=$(printf "%0255d" 0) &&
	long300=$(printf "%0300d" 0) &&
	printf "id,a\n%s,x\n%s,y\n" "$long255" "$long300" >in.csv &&
	expect_code 1 heap-map -o user -k id in.csv >out 2>err &&
	echo "{\"identity\":\"$long255\",\"properties\":{\"a\":\"x\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:3:1: identity has 300 characters; Heap allows 255$" err
'

check 'identity limit counts characters' '
	key=$(python3 -c "print(\"\\u00e9\" * 255)") &&
	printf "id\n%s\n" "$key" | heap-map -q -o user -k id >out &&
	echo "{\"identity\":\"$key\",\"properties\":{}}" >expect &&
	test_cmp expect out
'

check 'long values cut once per column' '
	python3 -c "
import sys
sys.stdout.write(\"id,bio,note\\n\")
for i in range(3):
    sys.stdout.write(\"u%d,%s,%s\\n\" % (i, \"\\u00e9\" * 1100, \"n\" * 2000))
" >in.csv &&
	heap-map -o user -k id in.csv >out 2>err &&
	python3 -c "
import json, sys
for line in open(\"out\"):
    p = json.loads(line)[\"properties\"]
    assert p[\"bio\"] == \"\\u00e9\" * 1023, len(p[\"bio\"])
    assert p[\"note\"] == \"n\" * 1023, len(p[\"note\"])
" &&
	cat >expect <<-\EOT &&
	heap-map: warning: in.csv:2:2: column '\''bio'\'' has a value of 1100 characters; values over 1023 characters in this column are cut (--long-values reject rejects such rows instead)
	heap-map: warning: in.csv:2:3: column '\''note'\'' has a value of 2000 characters; values over 1023 characters in this column are cut (--long-values reject rejects such rows instead)
	heap-map: read 3 rows, wrote 3 records, rejected 0
	EOT
	test_cmp expect err
'

check 'long values 1023 pass' '
	v=$(printf "%01023d" 7) &&
	printf "id,a\nu1,%s\n" "$v" | heap-map -o user -k id >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"a\":\"$v\"}}" >expect &&
	test_cmp expect out &&
	echo "heap-map: read 1 row, wrote 1 record, rejected 0" >expect &&
	test_cmp expect err
'

check 'long values rejected on request' '
	v=$(printf "%01024d" 7) &&
	printf "id,a\nu1,%s\nu2,ok\n" "$v" >in.csv &&
	expect_code 1 heap-map -o user -k id --long-values reject in.csv >out 2>err &&
	echo "{\"identity\":\"u2\",\"properties\":{\"a\":\"ok\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:2:2: value of column '\''a'\'' has 1024 characters; Heap allows 1023$" err
'

check 'invalid UTF-8 rejects the row' '
	printf "id,a\nu1,caf\351\nu2,ok\n" >in.csv &&
	rm -f rej.ndjson &&
	expect_code 1 heap-map -o user -k id -r rej.ndjson in.csv >out 2>err &&
	echo "{\"identity\":\"u2\",\"properties\":{\"a\":\"ok\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.csv:2:2: invalid UTF-8" err &&
	grep_or_show "\"line\":2,\"column\":2,.*\"raw\":\"u1,caf\\\\ufffd\"\\|\"raw\":\"u1,caf.\"" rej.ndjson
'

check 'JSON escapes in output' '
	printf "id,a\nu1,\"say \"\"hi\"\"\\\\ tab\there\nnext\"\n" >in.csv &&
	heap-map -q -o user -k id in.csv >out &&
	python3 -c "
import json
r = json.loads(open(\"out\").read())
assert r[\"properties\"][\"a\"] == \"say \\\"hi\\\"\\\\ tab\\there\\nnext\", r
"
'

check 'escapes at every position' '
	python3 -c "
import json
for b in range(1, 128):
    for pos in range(12):
        value = \"a\" * pos + chr(b) + \"\u00e9\" * (pos % 3) + \"z\" * (11 - pos)
        print(json.dumps({\"id\": \"u%d-%d\" % (b, pos), \"v\": value}))
" >in.ndjson &&
	heap-map -q -o user -k id in.ndjson >out &&
	python3 -c "
import json
rows = [json.loads(line) for line in open(\"in.ndjson\")]
records = [json.loads(line) for line in open(\"out\")]
assert len(rows) == len(records) == 127 * 12, len(records)
for row, record in zip(rows, records):
    assert record[\"properties\"][\"v\"] == row[\"v\"], (row, record)
"
'

check 'rejects file appends' '
	printf "id\n\"\"\n" >in.csv &&
	echo "{\"old\":1}" >rej.ndjson &&
	expect_code 1 heap-map -q -o user -k id -r rej.ndjson in.csv &&
	cat >expect <<-\EOT &&
	{"old":1}
	{"program":"heap-map","file":"in.csv","line":2,"column":1,"reason":"identity is empty","raw":"\"\""}
	EOT
	test_cmp expect rej.ndjson
'

check 'messages stop after ten rejects' '
	{ echo id; i=0; while [ $i -lt 25 ]; do echo "\"\""; i=$((i + 1)); done; echo u1; } >in.csv &&
	rm -f rej.ndjson &&
	expect_code 1 heap-map -o user -k id -r rej.ndjson in.csv >out 2>err &&
	test "$(grep -c ":1: identity is empty$" err)" -eq 10 &&
	grep_or_show "^heap-map: further rejected rows are counted but not shown here$" err &&
	grep_or_show "^heap-map: read 26 rows, wrote 1 record, rejected 25 (25 identity is empty)$" err &&
	! grep "rejected rows in all" err &&
	test "$(wc -l <rej.ndjson)" -eq 25 &&
	expect_code 1 heap-map -q -o user -k id in.csv >out 2>err &&
	grep_or_show "^heap-map: further rejected rows are counted but not shown; use -r FILE to keep them$" err &&
	grep_or_show "^heap-map: 25 rejected rows in all$" err &&
	! grep "^heap-map: read " err
'

check 'stats file counts rows' '
	printf "id\nu1\n\"\"\nu2\n" >in.csv &&
	expect_code 1 heap-map -q -o user -k id --stats stats in.csv >out &&
	printf "read=3\nwritten=2\nrejected=1\n" >expect &&
	test_cmp expect stats
'

check 'quiet hides summary and warnings' '
	printf "id,a\nu1,%s\n" "$(printf "%02000d" 1)" >in.csv &&
	heap-map -q -o user -k id in.csv >out 2>err &&
	test_cmp /dev/null err
'

check 'TSV from mysql batch' '
	printf "id\tplan\tnote\nu1\tpro\t\\\\N\nu2\tfree\ta\\\\tb\n" >in.tsv &&
	heap-map -q -o user -k id -f tsv in.tsv >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro"}}
	{"identity":"u2","properties":{"plan":"free","note":"a\tb"}}
	EOT
	test_cmp expect out
'

check 'TSV NUL escape rejected' '
	printf "id\tnote\nu1\ta\\\\0b\nu2\tok\n" >in.tsv &&
	expect_code 1 heap-map -o user -k id -f tsv in.tsv >out 2>err &&
	echo "{\"identity\":\"u2\",\"properties\":{\"note\":\"ok\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: in.tsv:2:2: value in column .note. contains a NUL character (U+0000)" err
'

check 'mysql zero dates are null' '
	printf "id\tseen\tat\nu1\t0000-00-00 00:00:00\t2024-01-01 10:00:00\nu2\t2024-05-01 10:00:00\t0000-00-00\n" >in.tsv &&
	heap-map -o user -k id -f tsv -m seen:timestamp -m at:timestamp in.tsv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"at":"2024-01-01T10:00:00.000Z"}}
	{"identity":"u2","properties":{"seen":"2024-05-01T10:00:00.000Z"}}
	EOT
	test_cmp expect out &&
	test "$(grep -c "zero date" err)" -eq 1 &&
	grep_or_show "^heap-map: warning: in.tsv:2:2: .0000-00-00 00:00:00. in column .seen. is a MySQL zero date; sending it and every zero date as NULL$" err &&
	heap-map -q -o user -k id -f tsv -m seen:timestamp --nulls empty in.tsv >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"seen\":\"\"}}" >expect &&
	test_cmp expect first
'

check 'mysql zero date event rejected' '
	printf "id\tname\tat\nu1\tE\t0000-00-00 00:00:00\n" >in.tsv &&
	expect_code 1 heap-map -o event -k id -e name -t at -f tsv in.tsv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: in.tsv:2:3: timestamp .0000-00-00 00:00:00. in column .at. is a MySQL zero date, which is no time at all; make it NULL in the query, or leave such rows out$" err
'

check 'rejects file private' '
	rm -f private.ndjson &&
	printf "id\n\"\"\n" >in.csv &&
	expect_code 1 heap-map -q -o user -k id -r private.ndjson in.csv >out &&
	test "$(stat -c %a private.ndjson)" = 600
'

check 'delimiter option' '
	printf "id;plan\nu1;pro\n" | heap-map -q -o user -k id -d ";" >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out
'

check 'dash reads stdin' '
	heap-map -q -o user -k id -m plan - <"$users" >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect first
'

done_testing
