#!/bin/sh
# heap-map -o event: event names, timestamps, time zones and
# idempotency keys.
. "$top_srcdir/tests/lib.sh"

orders="$TEST_DATA/map/orders.csv"

check 'insert id becomes the idempotency key' '
	heap-map -o event -k user_id -e event -t created_at -i order_id "$orders" >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"o-991","properties":{"amount":"30"}}
	{"identity":"u2","event":"Refund","timestamp":"2024-05-01T10:00:00.250Z","idempotency_key":"o-992","properties":{"amount":"12.50"}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 2 rows, wrote 2 records, rejected 0" >expect &&
	test_cmp expect err
'

check 'event name for every row' '
	heap-map -q -o event -k user_id --event-name "Order Placed" -t created_at -i order_id \
		-m amount:number "$orders" >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Order Placed","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"o-991","properties":{"amount":30}}
	{"identity":"u2","event":"Order Placed","timestamp":"2024-05-01T10:00:00.250Z","idempotency_key":"o-992","properties":{"amount":12.50}}
	EOT
	test_cmp expect out
'

# Print the idempotency keys of the records in FILE, one a line.
keys() {
	sed -n "s/.*\"idempotency_key\":\"\([^\"]*\)\".*/\1/p" "$1"
}

check 'derived keys are stable' '
	heap-map -q -o event -k user_id -e event -t created_at "$orders" >first &&
	heap-map -q -o event -k user_id -e event -t created_at <"$orders" >second &&
	test_cmp first second &&
	keys first >k &&
	test "$(wc -l <k)" -eq 2 &&
	test "$(grep -c "^[0-9a-f]\{32\}$" k)" -eq 2 &&
	test "$(sort -u k | wc -l)" -eq 2
'

check 'same row gives same key' '
	printf "u,ts,a\nu1,2024-05-01T10:00:00Z,x\nu1,2024-05-01T10:00:00Z,x\n" >in.csv &&
	heap-map -q -o event -k u --event-name Visit -t ts in.csv >out &&
	keys out >k &&
	test "$(wc -l <k)" -eq 2 &&
	test "$(sort -u k | wc -l)" -eq 1
'

check 'key changes with any part' '
	cat >in.csv <<-\EOT &&
	u,ev,ts,a
	u1,Visit,2024-05-01T10:00:00Z,x
	u2,Visit,2024-05-01T10:00:00Z,x
	u1,Leave,2024-05-01T10:00:00Z,x
	u1,Visit,2024-05-01T10:00:00.001Z,x
	u1,Visit,2024-05-01T10:00:00Z,y
	u1,Visit,2024-05-01T10:00:00Z,
	EOT
	heap-map -q -o event -k u -e ev -t ts in.csv >out &&
	keys out >k &&
	test "$(wc -l <k)" -eq 6 &&
	test "$(sort -u k | wc -l)" -eq 6
'

check 'number spellings give one key' '
	cat >in.csv <<-\EOT &&
	u,ts,amount,sku
	u1,2024-05-01T10:00:00Z,30,A-1
	u1,2024-05-01T10:00:00Z,30.0,A-1
	u1,2024-05-01T10:00:00Z,30.00,A-1
	u1,2024-05-01T10:00:00Z,3e1,A-1
	u1,2024-05-01T10:00:00Z,3.0E+1,A-1
	EOT
	heap-map -q -o event -k u --event-name Buy -t ts -m amount:number \
		-m sku in.csv >out &&
	grep_or_show "\"amount\":30.00," out &&
	keys out >k &&
	test "$(wc -l <k)" -eq 5 &&
	test "$(sort -u k | wc -l)" -eq 1
'

check 'column order gives one key' '
	printf "u,ts,amount,sku\nu1,2024-05-01T10:00:00Z,30,A-1\n" >a.csv &&
	printf "sku,amount,ts,u\nA-1,30.00,2024-05-01T10:00:00Z,u1\n" >b.csv &&
	printf "{\"sku\":\"A-1\",\"u\":\"u1\",\"amount\":3e1,\"ts\":\"2024-05-01T10:00:00Z\"}\n" >c.ndjson &&
	heap-map -q -o event -k u --event-name Buy -t ts -m amount:number \
		-m sku a.csv >out &&
	heap-map -q -o event -k u --event-name Buy -t ts -m amount:number \
		-m sku b.csv >>out &&
	heap-map -q -o event -k u --event-name Buy -t ts c.ndjson >>out &&
	grep_or_show "\"properties\":{\"sku\":\"A-1\",\"amount\":30.00}" out &&
	keys out >k &&
	test "$(wc -l <k)" -eq 3 &&
	test "$(sort -u k | wc -l)" -eq 1
'

check 'different values give different keys' '
	cat >in.csv <<-\EOT &&
	u,ts,amount
	u1,2024-05-01T10:00:00Z,30
	u1,2024-05-01T10:00:00Z,30.5
	u1,2024-05-01T10:00:00Z,-30
	u1,2024-05-01T10:00:00Z,300
	u1,2024-05-01T10:00:00Z,0.30
	EOT
	heap-map -q -o event -k u --event-name Buy -t ts -m amount:number \
		in.csv >out &&
	heap-map -q -o event -k u --event-name Buy -t ts -m amount:string \
		in.csv >>out &&
	keys out >k &&
	test "$(wc -l <k)" -eq 10 &&
	test "$(sort -u k | wc -l)" -eq 10
'

