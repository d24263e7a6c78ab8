#!/bin/sh
# heap-send: batching, endpoints, output, input checks and exit codes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v heap-send >/dev/null || skip_all 'heap-send is not built'
command -v jq >/dev/null || skip_all 'jq is not installed'

start_server --app-id app1 --received received.ndjson --log requests.log

send() {
	heap-send -a app1 --endpoint "$SERVER_URL" --no-progress "$@"
}

# reset: forget what earlier cases sent.
reset() {
	: >received.ndjson &&
	: >requests.log &&
	rm -f rejects stats &&
	control '{"reset_stats":true,"rules":[]}'
}

check 'users batched by 1000' '
	reset &&
	make_users 2500 >in &&
	send <in >out &&
	same_lines in out &&
	awk "{ print \$4 }" requests.log | sort -n >sizes &&
	printf "500\n1000\n1000\n" >expect &&
	test_cmp expect sizes &&
	jq -c . in | sort >expect &&
	received_items users >got &&
	test_cmp expect got
'

check 'batch-size caps items' '
	reset &&
	make_users 25 >in &&
	send --batch-size 10 <in >out &&
	test "$(wc -l <requests.log)" -eq 3 &&
	test "$(wc -l <out)" -eq 25
'

check 'byte cap splits requests' '
	reset &&
	make_users 40 >in &&
	send --max-request-bytes 400 <in >out &&
	same_lines in out &&
	awk "\$6 > 400 { bad = 1 } END { exit bad }" requests.log &&
	test "$(wc -l <requests.log)" -ge 5
'

check 'record over byte cap rejected' '
	reset &&
	{ make_users 3; printf "{\"identity\":\"big\",\"properties\":{\"s\":\"%0500d\"}}\n" 0; } >in &&
	expect_code 1 send --max-request-bytes 300 -r rejects <in >out 2>err &&
	test "$(wc -l <out)" -eq 3 &&
	grep_or_show "<stdin>:4: record too large" err &&
	test "$(jq -r .line rejects)" = 4 &&
	jq -e ".reason | test(\"max-request-bytes\")" rejects
'

check 'each endpoint gets its type' '
	reset &&
	{
		make_users 3
		printf "%s\n" "{\"account_id\":\"a1\",\"properties\":{\"seats\":40}}"
		make_events 4 2
		printf "%s\n" "{\"account_id\":7,\"properties\":{}}"
	} >in &&
	send <in >out &&
	same_lines in out &&
	test "$(received_items users | wc -l)" -eq 3 &&
	test "$(received_items accounts | wc -l)" -eq 2 &&
	test "$(received_items track | wc -l)" -eq 4 &&
	grep_or_show "^POST /api/add_account_properties 200 2 " requests.log &&
	grep_or_show "^POST /api/track 200 4 " requests.log
'

check 'output keeps input bytes' '
	reset &&
	printf "%s\n" "{ \"identity\" : \"u1\", \"properties\" : {\"x\":1.50} }" >in &&
	send <in >out &&
	test_cmp in out
'

check 'invalid lines rejected with line' '
	reset &&
	{
		make_users 2
		echo "not json"
		echo "{\"identity\":\"\",\"properties\":{}}"
		echo "{\"identity\":\"u9\",\"properties\":{\"a\":null}}"
		echo "{\"properties\":{}}"
		echo "[1]"
		echo "{\"identity\":\"u9\",\"event\":\"E\",\"timestamp\":\"May 1\"}"
		echo "{\"identity\":\"u9\",\"color\":\"red\"}"
		make_users 1 3
	} >in &&
	expect_code 1 send -r rejects --stats stats <in >out 2>err &&
	test "$(wc -l <out)" -eq 3 &&
	jq -r .line rejects | tr "\n" " " >lines &&
	test "$(cat lines)" = "3 4 5 6 7 8 9 " &&
	grep_or_show "<stdin>:3: invalid record: invalid JSON" err &&
	grep_or_show "<stdin>:5: invalid record: property .a. must be a string or a number" err &&
	grep_or_show "<stdin>:8: invalid record: timestamp is not an ISO 8601" err &&
	grep_or_show "<stdin>:9: invalid record: unknown key .color." err &&
	grep_or_show "^read=10$" stats &&
	grep_or_show "^delivered=3$" stats &&
	grep_or_show "^rejected=7$" stats &&
	test "$(server_stat ".status[\"400\"]")" = 0
