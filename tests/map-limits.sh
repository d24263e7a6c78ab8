#!/bin/sh
# heap-map: --max-rejects, --unbuffered and the summary of rejects.
. "$top_srcdir/tests/lib.sh"

# 100 rows; the first 12 have no identity and are rejected.
python3 -c '
print("id,plan")
for i in range(1, 101):
    print("%s,pro" % ("" if i <= 12 else "u%d" % i))
' >users.csv

check 'rejects within a count' '
	expect_code 1 heap-map -q -o user -k id --max-rejects 12 users.csv >out 2>err &&
	test "$(wc -l <out)" -eq 88 &&
	! grep max-rejects err
'

check 'rejects within a percentage' '
	expect_code 1 heap-map -q -o user -k id --max-rejects 12% users.csv >out 2>err &&
	test "$(wc -l <out)" -eq 88 &&
	! grep max-rejects err
'

check 'percentage exceeded fails' '
	expect_code 3 heap-map -q -o user -k id --max-rejects 5% --stats stats users.csv >out 2>err &&
	test "$(wc -l <out)" -eq 88 &&
	echo "heap-map: 12 of 100 rows rejected (12%), more than --max-rejects 5%" >expect &&
	tail -n 1 err >last &&
	test_cmp expect last &&
	grep_or_show "^read=100$" stats &&
	grep_or_show "^rejected=12$" stats
'

check 'fractional percentage' '
	expect_code 3 heap-map -q -o user -k id --max-rejects 11.5% users.csv >out 2>err &&
	grep_or_show "more than --max-rejects 11.5%$" err
'

check 'count exceeded stops reading' '
	expect_code 3 heap-map -q -o user -k id --max-rejects 5 --stats stats users.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: 6 of 6 rows rejected (100%), more than --max-rejects 5; stopped reading at line 7" >expect &&
	tail -n 1 err >last &&
	test_cmp expect last &&
	grep_or_show "^read=6$" stats
'

check 'count exceeded keeps earlier records' '
	printf "id\nu1\nu2\n\"\"\n\"\"\nu5\n" >few.csv &&
	expect_code 3 heap-map -q -o user -k id --max-rejects 1 few.csv >out 2>err &&
	printf "{\"identity\":\"u1\",\"properties\":{}}\n{\"identity\":\"u2\",\"properties\":{}}\n" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: 2 of 4 rows rejected (50%), more than --max-rejects 1; stopped reading at line 5$" err
'

check 'zero allows no rejects' '
	expect_code 3 heap-map -q -o user -k id --max-rejects 0% users.csv >out 2>err &&
	grep_or_show "12 of 100 rows rejected" err &&
	printf "id\nu1\n" >good.csv &&
	heap-map -q -o user -k id --max-rejects 0 good.csv >out 2>err &&
	test_cmp /dev/null err
'

check 'limit is off by default' '
	expect_code 1 heap-map -q -o user -k id users.csv >out 2>err &&
	test "$(wc -l <out)" -eq 88
'

check 'invalid limits are usage errors' '
	for arg in "" 5x -1 % 101% -3% abc% 1e3; do
		expect_code 2 heap-map -o user -k id --max-rejects "$arg" users.csv >out 2>err &&
		test_cmp /dev/null out &&
		grep_or_show "^heap-map: invalid --max-rejects '\''$arg'\''" err || return 1
	done
'

