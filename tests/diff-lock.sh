#!/bin/sh
# heap-diff: one diff run per state file at a time.
. "${top_srcdir:-..}/tests/lib.sh"

user='{"identity":"u1","properties":{"plan":"pro"}}'

# wait_for PATTERN FILE: wait up to 20 s for PATTERN to appear in FILE.
wait_for() {
	i=0
	while ! grep -q -e "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 200 ] || { echo "'$1' not found in $2" >&2; return 1; }
		sleep 0.1
	done
}

mkfifo feed
# The holder reads from a FIFO that stays open, so it keeps the lock
# until the test closes the FIFO.  -v makes it say when it has loaded
# the state.
heap-diff -v -s s.state <feed >holder.out 2>holder.err &
holder=$!
exec 8>feed

check 'second run is refused while one runs' '
	wait_for "^heap-diff: loaded 0 keys" holder.err &&
	expect_code 3 heap-diff -s s.state <<-JSON >out 2>err &&
	$user
	JSON
	test ! -s out &&
	host=$(uname -n) &&
	grep_or_show "^heap-diff: state .s.state. is in use by pid $holder (heap-diff on $host, since [0-9-]*T[0-9:]*Z); wait for that run to finish$" err
'

check 'full resync is refused too' '
	expect_code 3 heap-diff -s s.state --full </dev/null 2>err &&
	grep_or_show "in use by pid $holder" err
'

check 'commit runs while a diff holds the lock' '
	echo "$user" | heap-diff -s s.state --commit 2>err &&
	grep_or_show "committed 1" err
'

# Let the holder finish; check bodies run in subshells, which cannot
# close the FIFO or wait for it.
echo "$user" >&8
exec 8>&-
wait $holder
holder_status=$?

# The holder loaded the state before that commit, so it still passes
# the record: the window the man page describes.
check 'holder works from its snapshot' '
	test "$holder_status" -eq 0 &&
	echo "$user" >expect &&
	test_cmp expect holder.out &&
	grep_or_show "new 1" holder.err
'

check 'lock is free after the holder exits' '
	echo "$user" | heap-diff -s s.state >out 2>err &&
	grep_or_show "unchanged 1" err
'

check 'lock held by a parent through HEAPSYNC_LOCK_FD' '
	(
		flock -n 9 &&
		echo "$user" | HEAPSYNC_LOCK_FD=9 heap-diff -s s.state 2>err &&
		grep_or_show "unchanged 1" err
	) 9>s.state.lock
'

check 'parent lock without HEAPSYNC_LOCK_FD is a conflict' '
	(
		flock -n 9 &&
		expect_code 3 heap-diff -s s.state </dev/null 2>err &&
		grep_or_show "state .s.state. is in use by another process, which left no holder line" err
	) 9>s.state.lock
'

check 'HEAPSYNC_LOCK_FD of another file does not skip the lock' '
	: >other &&
	(
		flock -n 9 &&
		expect_code 3 env HEAPSYNC_LOCK_FD=7 heap-diff -s s.state </dev/null 7<other 2>err &&
		grep_or_show "is in use by another process" err &&
		expect_code 3 env HEAPSYNC_LOCK_FD=99 heap-diff -s s.state </dev/null 2>err &&
		grep_or_show "is in use by another process" err
	) 9>s.state.lock
'

done_testing
