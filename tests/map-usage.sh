#!/bin/sh
# heap-map: command line, usage errors and the man page.
. "$top_srcdir/tests/lib.sh"

printf 'id,email,plan\nu1,a@example.com,pro\n' >users.csv

check 'help goes to stdout' '
	heap-map --help >out 2>err &&
	grep_or_show "^Usage: heap-map -o user|account -k COLUMN" out &&
	test_cmp /dev/null err
'

check 'version names the project' '
	heap-map --version >out &&
	grep_or_show "^heap-map (heapsync) [0-9]" out &&
	heap-map -V >short &&
	test_cmp out short
'

check 'short help option' '
	heap-map --help >out &&
	heap-map -h >short &&
	test_cmp out short
'

check 'object is required' '
	expect_code 2 heap-map -k id users.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: missing -o user|account|event
	Try '\''heap-map --help'\'' for more information.
	EOT
	test_cmp expect err
'

check 'key is required' '
	expect_code 2 heap-map -o account users.csv 2>err &&
	grep_or_show "^heap-map: missing -k COLUMN: the column holding the account_id$" err
'

check 'invalid object is named' '
	expect_code 2 heap-map -o group -k id users.csv 2>err &&
	grep_or_show "^heap-map: invalid value '\''group'\'' for --object; use user, account or event$" err
'

check 'invalid option values' '
	for opt in --from=xml --nulls=drop --long-values=cut --big-numbers=round --arrays=csv; do
		expect_code 2 heap-map -o user -k id $opt users.csv 2>err &&
		grep_or_show "invalid value" err || exit 1
	done
'

check 'delimiter must be one character' '
	expect_code 2 heap-map -o user -k id -d ";;" users.csv 2>err &&
	grep_or_show "^heap-map: invalid delimiter '\'';;'\''; give one character$" err
'

check 'tab delimiter points to tsv' '
	expect_code 2 heap-map -o user -k id -d "\\t" users.csv 2>err &&
	grep_or_show "^heap-map: invalid delimiter .\\\\t.; for tab-separated input use -f tsv$" err
'

check 'delimiter only for csv' '
	expect_code 2 heap-map -o user -k id -f tsv -d , users.csv 2>err &&
	grep_or_show "^heap-map: -d applies only to CSV input; TSV is always tab-separated$" err &&
	expect_code 2 heap-map -o user -k id -f ndjson -d , users.csv 2>err &&
	grep_or_show "^heap-map: -d applies only to CSV input; JSON has no delimiter$" err
'

check 'events need a timestamp' '
	expect_code 2 heap-map -o event -k id --event-name Signup users.csv 2>err &&
	grep_or_show "^heap-map: events need -t COLUMN: Heap requires the time of each event$" err
'

check 'events need one event source' '
	expect_code 2 heap-map -o event -k id -t ts users.csv 2>err &&
	grep_or_show "events need exactly one of -e COLUMN and --event-name NAME" err &&
	expect_code 2 heap-map -o event -k id -t ts -e ev --event-name X users.csv 2>err &&
	grep_or_show "events need exactly one of -e COLUMN and --event-name NAME" err
'

check 'event name must be UTF-8' '
	expect_code 2 heap-map -o event -k id --event-name "$(printf "caf\351")" -t plan users.csv 2>err &&
	grep_or_show "^heap-map: --event-name is not valid UTF-8$" err &&
	expect_code 2 heap-map -o event -k id --event-name "" -t plan users.csv 2>err &&
	grep_or_show "^heap-map: --event-name must not be empty$" err
'

check 'event options only for events' '
	expect_code 2 heap-map -o user -k id -t ts users.csv 2>err &&
	grep_or_show "^heap-map: -e, --event-name, -t and -i apply only to -o event$" err
'

check 'unknown column lists the header' '
	expect_code 2 heap-map -o user -k id -m emial users.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: users.csv: column '\''emial'\'' not found in the header; the columns are: '\''id'\'', '\''email'\'', '\''plan'\''
	EOT
	test_cmp expect err
'