# A derived key must not change between versions: a changed key makes
# heap-diff pass the event again and Heap store it twice.
check 'derived key is pinned' '
	printf "u,ts,sku,amount\nu1,2024-05-01T10:00:00Z,A-1,19.99\n" >in.csv &&
	heap-map -q -o event -k u --event-name Buy -t ts -m sku \
		-m amount:number in.csv >out &&
	keys out >k &&
	echo 3f224f869b318ea72a0b46c05cea8ccf >expect &&
	test_cmp expect k
'

check 'same instant in two forms' '
	printf "u,ts\nu1,2024-05-01T12:00:00+02:00\nu1,2024-05-01 10:00:00Z\n" >in.csv &&
	heap-map -q -o event -k u --event-name Visit -t ts in.csv >out &&
	keys out >k &&
	test "$(sort -u k | wc -l)" -eq 1
'

check 'timestamp without zone warns once' '
	printf "u,ts\nu1,2024-05-01 10:00:00\nu2,2024-05-01 11:00:00\n" >in.csv &&
	heap-map -o event -k u --event-name Visit -t ts -i u in.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Visit","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"u1","properties":{}}
	{"identity":"u2","event":"Visit","timestamp":"2024-05-01T11:00:00.000Z","idempotency_key":"u2","properties":{}}
	EOT
	test_cmp expect out &&
	cat >expect <<-\EOT &&
	heap-map: warning: in.csv:2:2: timestamp '\''2024-05-01 10:00:00'\'' in column '\''ts'\'' has no time zone; reading it and every such timestamp as UTC time (change the zone with --timezone)
	heap-map: read 2 rows, wrote 2 records, rejected 0
	EOT
	test_cmp expect err
'

check 'timezone option reads local times' '
	printf "u,ts\nu1,2024-05-01 10:00:00\nu2,2024-01-15 10:00:00\nu3,2024-05-01T10:00:00Z\n" >in.csv &&
	heap-map -o event -k u --event-name Visit -t ts -i u --timezone Europe/Paris in.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Visit","timestamp":"2024-05-01T08:00:00.000Z","idempotency_key":"u1","properties":{}}
	{"identity":"u2","event":"Visit","timestamp":"2024-01-15T09:00:00.000Z","idempotency_key":"u2","properties":{}}
	{"identity":"u3","event":"Visit","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"u3","properties":{}}
	EOT
	test_cmp expect out &&
	! grep "has no time zone" err &&
	heap-map -q -o event -k u --event-name Visit -t ts -i u --timezone=-05:00 in.csv >out &&
	head -n 1 out >first &&
	echo "{\"identity\":\"u1\",\"event\":\"Visit\",\"timestamp\":\"2024-05-01T15:00:00.000Z\",\"idempotency_key\":\"u1\",\"properties\":{}}" >expect &&
	test_cmp expect first
'

check 'bad timestamps reject the row' '
	printf "u,ts\nu1,yesterday\nu2,\nu3,\"\"\nu4,2024-02-30 10:00:00Z\n" >in.csv &&
	expect_code 1 heap-map -o event -k u --event-name Visit -t ts in.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: in.csv:2:2: timestamp '\''yesterday'\'' in column '\''ts'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds
	heap-map: in.csv:3:2: timestamp is empty (NULL)
	heap-map: in.csv:4:2: timestamp '\'''\'' in column '\''ts'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds
	heap-map: in.csv:5:2: timestamp '\''2024-02-30 10:00:00Z'\'' in column '\''ts'\'' is not a valid date and time; expected an ISO 8601 date and time, a date, or epoch seconds or milliseconds
	heap-map: read 4 rows, wrote 0 records, rejected 4 (3 timestamp is not a valid date and time, 1 timestamp is empty)
	EOT
	test_cmp expect err
'

check 'event name and insert id checks' '
	cat >in.csv <<-\EOT &&
	u,ev,ts,oid
	u1,,2024-05-01T10:00:00Z,o1
	u2,"  ",2024-05-01T10:00:00Z,o2
	u3,Visit,2024-05-01T10:00:00Z,
	u4,Visit,2024-05-01T10:00:00Z," "
	u5, Visit ,2024-05-01T10:00:00Z, o5 
	EOT
	expect_code 1 heap-map -o event -k u -e ev -t ts -i oid in.csv >out 2>err &&
	echo "{\"identity\":\"u5\",\"event\":\"Visit\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"o5\",\"properties\":{}}" >expect &&
	test_cmp expect out &&
	cat >expect <<-\EOT &&
	heap-map: in.csv:2:2: event name is empty (NULL)
	heap-map: in.csv:3:2: event name is empty
	heap-map: in.csv:4:4: insert id is empty (NULL)
	heap-map: in.csv:5:4: insert id is empty
	heap-map: read 5 rows, wrote 1 record, rejected 4 (2 event name is empty, 2 insert id is empty)
	EOT
	test_cmp expect err
'

check 'event identity limit' '
	printf "u,ts\n%s,2024-05-01T10:00:00Z\n" "$(printf "%0256d" 1)" >in.csv &&
	expect_code 1 heap-map -o event -k u --event-name Visit -t ts in.csv 2>err &&
	grep_or_show "^heap-map: in.csv:2:1: identity has 256 characters; Heap allows 255$" err
'

check 'timestamp column as a property' '
	printf "u,ts\nu1,2024-05-01 12:00:00+02\n" >in.csv &&
	heap-map -q -o event -k u --event-name Visit -t ts -i u -m ts:timestamp=at -m ts=raw in.csv >out &&
	echo "{\"identity\":\"u1\",\"event\":\"Visit\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"u1\",\"properties\":{\"at\":\"2024-05-01T10:00:00.000Z\",\"raw\":\"2024-05-01 12:00:00+02\"}}" >expect &&
	test_cmp expect out
'

done_testing
