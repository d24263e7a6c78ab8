#!/bin/sh
# heap-diff: which records pass, counters, rejects and exit statuses.
. "${top_srcdir:-..}/tests/lib.sh"

cat >users1 <<'JSON'
{"identity":"u1","properties":{"plan":"pro","ltv":12.5}}
{"identity":"u2","properties":{"plan":"free","seats":3}}
{"identity":"u3","properties":{}}
JSON

check 'first run passes every record' '
	heap-diff -s s.state users1 >out 2>err &&
	test_cmp users1 out &&
	grep_or_show "read 3, new 3, changed 0, unchanged 0, duplicates 0, rejected 0" err
'

check 'uncommitted records pass again' '
	heap-diff -s s.state <users1 >out 2>err &&
	test_cmp users1 out
'

check 'commit records every line' '
	heap-diff -s s.state --commit <users1 >out 2>err &&
	test ! -s out &&
	grep_or_show "read 3, committed 3, rejected 0" err &&
	test "$(sqlite3 s.state "SELECT count(*) FROM records")" = 3
'

check 'committed records are unchanged' '
	heap-diff -s s.state <users1 >out 2>err &&
	test ! -s out &&
	grep_or_show "read 3, new 0, changed 0, unchanged 3" err
'

check 'new changed and unchanged' '
	cat >users2 <<-JSON &&
	{"identity":"u1","properties":{"plan":"pro","ltv":12.5}}
	{"identity":"u2","properties":{"plan":"pro","seats":3}}
	{"identity":"u4","properties":{"plan":"free"}}
	JSON
	sed -n "2,3p" users2 >expect &&
	heap-diff -s s.state --stats stats <users2 >out 2>err &&
	test_cmp expect out &&
	printf "read=3\nnew=1\nchanged=1\nunchanged=1\nduplicates=0\nrejected=0\npassed=2\n" >expect.stats &&
	test_cmp expect.stats stats
'

check 'key order and number spelling do not matter' '
	cat >same <<-JSON &&
	{"identity":"u1","properties":{"ltv":12.50,"plan":"pro"}}
	{"properties":{"seats":3.0,"plan":"free"},"identity":"u2"}
	{"identity":"u3","properties":{ }}
	JSON
	heap-diff -s s.state <same >out 2>err &&
	test ! -s out &&
	grep_or_show "unchanged 3" err &&
	printf "%s\n" "{\"identity\":\"u2\",\"properties\":{\"plan\":\"free\",\"seats\":3e0}}" |
		heap-diff -s s.state >out &&
	test ! -s out &&
	printf "%s\n" "{\"identity\":\"u2\",\"properties\":{\"plan\":\"free\",\"seats\":300e-2}}" |
		heap-diff -s s.state >out &&
	test ! -s out
'

check 'string differs from number' '
	printf "%s\n" "{\"identity\":\"u2\",\"properties\":{\"plan\":\"free\",\"seats\":\"3\"}}" >expect &&
	heap-diff -s s.state <expect >out 2>err &&
	test_cmp expect out &&
	grep_or_show "changed 1" err
'

check 'added or removed property is a change' '
	printf "%s\n" "{\"identity\":\"u3\",\"properties\":{\"x\":null}}" \
		"{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	heap-diff -s s.state <expect >out &&
	test_cmp expect out
'

check 'output is the input line byte for byte' '
	printf "%s\n" "{ \"identity\" : \"u9\", \"properties\":{\"b\":1.50, \"a\":\"\\u00e9\"} }" >expect &&
	heap-diff -s s.state <expect >out &&
	test_cmp expect out
'

check 'last line without newline passes' '
	printf "{\"identity\":\"u9\",\"properties\":{}}" | heap-diff -s s.state >out &&
	printf "{\"identity\":\"u9\",\"properties\":{}}\n" >expect &&
	test_cmp expect out
'

check 'duplicates pass once and exit 1' '
	cat >dups <<-JSON &&
	{"identity":"d1","properties":{"n":1}}
	{"identity":"d2","properties":{"n":1}}
	{"identity":"d1","properties":{"n":2}}
	{"identity":"d1","properties":{"n":1}}
	JSON
	sed -n "1,2p" dups >expect &&
	expect_code 1 heap-diff -s s.state -r rejects <dups >out 2>err &&
	test_cmp expect out &&
	grep_or_show "<stdin>:3: duplicate identity .d1." err &&
	grep_or_show "<stdin>:4: duplicate identity .d1." err &&
	grep_or_show "duplicates 2" err &&
	test "$(wc -l <rejects)" -eq 2 &&
	jq -r "[.program, .line, .file] | @tsv" rejects >fields &&
	printf "heap-diff\t3\t<stdin>\nheap-diff\t4\t<stdin>\n" >expect.fields &&
	test_cmp expect.fields fields &&
	jq -r .raw rejects >raw &&
	sed -n "3,4p" dups >expect.raw &&
	test_cmp expect.raw raw
'

check 'committed key repeated in input is a duplicate' '
	printf "%s\n" "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\",\"ltv\":12.5}}" \
		"{\"identity\":\"u1\",\"properties\":{\"plan\":\"x\"}}" >twice &&
	expect_code 1 heap-diff -s s.state <twice >out 2>err &&
	test ! -s out &&
	grep_or_show "unchanged 1, duplicates 1" err
'

check 'identical committed line twice is a duplicate' '
	head -n 1 users1 >one &&
	cat one one >twice &&
	expect_code 1 heap-diff -s s.state <twice >out 2>err &&
	test ! -s out &&
	grep_or_show "unchanged 1, duplicates 1" err
