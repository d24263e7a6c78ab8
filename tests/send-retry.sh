#!/bin/sh
# heap-send: retries, Retry-After, 413 splits, 400 bisection, failures.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v heap-send >/dev/null || skip_all 'heap-send is not built'
command -v jq >/dev/null || skip_all 'jq is not installed'

start_server --received received.ndjson --log requests.log

# Small backoff steps keep the retries quick.
send() {
	heap-send -a app1 --endpoint "$SERVER_URL" --no-progress \
		--retry-base-ms 20 --retry-max-ms 100 "$@"
}

reset() {
	: >received.ndjson &&
	: >requests.log &&
	rm -f rejects stats &&
	control "{\"reset_stats\":true,\"rules\":$1,\"reject_property\":null,\"max_body\":null}"
}

# elapsed COMMAND...: run COMMAND and print its wall time in seconds
# to the file "elapsed".
elapsed() {
	start=$(date +%s.%N)
	set +e
	"$@"
	code=$?
	set -e
	awk -v a="$start" -v b="$(date +%s.%N)" "BEGIN { print b - a }" >elapsed
	return $code
}

check '5xx retried until accepted' '
	reset "[{\"status\":503,\"count\":2},{\"status\":500,\"count\":1}]" &&
	make_users 10 >in &&
	send --stats stats <in >out &&
	test_cmp in out &&
	grep_or_show "^retried=3$" stats &&
	grep_or_show "^requests=4$" stats &&
	test "$(received_items | wc -l)" -eq 10
'

check '429 waits Retry-After seconds' '
	reset "[{\"status\":429,\"retry_after\":\"1\"}]" &&
	make_users 5 >in &&
	elapsed send <in >out &&
	test_cmp in out &&
	awk "{ exit !(\$1 >= 1.0) }" elapsed &&
	test "$(server_stat ".status[\"429\"]")" = 1
'

check '429 waits Retry-After date' '
	when=$(date -u -d "+3 seconds" "+%a, %d %b %Y %H:%M:%S GMT") &&
	reset "[{\"status\":429,\"retry_after\":\"$when\"}]" &&
	make_users 5 >in &&
	elapsed send <in >out &&
	test_cmp in out &&
	awk "{ exit !(\$1 >= 1.5) }" elapsed
'

check 'dropped connection retried' '
	reset "[{\"drop\":true,\"count\":2}]" &&
	make_users 5 >in &&
	send --stats stats <in >out &&
	test_cmp in out &&
	grep_or_show "^retried=2$" stats &&
	test "$(server_stat .dropped)" = 2
'

check 'timeout retried' '
	reset "[{\"delay\":1.5,\"count\":1}]" &&
	make_users 5 >in &&
	send --timeout 0.5 --stats stats <in >out 2>err &&
	test_cmp in out &&
	grep_or_show "^retried=1$" stats &&
	received_items | sort -u | wc -l >count &&
	test "$(cat count)" -eq 5 &&
	# The server still applies the timed-out request after its delay,
	# as Heap may.  Retrying is safe because property updates can repeat
	# and events carry an idempotency_key.  The wait keeps the late
	# request out of the next test.
	wait_until "test \$(wc -l <received.ndjson) -eq 10" 10
'

check '413 splits the batch' '
	reset "[]" &&
	control "{\"max_body\":700}" &&
	make_users 20 >in &&
	send --stats stats <in >out &&
	same_lines in out &&
	grep_or_show "^POST /api/add_user_properties 413 0 " requests.log &&
	awk "\$3 == 200 && \$6 > 700 { bad = 1 } END { exit bad }" requests.log &&
	grep_or_show "^failed=0$" stats
'

check '413 on one record fails it' '
	reset "[]" &&
	control "{\"max_body\":100}" &&
	{ make_users 1; printf "{\"identity\":\"big\",\"properties\":{\"s\":\"%0200d\"}}\n" 0; } >in &&
	expect_code 1 send -r rejects <in >out 2>err &&
	test "$(wc -l <out)" -eq 1 &&
	test "$(jq -r .status rejects)" = 413 &&
	test "$(jq -r .line rejects)" = 2
