#!/bin/sh
# Command-line conventions shared by heap-map, heap-diff and heap-send.
. "$top_srcdir/tests/lib.sh"

for prog in heap-map heap-diff heap-send; do
	check "$prog unknown option gives one message" "
		expect_code 2 $prog --no-such-option >out 2>err &&
		test_cmp /dev/null out &&
		printf '%s\n' \"$prog: invalid option '--no-such-option'\" \
			\"Try '$prog --help' for more information.\" >expect &&
		test_cmp expect err
	"

	check "$prog unknown short option" "
		expect_code 2 $prog -Z 2>err &&
		printf '%s\n' \"$prog: invalid option '-Z'\" \
			\"Try '$prog --help' for more information.\" >expect &&
		test_cmp expect err
	"

	check "$prog flag given a value" "
		expect_code 2 $prog --quiet=yes 2>err &&
		grep_or_show \"^$prog: option '--quiet' does not take an argument\$\" err
	"

	check "$prog short help and version" "
		$prog -h >help &&
		grep_or_show '^Usage: $prog' help &&
		$prog -V >version &&
		grep_or_show '^$prog (heapsync) [0-9]' version
	"
done

check 'heap-map missing option argument' '
	expect_code 2 heap-map -o 2>err &&
	grep_or_show "^heap-map: option .-o. requires an argument$" err
'

done_testing