# Feed heap-map one row at a time through a pipe that stays open and
# print "live" when the row's record comes out before the input ends,
# "held" when it does not within WAIT seconds.
feed_slowly() {
	python3 - "$@" <<-\PY
	import select, subprocess, sys
	wait = float(sys.argv[1])
	p = subprocess.Popen(["heap-map", "-q", "-o", "user", "-k", "id"] + sys.argv[2:],
	    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
	p.stdin.write(b"id,plan\nu1,pro\n")
	p.stdin.flush()
	ready, _, _ = select.select([p.stdout], [], [], wait)
	print("live" if ready else "held")
	if ready:
	    sys.stdout.write(p.stdout.readline().decode())
	p.stdin.write(b"u2,free\n")
	p.stdin.close()
	rest = p.stdout.read().decode()
	sys.stdout.write(rest)
	sys.exit(p.wait())
	PY
}

check 'unbuffered writes each record' '
	feed_slowly 30 --unbuffered >out &&
	cat >expect <<-\EOT &&
	live
	{"identity":"u1","properties":{"plan":"pro"}}
	{"identity":"u2","properties":{"plan":"free"}}
	EOT
	test_cmp expect out
'

check 'unbuffered output matches buffered' '
	for run in "id users.csv" "user_id users.ndjson" "user_id orders.csv"; do
		set -- $run &&
		heap-map -q -o user -k $1 "$top_srcdir/tests/data/map/$2" >expect 2>/dev/null
		heap-map -q -o user -k $1 --unbuffered "$top_srcdir/tests/data/map/$2" >out 2>/dev/null
		test -s out &&
		test_cmp expect out || return 1
	done &&
	printf "[{\"id\":\"u1\"},\n{\"id\":\"u2\",\"n\":3}]\n" >list.json &&
	heap-map -q -o user -k id list.json >expect &&
	heap-map -q -o user -k id --unbuffered <list.json >out &&
	test_cmp expect out &&
	test "$(wc -l <out)" -eq 2
'

check 'output is block-buffered by default' '
	feed_slowly 0.5 >out &&
	cat >expect <<-\EOT &&
	held
	{"identity":"u1","properties":{"plan":"pro"}}
	{"identity":"u2","properties":{"plan":"free"}}
	EOT
	test_cmp expect out
'

check 'summary counts rejects by reason' '
	printf "id,n\nu1,1\n,2\n\"\",3\n\"\",4\nu5,abc\n\"\",6\nu7,x:y\n" >mixed.csv &&
	expect_code 1 heap-map -o user -k id -m n:number mixed.csv >out 2>err &&
	echo "heap-map: read 7 rows, wrote 1 record, rejected 6 (4 identity is empty, 2 value is not a number)" >expect &&
	tail -n 1 err >last &&
	test_cmp expect last
'

check 'summary has no reasons without rejects' '
	printf "id\nu1\n" >good.csv &&
	heap-map -o user -k id good.csv >out 2>err &&
	echo "heap-map: read 1 row, wrote 1 record, rejected 0" >expect &&
	test_cmp expect err
'

check 'summary groups past eight reasons' '
	python3 -c "
ok = [\"u\", \"1\", \"true\", \"2024-05-01T10:00:00Z\", \"{}\", \"x\"]
def row(col, value):
    r = list(ok)
    r[\"id n b t j l\".split().index(col)] = value
    return \",\".join(r)
rows = [\"id,n,b,t,j,l\"]
rows += [row(\"id\", \"\\\"\\\"\")] * 3
rows += [row(\"n\", \"abc\"), row(\"n\", \"x:y\")]
rows += [row(\"id\", \"\"), row(\"id\", \"x\" * 300), row(\"b\", \"maybe\"),
    row(\"t\", \"yesterday\"), row(\"j\", \"{bad\"), row(\"l\", \"y\" * 2000),
    row(\"n\", \"1\" * 30), \"u,1,2\", row(\"l\", \"caf\\xe9\")]
open(\"classes.csv\", \"wb\").write((\"\\n\".join(rows) + \"\\n\").encode(\"latin-1\"))
" &&
	expect_code 1 heap-map -o user -k id -m n:number -m b:bool -m t:timestamp \
	    -m j:json -m l --long-values reject --big-numbers reject classes.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: read 14 rows, wrote 0 records, rejected 14 (4 identity is empty, 2 value is not a number, 1 identity has N characters, 1 value is not a boolean, 1 timestamp is not a valid date and time, 1 value is not valid JSON, 1 value has N characters, 1 number does not fit a double without losing digits, 2 other reasons)" >expect &&
	tail -n 1 err >last &&
	test_cmp expect last &&
	test "$(grep -c "^heap-map: read" err)" -eq 1
'

done_testing