'

check 'blank lines skipped' '
	reset &&
	{ make_users 1; echo; echo "  "; make_users 1 2; } >in &&
	send --stats stats <in >out &&
	test "$(wc -l <out)" -eq 2 &&
	grep_or_show "^read=2$" stats
'

check 'files read in order' '
	reset &&
	make_users 2 >a && make_users 2 10 >b &&
	send a - b <a >out &&
	cat a a b >expect &&
	test_cmp expect out
'

check 'linger sends partial batch' '
	reset &&
	{ make_users 1; sleep 2.5; cp received.ndjson early; make_users 1 2; } |
		send --linger 100 >out &&
	test "$(wc -l <early)" -eq 1 &&
	test "$(wc -l <out)" -eq 2
'

check 'dry run sends nothing' '
	reset &&
	make_users 3 >in &&
	send --dry-run <in >out 2>err &&
	test ! -s out &&
	test "$(server_stat .requests)" = 0 &&
	grep_or_show "^POST $SERVER_URL/api/add_user_properties$" err &&
	grep -x "{\"app_id\":\"app1\",\"users\":\[.*\]}" err >body &&
	jq -c ".users[]" body >items &&
	test_cmp in items
'

check 'dry run output file' '
	reset &&
	make_users 3 >in &&
	send --dry-run --dry-run-output req.txt <in >out &&
	test ! -s out &&
	test "$(wc -l <req.txt)" -eq 2 &&
	test "$(server_stat .requests)" = 0
'

check 'app id from environment' '
	reset &&
	make_users 1 >in &&
	HEAP_APP_ID=app1 HEAP_ENDPOINT="$SERVER_URL" heap-send -q <in >out &&
	test_cmp in out
'

check 'stats and summary agree' '
	reset &&
	make_users 5 >in &&
	send --stats stats <in >out 2>err &&
	printf "read=5\ndelivered=5\nrejected=0\nfailed=0\nrequests=1\nretried=0\n" >expect &&
	test_cmp expect stats &&
	grep_or_show "read 5, delivered 5, rejected 0, failed 0; 1 request, 0 retried" err
'

check 'count words agree in number' '
	reset &&
	make_users 3 >in &&
	send --batch-size 2 -v <in >out 2>err &&
	grep_or_show "; 2 requests, 0 retried; " err &&
	grep_or_show "/api/add_user_properties: HTTP 200, 1 record, " err &&
	grep_or_show "/api/add_user_properties: HTTP 200, 2 records, " err &&
	reset &&
	make_users 1 >in &&
	send -v <in >out 2>err &&
	grep_or_show "; 1 request, 0 retried; " err
'

check 'quiet drops summary' '
	reset &&
	make_users 1 | send -q >out 2>err &&
	test ! -s err
'

check 'verbose logs each request' '
	reset &&
	make_users 3 | send -v >out 2>err &&
	grep_or_show "/api/add_user_properties: HTTP 200, 3 records" err
'

# The stop needs 8 single-record 400s.  One job at a time splits 1000
# records depth first: 24 requests, then the 992 records never sent fail
# as "not sent", against about 2000 requests to split every record out.
check 'wrong app id stops with exit 4' '
	reset &&
	make_users 1000 >in &&
	expect_code 4 heap-send -a wrong-app --endpoint "$SERVER_URL" --no-progress \
		-j 1 -r rejects --stats stats <in >out 2>err &&
	test ! -s out &&
	grep_or_show "Heap rejected the first 8 records one by one and nothing was delivered (HTTP 400: unknown app_id .<app id>.); stopping: check the app id and the records$" err &&
	test "$(grep -c ": not delivered: unknown app_id .<app id>.$" err)" -eq 8 &&
	! grep "rejected by Heap" err &&
	grep_or_show "^failed=1000$" stats &&
	grep_or_show "^rejected=0$" stats &&
	grep_or_show "^requests=24$" stats &&
	test "$(jq -r .line rejects | sort -u | wc -l)" -eq 1000 &&
	test "$(jq -r .status rejects | sort -u)" = 400 &&
	jq -r .reason rejects | sort | uniq -c | sed "s/^ *//" >reasons &&
	printf "%s\n" "992 not sent: Heap rejected every request so far (HTTP 400: unknown app_id '"'"'<app id>'"'"')" \
		"8 unknown app_id '"'"'<app id>'"'"'" >expect &&
	test_cmp expect reasons
