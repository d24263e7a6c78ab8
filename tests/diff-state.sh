#!/bin/sh
# heap-diff: the state file's creation, schema, object type and the
# files it must refuse to use.
. "${top_srcdir:-..}/tests/lib.sh"

user='{"identity":"u1","properties":{"plan":"pro"}}'
account='{"account_id":"a1","properties":{"seats":4}}'

check 'state is created with mode 0600' '
	umask 022 &&
	echo "$user" | heap-diff -s s.state >out &&
	test "$(stat -c %a s.state)" = 600 &&
	test "$(stat -c %a s.state.lock)" = 600 &&
	echo "$user" | heap-diff -s s.state --commit &&
	for f in s.state*; do
		test "$(stat -c %a "$f")" = 600 || { ls -l s.state*; exit 1; }
	done
'

check 'schema matches the man page' '
	sqlite3 s.state ".schema" >schema &&
	grep_or_show "CREATE TABLE meta" schema &&
	grep_or_show "CREATE TABLE records" schema &&
	sqlite3 s.state "SELECT name FROM pragma_table_info(\"records\") ORDER BY cid" >cols &&
	printf "key\nhash\nline_hash\ncommitted_at\n" >expect &&
	test_cmp expect cols &&
	test "$(sqlite3 s.state "PRAGMA user_version")" = 1 &&
	test "$(sqlite3 s.state "PRAGMA journal_mode")" = wal &&
	test "$(sqlite3 s.state "SELECT value FROM meta WHERE name = \"object_type\"")" = user &&
	sqlite3 s.state "SELECT hash FROM records" | grep -qx "[0-9a-f]\{32\}" &&
	sqlite3 s.state "SELECT committed_at FROM records" |
		grep -qx "[0-9-]*T[0-9:]*Z"
'

check 'state of another type is an error' '
	expect_code 3 heap-diff -s s.state >out 2>err <<-JSON &&
	$account
	JSON
	test ! -s out &&
	grep_or_show "state .s.state. is for user records, but <stdin>:1 is an account record" err &&
	echo "$account" >acc &&
	expect_code 3 heap-diff -s s.state --commit <acc 2>err &&
	grep_or_show "is for user records" err &&
	test "$(sqlite3 s.state "SELECT count(*) FROM records")" = 1 &&
	expect_code 3 heap-diff -s s.state --type event <acc 2>err &&
	grep_or_show "is for user records, not event records" err
'

check 'first commit fixes the type' '
	echo "$account" | heap-diff -s a.state >out &&
	test "$(sqlite3 a.state "SELECT count(*) FROM meta WHERE name = \"object_type\"")" = 0 &&
	echo "$account" | heap-diff -s a.state --commit &&
	test "$(sqlite3 a.state "SELECT value FROM meta WHERE name = \"object_type\"")" = account &&
	expect_code 3 heap-diff -s a.state <<-JSON 2>err
	$user
	JSON
'

check 'type option rejects another stream' '
	heap-diff -s t.state </dev/null &&
	expect_code 3 heap-diff -s t.state --type account >out 2>err <<-JSON &&
	$user
	JSON
	test ! -s out &&
	grep_or_show "^heap-diff: --type is account, but <stdin>:1 is a user record" err
'

check 'type given at creation is recorded' '
	heap-diff -s e.state --type event </dev/null &&
	test "$(sqlite3 e.state "SELECT value FROM meta WHERE name = \"object_type\"")" = event &&
	expect_code 3 heap-diff -s e.state <<-JSON 2>err
	$user
	JSON
'

check 'garbage file is refused and kept' '
	head -c 4096 /dev/urandom >garbage.state &&
	cp garbage.state garbage.orig &&
	expect_code 3 heap-diff -s garbage.state <<-JSON >out 2>err &&
	$user
	JSON
	test ! -s out &&
	grep_or_show "state .garbage.state. is not a heapsync state file" err &&
	expect_code 3 heap-diff -s garbage.state --commit </dev/null 2>err &&
	cmp garbage.state garbage.orig
'

check 'text file is refused' '
	printf "users: u1 u2\n" >text.state &&
	expect_code 3 heap-diff -s text.state </dev/null 2>err &&
	grep_or_show "not a heapsync state file" err &&
	test "$(cat text.state)" = "users: u1 u2"
'

check 'other SQLite database is refused' '
	sqlite3 other.db "CREATE TABLE t (x); INSERT INTO t VALUES (1)" &&
	cp other.db other.orig &&
	expect_code 3 heap-diff -s other.db </dev/null 2>err &&
	grep_or_show "state .other.db. is an SQLite database but not a heapsync state" err &&
	expect_code 3 heap-diff -s other.db --commit </dev/null 2>err &&
	cmp other.db other.orig
'

check 'newer schema version is refused' '
	echo "$user" | heap-diff -s new.state --commit &&
	sqlite3 new.state "PRAGMA user_version = 2" &&
	expect_code 3 heap-diff -s new.state <<-JSON >out 2>err &&
	$user
	JSON
	test ! -s out &&
	grep_or_show "state .new.state. has schema version 2, newer than the version 1" err &&
	expect_code 3 heap-diff -s new.state --commit </dev/null 2>err &&
	test "$(sqlite3 new.state "PRAGMA user_version")" = 2
'

check 'empty file becomes a state' '
	: >empty.state &&
	echo "$user" | heap-diff -s empty.state --commit &&
	test "$(sqlite3 empty.state "SELECT key FROM records")" = u1
'

check 'unreadable state directory is an error' '
	expect_code 3 heap-diff -s no-such-dir/x.state </dev/null 2>err &&
	grep_or_show "no-such-dir/x.state" err
'

check 'diff does not write the records table' '
	sqlite3 s.state "SELECT * FROM records" >before &&
	printf "%s\n" "{\"identity\":\"u7\",\"properties\":{}}" | heap-diff -s s.state >out &&
	sqlite3 s.state "SELECT * FROM records" >after &&
	test_cmp before after
'

done_testing
