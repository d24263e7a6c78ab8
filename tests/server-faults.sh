#!/bin/sh
# heap-test-server: fault rules, the control endpoint and event limits.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v curl >/dev/null || skip_all 'curl is not installed'
command -v jq >/dev/null || skip_all 'jq is not installed'

user='{"app_id":"a","users":[{"identity":"u1","properties":{"bad":1}}]}'
good='{"app_id":"a","users":[{"identity":"u1","properties":{"ok":1}}]}'

start_server --fault '{"status":503,"count":2}' --reject-property bad=1 \
	--max-body 200 --received received.ndjson

check 'command-line rule answers twice' '
	test "$(post /api/add_user_properties "$good" | head -n1)" = 503 &&
	test "$(post /api/add_user_properties "$good" | head -n1)" = 503 &&
	test "$(post /api/add_user_properties "$good" | head -n1)" = 200
'

check 'reject-property names the item' '
	post /api/add_user_properties "$user" >out &&
	test "$(head -n1 out)" = 400 &&
	grep_or_show "users\[0\]: property .bad. has the rejected value .1." out
'

check 'reject-property matches a string' '
	post /api/add_user_properties "{\"app_id\":\"a\",\"users\":[{\"identity\":\"u\",\"properties\":{\"bad\":\"1\"}}]}" >out &&
	test "$(head -n1 out)" = 400
'

check 'control clears reject-property' '
	control "{\"reject_property\":null}" &&
	test "$(post /api/add_user_properties "$user" | head -n1)" = 200
'

check 'max-body answers 413' '
	big=$(printf "%0300d" 0) &&
	post /api/add_user_properties "{\"app_id\":\"a\",\"users\":[{\"identity\":\"u\",\"properties\":{\"s\":\"$big\"}}]}" >out &&
	test "$(head -n1 out)" = 413
'

check '429 carries Retry-After seconds' '
	control "{\"rules\":[{\"status\":429,\"retry_after\":\"3\"}]}" &&
	curl -sS -D headers -o /dev/null -H "Content-Type: application/json" \
		--data-binary "$good" "$SERVER_URL/api/add_user_properties" &&
	grep_or_show "^HTTP/1.1 429" headers &&
	grep_or_show "^Retry-After: 3" headers
'

check '429 carries Retry-After date' '
	control "{\"rules\":[{\"status\":429,\"retry_after\":\"Wed, 21 Oct 2015 07:28:00 GMT\"}]}" &&
	curl -sS -D headers -o /dev/null -H "Content-Type: application/json" \
		--data-binary "$good" "$SERVER_URL/api/add_user_properties" &&
	grep_or_show "^Retry-After: Wed, 21 Oct 2015 07:28:00 GMT" headers
'

check 'drop closes without answer' '
	control "{\"rules\":[{\"drop\":true}]}" &&
	expect_code 52 curl -sS -o /dev/null -H "Content-Type: application/json" \
		--data-binary "$good" "$SERVER_URL/api/add_user_properties" &&
	test "$(server_stat .dropped)" = 1
'

check 'delay holds the answer' '
	control "{\"rules\":[{\"delay\":0.6}]}" &&
	t=$(curl -sS -o /dev/null -w "%{time_total}" -H "Content-Type: application/json" \
		--data-binary "$good" "$SERVER_URL/api/add_user_properties") &&
	awk -v t="$t" "BEGIN { exit !(t >= 0.6) }"
'

check 'every-third rule repeats' '
	control "{\"rules\":[{\"every\":3,\"status\":500}]}" &&
	for i in 1 2 3 4 5 6; do
		post /api/add_user_properties "$good" | head -n1
	done >codes &&
	printf "200\n200\n500\n200\n200\n500\n" >expect &&
	test_cmp expect codes
'

check 'endpoint filter spares others' '
	control "{\"rules\":[{\"status\":500,\"count\":0,\"endpoint\":\"track\"}]}" &&
	test "$(post /api/add_user_properties "$good" | head -n1)" = 200 &&
	test "$(post /api/track "{\"app_id\":\"a\",\"events\":[{\"identity\":\"u\",\"event\":\"e\"}]}" | head -n1)" = 500 &&
	test "$(post /api/track "{\"app_id\":\"a\",\"events\":[{\"identity\":\"u\",\"event\":\"e\"}]}" | head -n1)" = 500 &&
	control "{\"rules\":[]}"
'

check 'invalid control request answers 400' '
	code=$(curl -sS -o out -w "%{http_code}" -d "{\"rules\":[{\"count\":1}]}" "$SERVER_URL/_control") &&
	test "$code" = 400 &&
	grep_or_show "needs status, drop or delay" out
'

check 'event limits answer 429' '
	control "{\"reset_stats\":true,\"limits\":{\"per_app\":5,\"per_identity\":3,\"window\":2}}" &&
	ev() { printf "{\"app_id\":\"a\",\"events\":[%s]}" "$1"; } &&
	e1="{\"identity\":\"u1\",\"event\":\"e\"}" &&
	e2="{\"identity\":\"u2\",\"event\":\"e\"}" &&
	test "$(post /api/track "$(ev "$e1,$e1,$e1")" | head -n1)" = 200 &&
	post /api/track "$(ev "$e1")" >out &&
	test "$(head -n1 out)" = 429 &&
	test "$(post /api/track "$(ev "$e2,$e2")" | head -n1)" = 200 &&
	test "$(post /api/track "$(ev "$e2")" | head -n1)" = 429 &&
	test "$(server_stat .limited)" = 2 &&
	sleep 2.1 &&
	test "$(post /api/track "$(ev "$e1,$e1,$e1")" | head -n1)" = 200
'

check 'stats reset zeroes counters' '
	control "{\"reset_stats\":true,\"limits\":null}" &&
	test "$(server_stat .requests)" = 0
'

check 'port file written atomically' '
	python3 "$top_srcdir/scripts/heap-test-server" --port 0 --port-file p2 &
	pid=$! &&
	i=0 && while [ ! -s p2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done &&
	kill $pid &&
	grep -qx "[0-9][0-9]*" p2 &&
	test ! -e p2.tmp$pid
'

done_testing