'

check 'key found in properties text is not trusted' '
	printf "%s\n" "{\"identity\":\"g2\",\"properties\":{\"n\":1}}" \
		"{\"properties\":{\"identity\":\"g2\"},\"identity\":\"g1\"}" >guess &&
	heap-diff -s s.state --commit <guess &&
	printf "%s\n" "{\"properties\":{\"identity\":\"g2\",\"n\":2},\"identity\":\"g1\"}" >expect &&
	heap-diff -s s.state <expect >out 2>err &&
	test_cmp expect out &&
	grep_or_show "changed 1" err
'

check 'malformed lines are rejected with line numbers' '
	cat >bad <<-JSON &&
	{"identity":"m1","properties":{}}
	not json

	{"identity":"m2","properties":"x"}
	{"identity":"","properties":{}}
	{"identity":7,"properties":{}}
	{"identity":"m3"}
	{"identity":"m4","properties":{"n":123456789012345678901234567890}}
	{"identity":"m5","properties":{"a":1,"a":2}}
	[1,2]
	{"nothing":1}
	{"identity":"m6","properties":{}}
	JSON
	sed -n "1p;12p" bad >expect &&
	expect_code 1 heap-diff -s s.state -r rejects2 --stats stats <bad >out 2>err &&
	test_cmp expect out &&
	for n in 2 4 5 6 7 8 9 10 11; do
		grep_or_show "^heap-diff: <stdin>:$n: " err || exit 1
	done &&
	grep_or_show "<stdin>:8: invalid JSON" err &&
	grep_or_show "rejected 9" err &&
	test "$(wc -l <rejects2)" -eq 9 &&
	grep_or_show "^read=11$" stats &&
	grep_or_show "^rejected=9$" stats &&
	grep_or_show "^passed=2$" stats
'

cat >events <<'JSON'
{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T10:00:00.000Z","idempotency_key":"o-1","properties":{"amount":30}}
{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T11:00:00.000Z","idempotency_key":"o-2","properties":{"amount":10}}
JSON

check 'events pass until committed' '
	heap-diff -s e.state <events >out &&
	test_cmp events out &&
	heap-diff -s e.state <events >out &&
	test_cmp events out &&
	head -n 1 events | heap-diff -s e.state --commit 2>err &&
	grep_or_show "committed 1" err &&
	heap-diff -s e.state <events >out 2>err &&
	sed -n 2p events >expect &&
	test_cmp expect out
'

check 'committed event never passes again' '
	heap-diff -s e.state --commit <events &&
	sed "s/\"amount\":30/\"amount\":99/" events >changed &&
	heap-diff -s e.state <changed >out 2>err &&
	test ! -s out &&
	grep_or_show "unchanged 2" err &&
	test "$(sqlite3 e.state "SELECT count(*) FROM records WHERE hash IS NULL")" = 2
'

check 'event without idempotency_key is malformed' '
	printf "%s\n" "{\"identity\":\"u1\",\"event\":\"View\",\"timestamp\":\"2024-05-01T10:00:00.000Z\",\"properties\":{}}" >noid &&
	expect_code 1 heap-diff -s e.state <noid >out 2>err &&
	test ! -s out &&
	grep_or_show "<stdin>:1: event has no idempotency_key" err
'

check 'full resync passes everything' '
	heap-diff -s s.state --full <users1 >out 2>err &&
	test_cmp users1 out &&
	grep_or_show "new 3" err &&
	heap-diff -s s.state --full --commit <users1 2>err &&
	heap-diff -s s.state <users1 >out &&
	test ! -s out
'

check 'full resync still drops duplicates' '
	expect_code 1 heap-diff -s s.state --full <dups >out 2>err &&
	sed -n "1,2p" dups >expect &&
	test_cmp expect out
'

check 'commit twice is harmless' '
	sqlite3 s.state "SELECT key, hash FROM records ORDER BY key" >before &&
	heap-diff -s s.state --commit <users1 2>err &&
	heap-diff -s s.state --commit <users1 2>err &&
	sqlite3 s.state "SELECT key, hash FROM records ORDER BY key" >after &&
	test_cmp before after &&
	sqlite3 s.state "PRAGMA integrity_check" >check &&
	echo ok >expect &&
	test_cmp expect check
'

check 'quiet mutes summary and warnings' '
	expect_code 1 heap-diff -q -s s.state <dups >out 2>err &&
	test ! -s err
'

check 'input file operand names messages' '
	expect_code 1 heap-diff -s s.state bad >out 2>err &&
	grep_or_show "^heap-diff: bad:2: invalid JSON" err
'

check 'usage errors exit 2' '
	expect_code 2 heap-diff <users1 2>err &&
	grep_or_show "missing --state" err &&
	expect_code 2 heap-diff -s s.state --type cat <users1 2>err &&
	grep_or_show "invalid --type .cat." err &&
	expect_code 2 heap-diff -s s.state --bogus 2>err &&
	expect_code 2 heap-diff -s s.state a b 2>err &&
	expect_code 3 heap-diff -s s.state missing-file 2>err &&
	grep_or_show "cannot open .missing-file." err
'

check 'help and version' '
	heap-diff --help >out &&
	grep_or_show "^Usage: heap-diff" out &&
	heap-diff --version >out &&
	grep_or_show "^heap-diff (heapsync) " out
'

done_testing