'

# With 4 requests in flight the split explores several branches at once.
# The request count and the records in flight at the stop depend on the
# order of the responses (37 to 58 requests seen in 75 runs).
check 'wrong app id stops with 4 jobs' '
	reset &&
	expect_code 4 heap-send -a wrong-app --endpoint "$SERVER_URL" --no-progress \
		-j 4 -r rejects --stats stats <in >out 2>err &&
	test ! -s out &&
	test "$(grep -c ": not delivered: unknown app_id .<app id>.$" err)" -eq 8 &&
	grep_or_show "^failed=1000$" stats &&
	test "$(jq -r .line rejects | sort -u | wc -l)" -eq 1000 &&
	jq -r .reason rejects | sort -u >reasons &&
	! grep -v -e "^not sent: Heap rejected every request so far (HTTP 400: unknown app_id .<app id>.)$" \
		-e "^unknown app_id .<app id>.$" reasons &&
	requests=$(sed -n "s/^requests=//p" stats) &&
	test "$requests" -lt 1000
'

check 'wrong app id with batches of one' '
	reset &&
	make_users 30 >in &&
	expect_code 4 heap-send -a wrong --endpoint "$SERVER_URL" --no-progress \
		--batch-size 1 -j 1 --stats stats <in >out 2>err &&
	grep_or_show "^failed=30$" stats &&
	grep_or_show "^requests=8$" stats
'

check 'app id is not printed' '
	reset &&
	make_users 3 | heap-send -v -a secret-app-77 --endpoint "$SERVER_URL" >out 2>err || :
	! grep -q secret-app-77 err
'

check 'user agent names heapsync' '
	reset &&
	make_users 1 | send --trace >out 2>err &&
	grep_or_show "User-Agent: heapsync/" err
'

check 'exit 2 on usage errors' '
	expect_code 2 heap-send --endpoint "$SERVER_URL" </dev/null 2>err &&
	grep_or_show "no app id" err &&
	expect_code 2 send --jobs 0 </dev/null 2>err &&
	grep_or_show "invalid --jobs" err &&
	expect_code 2 send --region mars </dev/null 2>err &&
	expect_code 2 send --endpoint ftp://x </dev/null 2>err &&
	expect_code 2 send --no-such-option </dev/null 2>err &&
	grep_or_show "Try .heap-send --help." err
'

check 'invalid option gives one message' '
	expect_code 2 send --no-such-option </dev/null 2>err &&
	printf "%s\n" "heap-send: invalid option '"'"'--no-such-option'"'"'" \
		"Try '"'"'heap-send --help'"'"' for more information." >expect &&
	test_cmp expect err &&
	expect_code 2 send -x </dev/null 2>err &&
	test "$(wc -l <err)" -eq 2 &&
	grep_or_show "^heap-send: invalid option .-x.$" err &&
	expect_code 2 send -j </dev/null 2>err &&
	test "$(wc -l <err)" -eq 2 &&
	grep_or_show "^heap-send: option .-j. requires an argument$" err &&
	expect_code 2 send --quiet=1 </dev/null 2>err &&
	grep_or_show "^heap-send: option .--quiet. does not take an argument$" err
'

check 'exit 3 on missing input' '
	expect_code 3 send no-such-file >out 2>err &&
	grep_or_show "cannot open .no-such-file." err
'

check 'exit 3 on unreadable input' '
	expect_code 3 send . >out 2>err &&
	grep_or_show "cannot read .\.." err
'

check 'help and version' '
	heap-send --help >out &&
	grep_or_show "^Usage: heap-send" out &&
	heap-send --version >out &&
	grep_or_show "^heap-send (heapsync) " out
'

check 'short help and version' '
	heap-send -h >out 2>err &&
	heap-send --help >expect &&
	test_cmp expect out &&
	test ! -s err &&
	heap-send -V >out 2>err &&
	heap-send --version >expect &&
	test_cmp expect out &&
	test ! -s err
'

done_testing