'

check '400 bisected to bad records' '
	reset "[]" &&
	control "{\"reject_property\":\"bad=1\"}" &&
	awk "BEGIN { for (i = 1; i <= 100; i++)
		printf \"{\\\"identity\\\":\\\"u%d\\\",\\\"properties\\\":{\\\"bad\\\":%d}}\\n\", i, (i == 17 || i == 64 || i == 65) }" >in &&
	expect_code 1 send -r rejects --stats stats <in >out 2>err &&
	grep -v "\"bad\":1" in >expect &&
	same_lines expect out &&
	received_items >got &&
	jq -c . expect | sort >expect.c &&
	test_cmp expect.c got &&
	jq -r .line rejects | sort -n | tr "\n" " " >lines &&
	test "$(cat lines)" = "17 64 65 " &&
	test "$(jq -r .status rejects | sort -u)" = 400 &&
	jq -e "select(.reason | test(\"property .bad. has the rejected value\"))" rejects >/dev/null &&
	grep_or_show "^rejected=3$" stats &&
	grep_or_show "^delivered=97$" stats
'

check '400 on the first records still bisected' '
	reset "[]" &&
	control "{\"reject_property\":\"bad=1\"}" &&
	awk "BEGIN { for (i = 1; i <= 100; i++)
		printf \"{\\\"identity\\\":\\\"u%d\\\",\\\"properties\\\":{\\\"bad\\\":%d}}\\n\", i, (i == 1 || i == 3) }" >in &&
	expect_code 1 send -j 1 -r rejects --stats stats <in >out 2>err &&
	grep_or_show "^rejected=2$" stats &&
	grep_or_show "^delivered=98$" stats &&
	jq -r .line rejects | sort -n | tr "\n" " " >lines &&
	test "$(cat lines)" = "1 3 "
'

# The message of every single-record 400 starts with "users[0]: ", so two
# bad first records get the same message, and that must not stop the run.
check 'two bad first records bisected' '
	printf "%s\n" "{\"identity\":\"e1\",\"properties\":{\"plan\":\"bad\"}}" \
		"{\"identity\":\"e2\",\"properties\":{\"plan\":\"bad\"}}" \
		"{\"identity\":\"e3\",\"properties\":{\"plan\":\"ok\"}}" >in.ndjson &&
	tail -n 1 in.ndjson >expect &&
	for jobs in 1 4; do
		reset "[]" &&
		control "{\"reject_property\":\"plan=bad\"}" &&
		expect_code 1 send -j "$jobs" -r rejects --stats stats in.ndjson >out 2>err &&
		test_cmp expect out &&
		received_items >got &&
		jq -c . expect >expect.c &&
		test_cmp expect.c got &&
		grep_or_show "^delivered=1$" stats &&
		grep_or_show "^rejected=2$" stats &&
		grep_or_show "^failed=0$" stats &&
		test "$(jq -r .line rejects | sort -n | tr "\n" " ")" = "1 2 " &&
		test "$(jq -r .reason rejects | sort -u)" = "users[0]: property '"'"'plan'"'"' has the rejected value '"'"'bad'"'"'" &&
		grep_or_show "^heap-send: in.ndjson:1: rejected by Heap: users\[0\]: " err &&
		grep_or_show "^heap-send: in.ndjson:2: rejected by Heap: users\[0\]: " err &&
		! grep "stopping" err ||
		exit 1
	done
'

# bad_users COUNT EVERY: print COUNT users; each EVERY-th has bad=1.
bad_users() {
	awk -v n="$1" -v every="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"identity\":\"u%d\",\"properties\":{\"bad\":%d}}\n", i, i % every == 0
	}'
}

