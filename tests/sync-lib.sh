# Helpers for the heap-sync tests: the Heap test server and the items it
# received.  Source after tests/lib.sh and tests/db.sh, whose EXIT trap
# calls server_stop.

server_pid=
RECEIVED=$TEST_DIR/received.ndjson

# server_start: start scripts/heap-test-server on a free port of
# 127.0.0.1 and export HEAP_ENDPOINT and HEAP_APP_ID for heap-send.
server_start() {
	: >"$RECEIVED"
	rm -f "$TEST_DIR/server.port"
	"$top_srcdir/scripts/heap-test-server" --port 0 \
		--port-file "$TEST_DIR/server.port" --received "$RECEIVED" \
		--app-id test-app 2>"$TEST_DIR/server.log" &
	server_pid=$!
	tries=0
	until [ -s "$TEST_DIR/server.port" ]; do
		tries=$((tries + 1))
		if [ "$tries" -ge 100 ] || ! kill -0 "$server_pid" 2>/dev/null; then
			echo "heap-test-server did not start:" >&2
			cat "$TEST_DIR/server.log" >&2
			return 1
		fi
		sleep 0.1
	done
	HEAP_ENDPOINT=http://127.0.0.1:$(cat "$TEST_DIR/server.port")
	HEAP_APP_ID=test-app
	export HEAP_ENDPOINT HEAP_APP_ID
}

server_stop() {
	[ -n "$server_pid" ] || return 0
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}

# server_control JSON: POST JSON to the server's /_control, for example
# '{"rules":[{"status":503,"count":2}]}' to fail the next two requests.
server_control() {
	python3 - "$HEAP_ENDPOINT/_control" "$1" <<'EOF'
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=10).read()
EOF
}

# received_items ENDPOINT [FROM_LINE]: print the items the server accepted
# on ENDPOINT (track, users, accounts) from
# line FROM_LINE of its log on, one canonical JSON object a line, sorted.
received_items() {
	canonical "$RECEIVED" "$1" "${2:-1}"
}

# canonical FILE [ENDPOINT FROM_LINE]: print FILE's JSON lines with sorted
# keys, sorted, so that two sets of records compare field by field.  With
# ENDPOINT, FILE is the server's log and only that endpoint's items count.
# Integers keep every digit (jq 1.6 would round them), and a number
# spelled 30.0 equals 30, because the spelling of a number is not data.
canonical() {
	python3 - "$@" <<'EOF'
import json, sys

def number(text):
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value

path = sys.argv[1]
endpoint = sys.argv[2] if len(sys.argv) > 2 else None
start = int(sys.argv[3]) if len(sys.argv) > 3 else 1
out = []
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if n < start or not line.strip():
            continue
        value = json.loads(line, parse_float=number)
        if endpoint is not None:
            if value["endpoint"] != endpoint:
                continue
            value = value["item"]
        out.append(json.dumps(value, sort_keys=True, ensure_ascii=False))
for line in sorted(out):
    print(line)
EOF
}

# received_count: the number of items the server has accepted so far.
received_count() {
	wc -l <"$RECEIVED" | tr -d ' '
}

# wait_received COUNT: wait up to 30 s until the server has accepted
# COUNT items, so that a signal lands mid-run on a slow machine too.
wait_received() {
	wait_until "[ \"\$(received_count)\" -ge $1 ]" 30
}

# expect_received ENDPOINT EXPECTED_FILE [FROM_LINE]: compare what the
# server accepted with the expected Heap records, field by field.
expect_received() {
	canonical "$2" >expect.canon
	received_items "$1" "${3:-1}" >actual.canon
	test_cmp expect.canon actual.canon
}

# run_sync ARGS...: run heap-sync with its messages in the file err, and
# show them when it fails, so a failing check explains itself.
run_sync() {
	if heap-sync "$@" 2>err; then
		return 0
	else
		status=$?
		echo "heap-sync $* exited with status $status:" >&2
		cat err >&2
		return "$status"
	fi
}
