#!/bin/sh
# heap-map on the JSON that 'bq query' prints: --format=json writes one
# array on one line, --format=prettyjson the same with sorted keys and
# two-space indents.  Every value is a string (numbers as "42", booleans
# as "true"), a RECORD is a nested object, a REPEATED field an array and
# NULL is null.
# NOTE: the samples write TIMESTAMP as "2024-05-01 10:00:00" without a
# zone; older bq releases printed seconds since the epoch instead.
. "$top_srcdir/tests/lib.sh"

data="$top_srcdir/tests/data/map"
typed="-m seats:number -m ltv:number -m active:bool -m signed_up:timestamp
	-m address.city=city -m address.geo.lat:number=lat -m tags -m scores"

check 'bq strings stay strings by default' '
	heap-map -o user -k user_id "$data/bq-users.json" >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"101","properties":{"name":"Zoë","plan":"pro","seats":"40","ltv":"12.5","active":"true","signed_up":"2024-05-01 10:00:00","address.city":"Oslo","address.zip":"0150","address.geo.lat":"59.91","address.geo.lon":"10.75","tags":"beta||vip","scores":"1||2||3"}}
	{"identity":"102","properties":{"name":"Bo","seats":"3","ltv":"0","active":"false","signed_up":"2024-05-02 08:30:00","note":"say \"hi\""}}
	{"identity":"103","properties":{"name":"Al","plan":"free","seats":"12345678901234567890","ltv":"-0.25","active":"true","signed_up":"2024-05-03 23:59:59.5","address.city":"Lima","address.zip":"15001","address.geo.lat":"-12.05","address.geo.lon":"-77.04","tags":"a|b","scores":"7","note":""}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 3 rows, wrote 3 records, rejected 0" >expect &&
	test_cmp expect err
'

check 'bq values typed with -m' '
	heap-map -q -o user -k user_id $typed "$data/bq-users.json" >out &&
	cat >expect <<-\EOT &&
	{"identity":"101","properties":{"seats":40,"ltv":12.5,"active":"true","signed_up":"2024-05-01T10:00:00.000Z","city":"Oslo","lat":59.91,"tags":"beta||vip","scores":"1||2||3"}}
	{"identity":"102","properties":{"seats":3,"ltv":0,"active":"false","signed_up":"2024-05-02T08:30:00.000Z"}}
	{"identity":"103","properties":{"seats":"12345678901234567890","ltv":-0.25,"active":"true","signed_up":"2024-05-03T23:59:59.500Z","city":"Lima","lat":-12.05,"tags":"a|b","scores":"7"}}
	EOT
	test_cmp expect out
'

check 'bq prettyjson gives the same records' '
	heap-map -q -o user -k user_id $typed "$data/bq-users-pretty.json" >pretty &&
	cat >expect <<-\EOT &&
	{"identity":"101","properties":{"active":"true","city":"Oslo","lat":59.91,"ltv":12.5,"scores":"1||2||3","seats":40,"signed_up":"2024-05-01T10:00:00.000Z","tags":"beta||vip"}}
	{"identity":"102","properties":{"active":"false","ltv":0,"seats":3,"signed_up":"2024-05-02T08:30:00.000Z"}}
	{"identity":"103","properties":{"active":"true","city":"Lima","lat":-12.05,"ltv":-0.25,"scores":"7","seats":"12345678901234567890","signed_up":"2024-05-03T23:59:59.500Z","tags":"a|b"}}
	EOT
	test_cmp expect pretty &&
	heap-map -q -o user -k user_id $typed "$data/bq-users.json" >compact &&
	jq -cS . pretty >a &&
	jq -cS . compact >b &&
	test_cmp a b
'

check 'bq prettyjson error names the row' '
	expect_code 1 heap-map -o user -k user_id -m seats:number --big-numbers reject \
	    "$data/bq-users-pretty.json" >out 2>err &&
	test "$(wc -l <out)" -eq 2 &&
	row3=$(grep -n "^  {$" "$data/bq-users-pretty.json" | sed -n "3s/:.*//p") &&
	grep_or_show "^heap-map: .*bq-users-pretty.json:$row3:[0-9]*: number '\''12345678901234567890'\'' in column '\''seats'\'' does not fit a double" err &&
	grep_or_show "^heap-map: read 3 rows, wrote 2 records, rejected 1 (1 number does not fit a double without losing digits)$" err
'

check 'bq arrays as JSON text' '
	heap-map -q -o user -k user_id --arrays json -m tags -m scores "$data/bq-users.json" >out &&
	cat >expect <<-\EOT &&
	{"identity":"101","properties":{"tags":"[\"beta\",\"vip\"]","scores":"[\"1\",\"2\",\"3\"]"}}
	{"identity":"102","properties":{"tags":"[]","scores":"[]"}}
	{"identity":"103","properties":{"tags":"[\"a|b\"]","scores":"[\"7\"]"}}
	EOT
	test_cmp expect out
'

check 'bq events with repeated records' '
	expect_code 1 heap-map -o event -k user_id -e event -t created_at -i order_id \
	    -m amount:number -m items "$data/bq-events.json" >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"101","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"o-991","properties":{"amount":30,"items":"{\"sku\":\"A1\",\"qty\":\"2\"}||{\"sku\":\"B2\",\"qty\":\"1\"}"}}
	{"identity":"102","event":"Refund","timestamp":"2024-05-01T12:00:00.250Z","idempotency_key":"o-992","properties":{"amount":12.5}}
	EOT
	test_cmp expect out &&
	grep_or_show "^heap-map: .*bq-events.json:1:[0-9]*: timestamp is empty (NULL)$" err &&
	grep_or_show "^heap-map: read 3 rows, wrote 2 records, rejected 1 (1 timestamp is empty)$" err
'

check 'bq nested field as event column' '
	heap-map -q -o event -k user_id --event-name Seen -t signed_up -m address.geo.lon:number=lon \
	    "$data/bq-users-pretty.json" >out &&
	cut -c1-80 out >got &&
	cat >expect <<-\EOT &&
	{"identity":"101","event":"Seen","timestamp":"2024-05-01T10:00:00.000Z","idempot
	{"identity":"102","event":"Seen","timestamp":"2024-05-02T08:30:00.000Z","idempot
	{"identity":"103","event":"Seen","timestamp":"2024-05-03T23:59:59.500Z","idempot
	EOT
	test_cmp expect got &&
	jq -c .properties out >props &&
	printf "{\"lon\":10.75}\n{}\n{\"lon\":-77.04}\n" >expect &&
	test_cmp expect props
'

done_testing