check 'unknown key, exclude, event columns' '
	expect_code 2 heap-map -o user -k user_id users.csv 2>err &&
	grep_or_show "column '\''user_id'\'' not found in the header" err &&
	expect_code 2 heap-map -o user -k id -x nope users.csv 2>err &&
	grep_or_show "column '\''nope'\'' not found in the header" err &&
	expect_code 2 heap-map -o event -k id -e ev -t plan users.csv 2>err &&
	grep_or_show "column '\''ev'\'' not found in the header" err &&
	expect_code 2 heap-map -o event -k id --event-name E -t ts users.csv 2>err &&
	grep_or_show "column '\''ts'\'' not found in the header" err &&
	expect_code 2 heap-map -o event -k id --event-name E -t plan -i oid users.csv 2>err &&
	grep_or_show "column '\''oid'\'' not found in the header" err
'

check 'semicolon file gets a hint' '
	printf "id;plan\nu1;pro\n" >semi.csv &&
	expect_code 2 heap-map -o user -k id semi.csv 2>err &&
	cat >expect <<-\EOT &&
	heap-map: semi.csv: column '\''id'\'' not found in the header; the columns are: '\''id;plan'\''
	heap-map: semi.csv: header has one column '\''id;plan'\''; if the file is separated by '\'';'\'', use -d '\'';'\''
	EOT
	test_cmp expect err
'

check 'unknown column on stdin' '
	expect_code 2 heap-map -o user -k nope <users.csv 2>err &&
	grep_or_show "^heap-map: <stdin>: column '\''nope'\'' not found" err
'

check 'user column id is refused' '
	expect_code 2 heap-map -o user -k email users.csv >out 2>err &&
	test_cmp /dev/null out &&
	cat >expect <<-\EOT &&
	heap-map: users.csv: column '\''id'\'' would become the user property '\''id'\'', which Heap rejects; rename it with --rename id=NEW_NAME or leave it out with -x id
	EOT
	test_cmp expect err
'

