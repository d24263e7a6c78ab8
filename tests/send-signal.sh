#!/bin/sh
# heap-send: SIGTERM, SIGINT and SIGHUP mid-run print every accepted
# record and exit 5, so a rerun with the rest sends each record exactly once.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v heap-send >/dev/null || skip_all 'heap-send is not built'
command -v jq >/dev/null || skip_all 'jq is not installed'

start_server --received received.ndjson --log requests.log

# Call heap-send directly, not through a function, so that $! is its
# process id and the signal reaches it.
common="-a app1 --no-progress --retry-base-ms 20 --retry-max-ms 100"

# count_status CODE: print how many responses had HTTP status CODE.
count_status() {
	server_stat ".status[\"$1\"]"
}

reset() {
	: >received.ndjson &&
	: >requests.log &&
	control "{\"reset_stats\":true,\"rules\":$1}"
}

# Background jobs start a new line: "a && b &" would put the whole list
# in a subshell, and $! would not be heap-send.
#
# Every request takes 0.3 s, so 40 requests of 10 take about 3 s with
# -j 4 and the signal lands mid-run.
check 'SIGTERM prints accepted records' '
	reset "[{\"delay\":0.3,\"count\":0}]" &&
	make_users 400 >in
	heap-send $common --endpoint "$SERVER_URL" -j 4 --batch-size 10 \
		--stats stats <in >out 2>err &
	pid=$! &&
	wait_until "test -s out" &&
	kill -TERM $pid &&
	expect_code 5 wait $pid &&
	test -s out &&
	test "$(wc -l <out)" -lt 400 &&
	received_items >got &&
	jq -c . out | sort >printed &&
	test_cmp got printed &&
	grep_or_show "^delivered=$(wc -l <out)$" stats
'

check 'rerun sends exactly the rest' '
	control "{\"rules\":[]}" &&
	grep -v -x -F -f out in >rest &&
	test "$(($(wc -l <rest) + $(wc -l <out)))" -eq 400 &&
	heap-send $common --endpoint "$SERVER_URL" <rest >out2 &&
	same_lines rest out2 &&
	jq -c . in | sort >expect &&
	received_items >got &&
	test_cmp expect got
'

# A closing terminal or ssh session sends SIGHUP to the whole pipeline.
check 'SIGHUP prints accepted records' '
	reset "[{\"delay\":0.3,\"count\":0}]" &&
	make_users 400 | sed "s/\"u/\"h/" >hup.in
	heap-send $common --endpoint "$SERVER_URL" -j 4 --batch-size 10 \
		<hup.in >hup.out 2>hup.err &
	pid=$! &&
	wait_until "test -s hup.out" &&
	kill -HUP $pid &&
	expect_code 5 wait $pid &&
	test "$(wc -l <hup.out)" -lt 400 &&
	received_items >got &&
	jq -c . hup.out | sort >printed &&
	test_cmp got printed
'

check 'SIGINT while retrying exits 5' '
	reset "[{\"status\":503,\"count\":0}]" &&
	make_users 20 >in
	heap-send $common --endpoint "$SERVER_URL" --retry-base-ms 200 \
		--retry-max-ms 400 --max-retries 50 <in >out 2>err &
	pid=$! &&
	wait_until "test \$(count_status 503) -ge 2" &&
	kill -INT $pid &&
	expect_code 5 wait $pid &&
	test ! -s out
'

# The rule names the accounts endpoint, so that a late request of the
# previous case cannot use it up.
check 'grace limits the wait' '
	reset "[{\"delay\":5,\"count\":1,\"endpoint\":\"accounts\"}]" &&
	echo "{\"account_id\":\"a1\",\"properties\":{}}" >in
	heap-send $common --endpoint "$SERVER_URL" --grace 0.5 <in >out 2>err &
	pid=$! &&
	wait_until "test \$(server_stat .started) -ge 1" &&
	start=$(date +%s) &&
	kill -TERM $pid &&
	expect_code 5 wait $pid &&
	end=$(date +%s) &&
	test $((end - start)) -le 2 &&
	test ! -s out &&
	grep_or_show "gave up on 1 request in flight" err
'

check 'SIGTERM stops reading a pipe' '
	reset "[]" &&
	mkfifo fifo
	heap-send $common --endpoint "$SERVER_URL" --linger 50 <fifo >out 2>err &
	pid=$!
	(make_users 5 && exec sleep 30) >fifo &
	writer=$!
	wait_until "test \$(wc -l <out) -eq 5" &&
	kill -TERM $pid &&
	expect_code 5 wait $pid &&
	kill $writer &&
	test "$(wc -l <out)" -eq 5
'

done_testing
