# Start scripts/heap-test-server for a shell test and stop it at exit.
# Source after tests/lib.sh:
#
#   . "$top_srcdir/tests/server-lib.sh"
#   start_server --received received.ndjson
#   curl ... "$SERVER_URL/api/track"
#
# start_server sets SERVER_PORT, SERVER_URL and SERVER_PID; the server
# listens on a free port of 127.0.0.1 chosen by the kernel.

SERVER_PID=
server_cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || :
		wait "$SERVER_PID" 2>/dev/null || :
	fi
	test_cleanup
}
trap server_cleanup EXIT

# start_server ARGS...: start a server in the current directory and wait
# until it listens.  Call it at most once per test file.
start_server() {
	rm -f "$TEST_DIR/.server-port"
	python3 "$top_srcdir/scripts/heap-test-server" --port 0 \
		--port-file "$TEST_DIR/.server-port" "$@" \
		2>"$TEST_DIR/.server-stderr" &
	SERVER_PID=$!
	tries=0
	while [ ! -s "$TEST_DIR/.server-port" ]; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
			echo "heap-test-server did not start:" >&2
			cat "$TEST_DIR/.server-stderr" >&2
			SERVER_PID=
			return 1
		fi
		sleep 0.1
	done
	SERVER_PORT=$(cat "$TEST_DIR/.server-port")
	SERVER_URL="http://127.0.0.1:$SERVER_PORT"
	export SERVER_PORT SERVER_URL
}

# control JSON: change the running server's faults or limits.
control() {
	curl -sS -f -d "$1" "$SERVER_URL/_control" >/dev/null
}

# server_stat EXPR: print one value of the server's counters, e.g.
# server_stat '.items.users' (missing values print 0).
server_stat() {
	curl -sS -f "$SERVER_URL/_control/stats" | jq -r "$1 // 0"
}

# post PATH BODY: POST JSON, print the status code then the body.
post() {
	curl -sS -o "$TEST_DIR/.post-body" -w '%{http_code}\n' \
		-H 'Content-Type: application/json' --data-binary "$2" \
		"$SERVER_URL$1"
	cat "$TEST_DIR/.post-body"
}

# make_users COUNT [FIRST]: print COUNT user records u<FIRST>... .
make_users() {
	awk -v n="$1" -v first="${2:-1}" 'BEGIN {
		for (i = first; i < first + n; i++)
			printf "{\"identity\":\"u%d\",\"properties\":{\"plan\":\"pro\",\"n\":%d}}\n", i, i
	}'
}

# make_events COUNT IDENTITIES: print COUNT events spread over IDENTITIES
# people, each with a unique idempotency key.
make_events() {
	awk -v n="$1" -v ids="$2" 'BEGIN {
		for (i = 1; i <= n; i++)
			printf "{\"identity\":\"p%d\",\"event\":\"Purchase\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"k%d\",\"properties\":{\"amount\":%d}}\n", i % ids, i, i
	}'
}

# received_items [ENDPOINT]: print the items the server accepted, as
# compact JSON, sorted.
received_items() {
	if [ -n "${1:-}" ]; then
		jq -c --arg e "$1" 'select(.endpoint == $e) | .item' received.ndjson
	else
		jq -c '.item' received.ndjson
	fi | sort
}

# same_lines EXPECTED ACTUAL: compare two files as sorted lines, since
# requests in flight together may finish in any order.
same_lines() {
	sort "$1" >"$1.sorted" &&
	sort "$2" >"$2.sorted" &&
	test_cmp "$1.sorted" "$2.sorted"
}
