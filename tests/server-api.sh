#!/bin/sh
# heap-test-server: validation of Heap's bulk API bodies.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v curl >/dev/null || skip_all 'curl is not installed'
command -v jq >/dev/null || skip_all 'jq is not installed'

check 'server refuses non-loopback host' '
	expect_code 2 python3 "$top_srcdir/scripts/heap-test-server" \
		--host 0.0.0.0 2>err &&
	grep_or_show "only loopback" err
'

check 'server help lists fault rules' '
	python3 "$top_srcdir/scripts/heap-test-server" --help >out &&
	grep_or_show "retry_after" out &&
	grep_or_show "--event-limits" out
'

start_server --app-id app1 --received received.ndjson --log requests.log

check 'users accepted and recorded' '
	post /api/add_user_properties \
		"{\"app_id\":\"app1\",\"users\":[{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\",\"ltv\":12.5}},{\"identity\":7,\"properties\":{}}]}" >out &&
	test "$(head -n1 out)" = 200 &&
	grep_or_show "\"endpoint\":\"users\",\"item\":{\"identity\":\"u1\"" received.ndjson &&
	grep_or_show "{\"identity\":7," received.ndjson
'

check 'accounts accepted' '
	post /api/add_account_properties \
		"{\"app_id\":\"app1\",\"accounts\":[{\"account_id\":\"a1\",\"properties\":{\"seats\":40}}]}" >out &&
	test "$(head -n1 out)" = 200 &&
	grep_or_show "\"endpoint\":\"accounts\"" received.ndjson
'

check 'events accepted' '
	post /api/track \
		"{\"app_id\":\"app1\",\"events\":[{\"identity\":\"u1\",\"event\":\"Purchase\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"o-1\",\"properties\":{\"amount\":30}}]}" >out &&
	test "$(head -n1 out)" = 200 &&
	grep_or_show "\"idempotency_key\":\"o-1\"" received.ndjson
'

# Each row: path, body, text expected in the 400 response.
cat >bad-cases <<'CASES'
/api/add_user_properties	{"app_id":"app1","users":[]}	must hold 1 to 1000 items
/api/add_user_properties	{"app_id":"","users":[{"identity":"u","properties":{}}]}	app_id must be a non-empty string
/api/add_user_properties	{"app_id":"other","users":[{"identity":"u","properties":{}}]}	unknown app_id
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{}}],"x":1}	unknown key 'x'
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{}},{"identity":"","properties":{}}]}	users[1]: identity is empty
/api/add_user_properties	{"app_id":"app1","users":[{"identity":true,"properties":{}}]}	users[0]: identity must be a string or a number
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{"a":null}}]}	users[0]: property 'a' must be a string or a number, not null
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{"a":[1]}}]}	not list
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{"a":true}}]}	not bool
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":[]}]}	properties must be an object
/api/add_user_properties	{"app_id":"app1","users":[{"properties":{}}]}	identity is missing
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","extra":1}]}	unknown key 'extra'
/api/add_user_properties	{"app_id":"app1","users":[{"identity":"u","properties":{"a":NaN}}]}	invalid number NaN
/api/add_user_properties	{"app_id":"app1","users":[	Expecting
/api/add_account_properties	{"app_id":"app1","accounts":[{"identity":"u","properties":{}}]}	unknown key 'identity'
/api/add_account_properties	{"app_id":"app1","accounts":[{"properties":{}}]}	account_id is missing
/api/track	{"app_id":"app1","events":[{"identity":"u","properties":{}}]}	event must be a non-empty string
/api/track	{"app_id":"app1","events":[{"identity":"u","event":"e","timestamp":"yesterday"}]}	timestamp is not an ISO 8601
/api/track	{"app_id":"app1","events":[{"identity":"u","event":"e","idempotency_key":5}]}	idempotency_key must be a string
CASES

n=0
while IFS='	' read -r path body want; do
	n=$((n + 1))
	check "bad body $n answers 400" '
		post "$path" "$body" >out &&
		test "$(head -n1 out)" = 400 &&
		grep -F -e "$want" out
	'
done <bad-cases

check 'long identity and string rejected' '
	long=$(printf "%0256d" 0) &&
	post /api/add_user_properties "{\"app_id\":\"app1\",\"users\":[{\"identity\":\"$long\",\"properties\":{}}]}" >out &&
	grep_or_show "longer than 255" out &&
	ok=$(printf "%01023d" 0) &&
	post /api/add_user_properties "{\"app_id\":\"app1\",\"users\":[{\"identity\":\"u\",\"properties\":{\"s\":\"$ok\"}}]}" >out &&
	test "$(head -n1 out)" = 200 &&
	post /api/add_user_properties "{\"app_id\":\"app1\",\"users\":[{\"identity\":\"u\",\"properties\":{\"s\":\"${ok}0\"}}]}" >out &&
	grep_or_show "1024 characters or longer" out
'

check 'more than 1000 items rejected' '
	python3 -c "import json; print(json.dumps({\"app_id\":\"app1\",\"users\":[{\"identity\":str(i),\"properties\":{}} for i in range(1001)]}))" >big.json &&
	post /api/add_user_properties "$(cat big.json)" >out &&
	grep_or_show "not 1001" out
'

check 'wrong content type answers 400' '
	code=$(curl -sS -o out -w "%{http_code}" -H "Content-Type: text/plain" \
		--data-binary "{\"app_id\":\"app1\",\"users\":[{\"identity\":\"u\",\"properties\":{}}]}" \
		"$SERVER_URL/api/add_user_properties") &&
	test "$code" = 400 &&
	grep_or_show "application/json" out
'

check 'unknown path answers 404' '
	post /api/nothing "{}" >out &&
	test "$(head -n1 out)" = 404
'

check 'stats count statuses and items' '
	test "$(server_stat ".items.users")" = 3 &&
	test "$(server_stat ".items.track")" = 1 &&
	test "$(server_stat ".status[\"400\"]")" -ge 19
'

check 'log has one line per request' '
	grep_or_show "^POST /api/track 200 1 " requests.log &&
	grep_or_show "^POST /api/add_user_properties 400 0 " requests.log
'

check 'rejected requests record nothing' '
	test "$(wc -l <received.ndjson)" -eq 5
'

done_testing
