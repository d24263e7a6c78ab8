#!/bin/sh
# heap-map: empty and repeated names in a CSV or TSV header.
. "$top_srcdir/tests/lib.sh"

# A join that selects u.id and o.id, and an unnamed expression.
printf 'id,plan,id,\nu1,pro,o1,7\nu2,free,o2,8\n' >join.csv

check 'repeated key column is a usage error' '
	expect_code 2 heap-map -o user -k id -m plan join.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: join.csv: column '\''id'\'' is in the header more than once (columns 1 and 3); rename the columns in the query so that each has its own name" >expect &&
	test_cmp expect err
'

check 'repeated mapped column is a usage error' '
	printf "k,a,a,a\nu1,1,2,3\n" >three.csv &&
	expect_code 2 heap-map -o user -k k -m a three.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: three.csv: column '\''a'\'' is in the header more than once (columns 2, 3 and 4); rename" err
'

check 'repeated default column is a usage error' '
	printf "k,a,a,a\nu1,1,2,3\n" >three.csv &&
	expect_code 2 heap-map -o user -k k three.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: three.csv: column '\''a'\'' is in the header more than once (columns 2, 3 and 4); rename the columns in the query, leave them out with -x '\''a'\'', or choose the columns to send with -m" >expect &&
	test_cmp expect err
'

check 'repeated event and timestamp columns' '
	printf "u,ev,ts,ev\nu1,A,2024-05-01T10:00:00Z,B\n" >ev.csv &&
	expect_code 2 heap-map -o event -k u -e ev -t ts ev.csv 2>err &&
	grep_or_show "column '\''ev'\'' is in the header more than once (columns 2 and 4)" err &&
	printf "u,ts,ts\nu1,2024-05-01T10:00:00Z,x\n" >ts.csv &&
	expect_code 2 heap-map -o event -k u --event-name A -t ts ts.csv 2>err &&
	grep_or_show "column '\''ts'\'' is in the header more than once (columns 2 and 3)" err
'

check 'empty default column is a usage error' '
	printf "k,,a\nu1,1,2\n" >empty.csv &&
	expect_code 2 heap-map -o user -k k empty.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: empty.csv: column 2 has no name; name it in the query or choose columns with -m" >expect &&
	test_cmp expect err
'

check 'unused repeats pass with -m' '
	printf "k,id,plan,id,\nu1,a,pro,b,7\n" >more.csv &&
	heap-map -q -o user -k k -m plan more.csv >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err
'

check 'exclude leaves unnamed column sent' '
	expect_code 2 heap-map -o account -k plan -x id join.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: join.csv: column 4 has no name; name it in the query or choose columns with -m" >expect &&
	test_cmp expect err
'

check 'excluded repeat with default columns' '
	printf "k,a,a,b\nu1,1,2,3\n" >ab.csv &&
	heap-map -q -o user -k k -x a ab.csv >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"b\":\"3\"}}" >expect &&
	test_cmp expect out &&
	test_cmp /dev/null err
'

check 'repeats in a TSV header' '
	printf "k\ta\ta\tb\nu1\t1\t2\t3\n" >ab.tsv &&
	heap-map -q -o user -k k -m b ab.tsv >out &&
	echo "{\"identity\":\"u1\",\"properties\":{\"b\":\"3\"}}" >expect &&
	test_cmp expect out &&
	expect_code 2 heap-map -o user -k k -m a ab.tsv 2>err &&
	grep_or_show "(columns 2 and 3)" err
'

# sqlite3 -csv without -header, mysql -N and psql -t print no header, so
# the first row is read as one.
check 'headerless export gets a hint' '
	printf "u1,ann@example.com,2024-05-01\nu2,bob@example.com,2024-05-02\n" >nohead.csv &&
	expect_code 2 heap-map -o user -k user_id nohead.csv 2>err &&
	cat >expect <<-\EOT &&
	heap-map: nohead.csv: column '\''user_id'\'' not found in the header; the columns are: '\''u1'\'', '\''ann@example.com'\'', '\''2024-05-01'\''
	heap-map: nohead.csv: the first line looks like data, not a header; export with a header row (sqlite3 -header, mysql without -N, psql without -t)
	EOT
	test_cmp expect err &&
	printf "u3\t12\n" >nohead.tsv &&
	expect_code 2 heap-map -f tsv -o user -k user_id nohead.tsv 2>err &&
	grep_or_show "first line looks like data" err
'

check 'real header gets no data hint' '
	printf "id,plan\nu1,pro\n" >head.csv &&
	expect_code 2 heap-map -o user -k user_id head.csv 2>err &&
	! grep "looks like data" err
'

done_testing