check '400 reasons shown on stderr' '
	reset "[]" &&
	control "{\"reject_property\":\"bad=1\"}" &&
	bad_users 40 20 >in &&
	expect_code 1 send <in >out 2>err &&
	grep_or_show "^heap-send: <stdin>:20: rejected by Heap: users\[0\]: property .bad. has the rejected value .1.$" err &&
	grep_or_show "^heap-send: <stdin>:40: rejected by Heap: " err &&
	test "$(grep -c "rejected by Heap" err)" -eq 2 &&
	! grep "more rejections" err
'

check 'rejections past 10 counted' '
	reset "[]" &&
	control "{\"reject_property\":\"bad=1\"}" &&
	bad_users 39 3 >in &&
	expect_code 1 send -j 1 <in >out 2>err &&
	test "$(grep -c "rejected by Heap" err)" -eq 10 &&
	grep_or_show "^heap-send: \.\.\. and 3 more rejections; use -r FILE to keep them$" err &&
	expect_code 1 send -j 1 -r rejects <in >out 2>err &&
	grep_or_show "^heap-send: \.\.\. and 3 more rejections; see the rejects file$" err &&
	test "$(wc -l <rejects)" -eq 13
'

check 'rejects name the record file' '
	reset "[]" &&
	control "{\"reject_property\":\"bad=1\"}" &&
	bad_users 3 2 >a &&
	bad_users 3 5 >b &&
	expect_code 1 send -r rejects a b >out 2>err &&
	grep_or_show "^heap-send: a:2: rejected by Heap: " err &&
	test "$(jq -r ".file + \":\" + (.line | tostring)" rejects)" = a:2
'

check 'retries give up after max' '
	reset "[{\"status\":500,\"count\":0}]" &&
	make_users 3 >in &&
	expect_code 4 send --max-retries 2 -r rejects --stats stats <in >out 2>err &&
	test ! -s out &&
	grep_or_show "^requests=3$" stats &&
	grep_or_show "^failed=3$" stats &&
	test "$(wc -l <rejects)" -eq 3 &&
	jq -e "select(.reason | test(\"not delivered after 3 attempts: HTTP 500\"))" rejects >/dev/null &&
	grep_or_show "not delivered after 3 attempts" err
'

check 'one attempt in singular' '
	reset "[{\"status\":500,\"count\":0}]" &&
	make_users 1 >in &&
	expect_code 4 send --max-retries 0 <in >out 2>err &&
	grep_or_show ": 1 record: not delivered after 1 attempt: HTTP 500" err
'

check 'partial failure exits 1' '
	reset "[{\"status\":500,\"count\":0,\"endpoint\":\"accounts\"}]" &&
	{ make_users 3; echo "{\"account_id\":\"a1\",\"properties\":{}}"; } >in &&
	expect_code 1 send --max-retries 1 -r rejects <in >out 2>err &&
	test "$(wc -l <out)" -eq 3 &&
	test "$(jq -r .status rejects)" = 500
'

check 'unreachable endpoint exits 4' '
	rm -f rejects &&
	port=$(free_port) &&
	make_users 3 >in &&
	expect_code 4 heap-send -a app1 --endpoint "http://127.0.0.1:$port" \
		--retry-base-ms 10 --retry-max-ms 20 --max-retries 2 \
		-r rejects <in >out 2>err &&
	test ! -s out &&
	test "$(wc -l <rejects)" -eq 3 &&
	grep_or_show "not delivered after 3 attempts" err
'

check '404 is not retried' '
	reset "[{\"status\":404,\"count\":0}]" &&
	make_users 2 >in &&
	expect_code 4 send -r rejects --stats stats <in >out 2>err &&
	grep_or_show "^requests=1$" stats &&
	grep_or_show "^retried=0$" stats
'

check '429 on properties recovers' '
	reset "[{\"status\":429,\"count\":3}]" &&
	make_users 50 >in &&
	send -j 4 --batch-size 5 -v --stats stats <in >out 2>err &&
	same_lines in out &&
	grep_or_show "^retried=3$" stats
'

done_testing
