#!/bin/sh
# heap-diff: the snapshot of the key table that a commit run writes and
# a diff run loads, and the cases where it must not be used.
. "${top_srcdir:-..}/tests/lib.sh"

# users N [PLAN]: N user records with distinct keys.
users() {
	awk -v n="$1" -v plan="${2:-pro}" 'BEGIN { for (i = 1; i <= n; i++)
		printf "{\"identity\":\"u%04d\",\"properties\":{\"n\":%d,\"plan\":\"%s\"}}\n", i, i, plan }'
}

# snapshot_keys STATE: the key count of STATE's snapshot, empty if none.
snapshot_keys() {
	sqlite3 "$1" "SELECT keys FROM snapshot"
}

# same_as_scan STATE INPUT: a diff of INPUT must pass the same records
# whether it loads STATE's snapshot or scans its records.
same_as_scan() {
	heap-diff -v -s "$1" <"$2" >with.out 2>with.err &&
	grep_or_show "from the snapshot of state" with.err &&
	sqlite3 "$1" ".backup scan.state" &&
	sqlite3 scan.state "DELETE FROM snapshot" &&
	heap-diff -v -s scan.state <"$2" >scan.out 2>scan.err &&
	grep_or_show "from the records of state" scan.err &&
	test_cmp scan.out with.out
}

users 3000 >all
head -n 2000 all >first
users 3000 free >changed

check 'commit writes a snapshot' '
	heap-diff -s s.state <first | heap-diff -v -s s.state --commit 2>err &&
	grep_or_show "wrote a snapshot of 2000 keys" err &&
	test "$(snapshot_keys s.state)" = 2000 &&
	test "$(sqlite3 s.state "SELECT length(entries) FROM snapshot")" = 48000
'

check 'diff loads the snapshot' '
	heap-diff -v -s s.state <all >out 2>err &&
	grep_or_show "loaded 2000 keys from the snapshot" err &&
	tail -n 1000 all >expect &&
	test_cmp expect out &&
	same_as_scan s.state changed
'

check 'second commit replaces the snapshot' '
	sed -n "1,10p" changed >batch &&
	heap-diff -s s.state <batch | heap-diff -v -s s.state --commit 2>err &&
	grep_or_show "loaded 2000 keys from the snapshot" err &&
	grep_or_show "wrote a snapshot of 2000 keys" err &&
	test "$(sqlite3 s.state "SELECT count(*) FROM snapshot")" = 1 &&
	same_as_scan s.state changed &&
	heap-diff -s s.state <first >out &&
	sed -n "1,10p" first >expect &&
	test_cmp expect out &&
	heap-diff -s s.state --commit <expect &&
	same_as_scan s.state all
'

check 'commit without records keeps it' '
	heap-diff -v -s s.state --commit </dev/null 2>err &&
	test "$(snapshot_keys s.state)" = 2000 &&
	! grep -q "snapshot" err
'

for edit in \
	"DELETE FROM records WHERE key = 'u0005'" \
	"UPDATE records SET hash = '00000000000000000000000000000000', line_hash = 0 WHERE key = 'u0005'" \
	"INSERT OR REPLACE INTO records VALUES ('u0005', '00000000000000000000000000000000', 0, '2026-01-01T00:00:00Z')"
do
	check "edit drops the snapshot: ${edit%% *}" '
		sqlite3 s.state ".backup e.state" &&
		test "$(snapshot_keys e.state)" = 2000 &&
		sqlite3 e.state "$edit" &&
		test -z "$(snapshot_keys e.state)" &&
		heap-diff -v -s e.state <all >out 2>err &&
		grep_or_show "from the records of state" err &&
		grep -q "\"u0005\"" out &&
		! grep -q "\"u0006\"" out
	'
done

# A commit run loads the keys at its first record.  Another commit
# that ends before this one does leaves it without that commit's
# records, so it must not write a snapshot.
check 'concurrent commit prevents the snapshot' '
	sed -n 2001,2010p all >mine &&
	sed -n 2011,2020p all >theirs &&
	mkfifo feed &&
	{ heap-diff -v -s s.state --commit <feed 2>mine.err & } &&
	exec 7>feed &&
	head -n 1 mine >&7 &&
	i=0 &&
	while ! grep -q "^heap-diff: loaded" mine.err; do
		i=$((i + 1))
		test "$i" -le 200 || exit 1
		sleep 0.1
	done &&
	heap-diff -s s.state --commit <theirs &&
	tail -n 9 mine >&7 &&
	exec 7>&- &&
	wait &&
	grep_or_show "changed during the run; no snapshot written" mine.err &&
	test -z "$(snapshot_keys s.state)" &&
	test "$(sqlite3 s.state "SELECT count(*) FROM records")" = 2020 &&
	heap-diff -s s.state <all >out &&
	tail -n 980 all >expect &&
	test_cmp expect out
'

check 'commit after a scan writes a snapshot' '
	head -n 1 all | heap-diff -v -s s.state --commit 2>err &&
	grep_or_show "loaded 2020 keys from the records" err &&
	grep_or_show "wrote a snapshot of 2020 keys" err &&
	same_as_scan s.state all
'

check 'schema version 1 is upgraded' '
	sqlite3 s.state ".backup v1.state" &&
	sqlite3 v1.state "DROP TRIGGER records_insert; DROP TRIGGER records_update;
		DROP TRIGGER records_delete; DROP TABLE snapshot; PRAGMA user_version = 1" &&
	heap-diff -v -s v1.state <all >out 2>err &&
	grep_or_show "upgraded state .v1.state. to schema version 2" err &&
	test "$(sqlite3 v1.state "PRAGMA user_version")" = 2 &&
	tail -n 980 all >expect &&
	test_cmp expect out &&
	sqlite3 v1.state "SELECT count(*) FROM sqlite_master WHERE type = \"trigger\"" >triggers &&
	echo 3 >expect &&
	test_cmp expect triggers
'

check 'last record of a key wins' '
	printf "%s\n" "{\"identity\":\"k2\",\"properties\":{\"n\":1}}" \
		"{\"identity\":\"k1\",\"properties\":{\"n\":1}}" \
		"{\"identity\":\"k1\",\"properties\":{\"n\":2}}" \
		"{\"identity\":\"k0\",\"properties\":{\"n\":1}}" >twice &&
	heap-diff -s w.state --commit <twice &&
	sed -n 3p twice >last &&
	heap-diff -s w.state <last >out &&
	test ! -s out &&
	sed -n 2p twice >first &&
	heap-diff -s w.state <first >out &&
	test_cmp first out &&
	sed 2d twice >distinct &&
	same_as_scan w.state distinct &&
	same_as_scan w.state first
'

check 'damaged snapshot is an error' '
	sqlite3 s.state ".backup d.state" &&
	sqlite3 d.state "UPDATE snapshot SET keys = keys + 1" &&
	expect_code 3 heap-diff -s d.state <all >out 2>err &&
	grep_or_show "snapshot contains 48480 bytes for 2021 keys" err
'

done_testing
