#!/bin/sh
# heap-map on inputs that are not what they should be: an unclosed
# quote, compressed or binary data, an empty input, old Mac line ends.
. "$top_srcdir/tests/lib.sh"

# rows N: a header and N user rows.
rows() {
	echo "id,plan,note"
	i=1
	while [ "$i" -le "$1" ]; do
		echo "u$i,pro,ok"
		i=$((i + 1))
	done
}

check 'stray quote is an input error' '
	{ echo "id,plan,note"; echo "u0,pro,\"6\" screen"; rows 999 | tail -n +2; } >stray.csv &&
	test "$(wc -l <stray.csv)" -eq 1001 &&
	expect_code 3 heap-map -o user -k id --stats stats stray.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: stray.csv:2: quoted field that opens on line 2 is not closed by the end of the input, 999 lines later; look for a stray quote in that row, or check whether the input was cut short$" err &&
	printf "read=0\nwritten=0\nrejected=0\n" >expect &&
	test_cmp expect stats
'

check 'open quote keeps earlier records' '
	{ rows 3; printf "u9,pro,\"cut"; } >cut.csv &&
	expect_code 3 heap-map -q -o user -k id cut.csv >out 2>err &&
	test "$(wc -l <out)" -eq 3 &&
	grep_or_show "^heap-map: cut.csv:5: quoted field that opens on line 5 is not closed by the end of the input; " err
'

check 'ndjson cut short is an input error' '
	printf "{\"id\":\"u1\"}\n{\"id\":\"u2\",\"plan\":\"pr" >cut.ndjson &&
	expect_code 3 heap-map -o user -k id cut.ndjson >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: cut.ndjson:2: invalid JSON: the input ends inside the object on its last line; check whether the input was cut short$" err
'

check 'gzip input names the decompressor' '
	rows 2 | gzip -c >users.csv.gz &&
	expect_code 3 heap-map -o user -k id users.csv.gz >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: users.csv.gz: input is compressed with gzip; decompress it first, e.g. '\''gzip -dc users.csv.gz | heap-map ...'\''" >expect &&
	test_cmp expect err
'

check 'gzip on stdin names FILE' '
	rows 2 | gzip -c | expect_code 3 heap-map -o user -k id >out 2>err &&
	grep_or_show "^heap-map: <stdin>: input is compressed with gzip; .*gzip -dc FILE | heap-map" err
'

check 'binary input is not UTF-16' '
	expect_code 3 heap-map -o user -k id "$top_builddir/src/heap-map" >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show ": input contains a NUL byte at line 1; it looks like binary data, not CSV, TSV or JSON$" err &&
	! grep -q UTF-16 err
'

check 'utf-16 without BOM names byte order' '
	rows 2 | iconv -f UTF-8 -t UTF-16LE >le.csv &&
	expect_code 3 heap-map -o user -k id le.csv >out 2>err &&
	grep_or_show "^heap-map: le.csv:1: input is UTF-16, .*'\''iconv -f UTF-16LE -t UTF-8'\''$" err &&
	iconv -f UTF-16LE -t UTF-8 le.csv | heap-map -q -o user -k id >out &&
	test "$(wc -l <out)" -eq 2
'

check 'tar input is binary' '
	rows 2 >users.csv &&
	tar -cf users.tar users.csv &&
	expect_code 3 heap-map -o user -k id users.tar >out 2>err &&
	grep_or_show "^heap-map: users.tar:1: input contains a NUL byte at line 1; " err
'

check 'empty input warns' '
	: >empty.csv &&
	heap-map -o user -k id --stats stats empty.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: warning: empty.csv: input is empty; no rows to map
	heap-map: read 0 rows, wrote 0 records, rejected 0
	EOT
	test_cmp expect err &&
	printf "read=0\nwritten=0\nrejected=0\n" >expect &&
	test_cmp expect stats
'

check 'empty input on stdin warns' '
	heap-map -o user -k id </dev/null >out 2>err &&
	grep_or_show "^heap-map: warning: <stdin>: input is empty; no rows to map$" err
'

check 'blank input warns' '
	printf "\n \r\n\t\n" >blank.ndjson &&
	heap-map -o user -k id blank.ndjson >out 2>err &&
	cat >expect <<-\EOT &&
	heap-map: warning: blank.ndjson: input contains only white space; no rows to map
	heap-map: read 0 rows, wrote 0 records, rejected 0
	EOT
	test_cmp expect err
'

check 'empty input with a format is an error' '
	expect_code 3 heap-map -f json -o user -k id </dev/null >out 2>err &&
	grep_or_show "^heap-map: <stdin>:1: missing JSON array: the input is empty$" err &&
	! grep -q warning err &&
	expect_code 3 heap-map -f csv -o user -k id </dev/null >out 2>err &&
	grep_or_show "^heap-map: <stdin>:1: missing header row: the input is empty$" err
'

check 'quiet mutes the empty warning' '
	heap-map -q -o user -k id </dev/null >out 2>err &&
	test_cmp /dev/null err
'

check 'header-only input does not warn' '
	echo "id,plan" >header.csv &&
	heap-map -o user -k id header.csv >out 2>err &&
	echo "heap-map: read 0 rows, wrote 0 records, rejected 0" >expect &&
	test_cmp expect err &&
	expect_code 2 heap-map -o user -k nope header.csv >out 2>err
'

check 'CR line ends count lines' '
	printf "id,plan,seats\r\r\nu1,pro,1\ru2,free\r" >cr.csv &&
	expect_code 1 heap-map -o user -k id cr.csv >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\",\"seats\":\"1\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: cr.csv:4: wrong number of fields: the row has 2 but the header has 3; check the delimiter (-d) or the quoting in this row$" err
'

check 'field counts share one reason' '
	printf "id,a,b\nu1\nu2,1\nu3,1,2,3\nu4,1,2\n" >count.csv &&
	expect_code 1 heap-map -o user -k id count.csv >out 2>err &&
	grep_or_show "^heap-map: read 4 rows, wrote 1 record, rejected 3 (3 wrong number of fields)$" err
'

# Only the CSV reader splits lines at a CR alone; TSV and NDJSON read
# such a file as one line, so they refuse it rather than lose the rows.
check 'cr line ends refused in tsv and ndjson' '
	printf "id\tplan\ru1\tpro\ru2\tx\r" >cr.tsv &&
	expect_code 3 heap-map -o user -k id cr.tsv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: cr.tsv:1: input has lines ended by CR alone (old Mac line ends), which the TSV reader cannot split; convert them first" err &&
	printf "{\"id\":\"u1\"}\r{\"id\":\"u2\"}\r" >cr.ndjson &&
	expect_code 3 heap-map -o user -k id cr.ndjson 2>err &&
	grep_or_show "which the NDJSON reader cannot split" err &&
	printf "id\tplan\r\nu1\tpro\r\n" >crlf.tsv &&
	heap-map -q -o user -k id crlf.tsv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out
'

done_testing