check 'user column id hint works' '
	heap-map -q -o user -k email --rename id=ext_id users.csv >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{\"ext_id\":\"u1\",\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k email -x id users.csv >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k email -m id=ext_id -m plan users.csv >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{\"ext_id\":\"u1\",\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out
'

check 'rename keeps default columns' '
	printf "{\"email\":\"a\",\"n\":\"7\",\"x\":1}\n" |
		heap-map -q -o user -k email --rename n:number=count >out &&
	echo "{\"identity\":\"a\",\"properties\":{\"count\":7,\"x\":1}}" >expect &&
	test_cmp expect out
'

check 'rename without property' '
	expect_code 2 heap-map -o user -k email --rename id users.csv 2>err &&
	grep_or_show "^heap-map: invalid '\''--rename id'\''; use --rename COLUMN=PROPERTY$" err
'

check 'rename and exclude conflict' '
	expect_code 2 heap-map -o user -k email --rename id=ext_id -x id users.csv 2>err &&
	grep_or_show "is both mapped with -m or --rename and excluded with -x$" err
'

check 'user column ID in any case' '
	printf "email,ID\na@example.com,7\n" >upper.csv &&
	expect_code 2 heap-map -o user -k email upper.csv 2>err &&
	grep_or_show "column '\''ID'\'' would become the user property '\''ID'\''" err
'

check 'id fixed by -x or -m' '
	heap-map -q -o user -k email -x id users.csv >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out &&
	heap-map -q -o user -k email -m id=user_id users.csv >out &&
	echo "{\"identity\":\"a@example.com\",\"properties\":{\"user_id\":\"u1\"}}" >expect &&
	test_cmp expect out
'

check 'id allowed for accounts' '
	heap-map -q -o account -k email users.csv >out &&
	echo "{\"account_id\":\"a@example.com\",\"properties\":{\"id\":\"u1\",\"plan\":\"pro\"}}" >expect &&
	test_cmp expect out
'

check 'mapping onto id is refused' '
	expect_code 2 heap-map -o user -k id -m plan=Id users.csv 2>err &&
	grep_or_show "^heap-map: column '\''plan'\'' is mapped to the user property '\''Id'\'', which Heap rejects; use -m plan=NEW_NAME$" err &&
	expect_code 2 heap-map -o user -k id --set id=1 users.csv 2>err &&
	grep_or_show "^heap-map: Heap rejects a user property named '\''id'\''; choose another name in --set$" err
'

check 'map specification errors' '
	expect_code 2 heap-map -o user -k id -m plan:text users.csv 2>err &&
	grep_or_show "^heap-map: invalid type '\''text'\'' in '\''-m plan:text'\''; use string, number, bool, timestamp or json$" err &&
	expect_code 2 heap-map -o user -k id -m :number users.csv 2>err &&
	grep_or_show "^heap-map: missing column name in '\''-m :number'\''$" err &&
	expect_code 2 heap-map -o user -k id -m plan= users.csv 2>err &&
	grep_or_show "^heap-map: missing property name after '\''='\'' in '\''-m plan='\''$" err
'

check 'same property twice' '
	expect_code 2 heap-map -o user -k id -m plan=p -m email=p users.csv 2>err &&
	grep_or_show "^heap-map: property '\''p'\'' is set twice; give one a new name with -m COLUMN=NEW_NAME$" err &&
	expect_code 2 heap-map -o user -k id -m plan --set plan=x users.csv 2>err &&
	grep_or_show "^heap-map: property '\''plan'\'' is set twice" err
'

check 'rename onto a sent column' '
	printf "user_id,id,mrr,plan\nu1,77,12.5,pro\n" >r.csv &&
	expect_code 2 heap-map -o user -k user_id --rename id=plan r.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: r.csv: property '\''plan'\'' is set twice, by column '\''plan'\'' and by column '\''id'\'' renamed with --rename; leave one out with -x plan or -x id$" err &&
	heap-map -q -o user -k user_id --rename id=plan -x plan r.csv >out &&
	printf "%s\n" "{\"identity\":\"u1\",\"properties\":{\"plan\":\"77\",\"mrr\":\"12.5\"}}" >expect &&
	test_cmp expect out
'

check 'column renamed twice' '
	expect_code 2 heap-map -o user -k id --rename plan=x --rename plan=y users.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: column '\''plan'\'' is renamed twice; give one --rename for it$" err
'

check 'mapped and excluded column' '
	expect_code 2 heap-map -o user -k id -m plan -x plan users.csv 2>err &&
	grep_or_show "^heap-map: column '\''plan'\'' is both mapped with -m or --rename and excluded with -x$" err
'

check 'set needs a name' '
	expect_code 2 heap-map -o user -k id --set plan users.csv 2>err &&
	grep_or_show "^heap-map: invalid '\''--set plan'\''; use --set PROPERTY=VALUE$" err &&
	expect_code 2 heap-map -o user -k id --set =x users.csv 2>err &&
	grep_or_show "invalid '\''--set =x'\''" err
'

check 'invalid time zone' '
	expect_code 2 heap-map -o user -k id --timezone Mars/Base users.csv 2>err &&
	grep_or_show "^heap-map: invalid --timezone '\''Mars/Base'\'': " err
'

check 'too many files' '
	expect_code 2 heap-map -o user -k id users.csv users.csv 2>err &&
	grep_or_show "^heap-map: too many arguments; give at most one input file$" err
'

check 'unknown option' '
	expect_code 2 heap-map -o user -k id --frobnicate users.csv 2>err &&
	grep_or_show "Try '\''heap-map --help'\'' for more information." err
'

check 'missing file is an input error' '
	expect_code 3 heap-map -o user -k id no-such.csv >out 2>err &&
	test_cmp /dev/null out &&
	echo "heap-map: cannot open '\''no-such.csv'\'': No such file or directory" >expect &&
	test_cmp expect err
'

# The long options in the option table of heap-map.c.
long_options() {
	sed -n "/^static const struct option long_options/,/^};/p" \
		"$top_srcdir/src/heap-map.c" |
		sed -n "s/^[[:space:]]*{ \"\([a-z-]*\)\".*/\1/p"
}

check 'man page lists every long option' '
	long_options >options &&
	test "$(wc -l <options)" -gt 15 &&
	while read -r opt; do
		grep -E -q -e "^\.It Fl .*\\\\-$opt( |\$)" "$top_srcdir/man/heap-map.1" || {
			echo "option --$opt is not in man/heap-map.1" >&2
			exit 1
		}
	done <options
'

check 'help lists every long option' '
	long_options >options &&
	heap-map --help >help &&
	while read -r opt; do
		grep -q -e "--$opt" help || {
			echo "option --$opt is not in --help" >&2
			exit 1
		}
	done <options
'

done_testing
