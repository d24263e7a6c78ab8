#!/bin/sh
# heap-send: event pacing under scaled-down per-app and per-identity
# limits, against a server that enforces the same limits.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/server-lib.sh"

command -v heap-send >/dev/null || skip_all 'heap-send is not built'
command -v jq >/dev/null || skip_all 'jq is not installed'

# 300 events per 2 s per app, 60 per identity.
start_server --received received.ndjson --log requests.log \
	--event-limits --limit-per-app 300 --limit-per-identity 60 \
	--limit-window 2

send() {
	heap-send -a app1 --endpoint "$SERVER_URL" --no-progress \
		--retry-base-ms 20 --retry-max-ms 100 --limit-window 2 "$@"
}

reset() {
	: >received.ndjson &&
	: >requests.log &&
	control '{"reset_stats":true,"limits":{"per_app":300,"per_identity":60,"window":2}}'
}

check 'backfill paced without 429' '
	reset &&
	make_events 900 40 >in &&
	start=$(date +%s) &&
	send --events-per-minute 300 --events-per-identity-per-minute 60 \
		--stats stats <in >out &&
	end=$(date +%s) &&
	same_lines in out &&
	test "$(server_stat .limited)" = 0 &&
	test "$(server_stat ".items.track")" = 900 &&
	test $((end - start)) -ge 4 &&
	grep_or_show "^retried=0$" stats
'

check 'one busy identity paced' '
	reset &&
	make_events 150 1 >in &&
	send --events-per-minute 300 --events-per-identity-per-minute 60 \
		--stats stats <in >out &&
	same_lines in out &&
	test "$(server_stat .limited)" = 0 &&
	awk "\$3 == 200 && \$4 > 60 { bad = 1 } END { exit bad }" requests.log
'

check 'unpaced backfill hits limits' '
	reset &&
	make_events 900 40 >in &&
	expect_code 1 send --events-per-minute 0 --batch-size 100 \
		--events-per-identity-per-minute 0 --max-retries 0 \
		-r rejects <in >out 2>err &&
	test "$(server_stat .limited)" -gt 0 &&
	jq -e "select(.status == 429)" rejects >/dev/null
'

check 'properties not paced' '
	reset &&
	make_users 2000 >in &&
	send --events-per-minute 10 <in >out &&
	same_lines in out
'

done_testing
