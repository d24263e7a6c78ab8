#!/bin/sh
# The README's first command: scripts/demo on the shipped sample data,
# run on the built programs (its --no-build mode) against the test server.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/sync-lib.sh"

command -v heap-map >/dev/null || skip_all "heap-map is not built"
command -v sqlite3 >/dev/null || skip_all "sqlite3 is not installed"

data=$top_srcdir/scripts/demo-data
demo=$TEST_DIR/demo
RECEIVED=$demo/received.ndjson

# rows FILE: the number of data rows of a CSV file without quoted newlines.
rows() {
	echo $(($(wc -l <"$1") - 1))
}

check 'demo runs to the end' '
	env -u HEAP_APP_ID -u HEAP_ENDPOINT sh "$top_srcdir/scripts/demo" --no-build --dir "$demo" >out 2>err ||
		{ cat out err; exit 1; } &&
	grep_or_show "Second sync: only the changes are sent" out &&
	test ! -s "$demo/users.rejects" &&
	test ! -s "$demo/events.rejects"
'

check 'first sync sends every row' '
	first=$(($(rows "$data/users.csv") + $(rows "$data/accounts.csv") + $(rows "$data/events.csv"))) &&
	head -n "$first" "$RECEIVED" >first.ndjson &&
	test "$(grep -c "\"users\"" first.ndjson)" -eq "$(rows "$data/users.csv")" &&
	test "$(grep -c "\"accounts\"" first.ndjson)" -eq "$(rows "$data/accounts.csv")" &&
	test "$(grep -c "\"track\"" first.ndjson)" -eq "$(rows "$data/events.csv")"
'

check 'sample records arrive as mapped' '
	received_items users | grep -F "\"identity\": \"u-1007\"" >u1007 &&
	grep_or_show "\"name\": \"Goran \\\\\"Gogo\\\\\" Petrov\"" u1007 &&
	grep_or_show "\"projects\": 2" u1007 &&
	grep_or_show "\"signed_up_at\": \"2024-01-15T07:45:00.000Z\"" u1007 &&
	received_items accounts | grep -F "\"account_id\": \"acc-102\"" | head -n 1 >acc &&
	grep_or_show "\"monthly_revenue\": 1490.5" acc &&
	received_items track | grep -F "\"idempotency_key\": \"ev-5007\"" >ev &&
	grep_or_show "\"amount\": 250.5" ev &&
	grep_or_show "\"timestamp\": \"2024-05-01T08:05:09.000Z\"" ev
'

check 'second sync sends only the changes' '
	first=$(($(rows "$data/users.csv") + $(rows "$data/accounts.csv") + $(rows "$data/events.csv"))) &&
	tail -n "+$((first + 1))" "$RECEIVED" |
		python3 -c "
import json, sys
for line in sys.stdin:
    item = json.loads(line)[\"item\"]
    print(item.get(\"idempotency_key\") or item.get(\"account_id\") or item[\"identity\"])
" | sort >changed &&
	printf "%s\n" acc-102 ev-5011 ev-5012 u-1002 u-1008 >expect &&
	test_cmp expect changed
'

check 'third sync reports nothing to send' '
	grep -c "unchanged 10, duplicates 0, sent 0," err >count &&
	echo 1 >expect &&
	test_cmp expect count &&
	grep_or_show "events.conf: read 12,.* unchanged 12, duplicates 0, sent 0," err
'

# The README quotes the demo's output and shows heap-map on the demo's
# database: both must stay true.
check 'readme summary line matches demo' '
	line=$(sed -n "s/^    \(heap-sync: users.conf: .*\)/\1/p" "$top_srcdir/README.md") &&
	test -n "$line" &&
	if ! grep -F -x -q "$line" err; then
		echo "the demo did not print the README line: $line"
		exit 1
	fi
'

check 'readme heap-map example runs' '
	command=$(sed -n "s/^    \(sqlite3 -csv -header demo.db .*| heap-map .*\)/\1/p" "$top_srcdir/README.md") &&
	test -n "$command" &&
	(cd "$demo" && eval "$command") >out &&
	test "$(wc -l <out)" -eq 3 &&
	grep_or_show "^{\"identity\":\"u-1001\",\"properties\":{\"email\":\"ada@northwind.example\"" out
'

done_testing
