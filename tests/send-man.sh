#!/bin/sh
# heap-send: every long option in the option table is documented in the
# man page and in --help.
. "$top_srcdir/tests/lib.sh"

command -v heap-send >/dev/null || skip_all 'heap-send is not built'

sed -n '/long_options\[\] = {/,/^};/p' "$top_srcdir/src/heap-send.c" |
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)".*/\1/p' >options

check 'option table parsed' '
	test "$(wc -l <options)" -ge 20 &&
	grep -qx app-id options
'

while read -r opt; do
	check "man page documents --$opt" '
		grep -q -e "^\.It Fl .*-$opt\( \|$\)" "$top_srcdir/man/heap-send.1" ||
		grep -q -e "^\.It Fl -$opt\( \|$\)" "$top_srcdir/man/heap-send.1"
	'
	check "help lists --$opt" '
		heap-send --help | grep -q -e "--$opt\( \|$\)"
	'
done <options

check 'man page documents -h and -V' '
	grep -qx ".It Fl h , Fl -help" "$top_srcdir/man/heap-send.1" &&
	grep -qx ".It Fl V , Fl -version" "$top_srcdir/man/heap-send.1" &&
	heap-send --help | grep -q -e "^  -h, --help " &&
	heap-send --help | grep -q -e "^  -V, --version "
'

check 'man page has every section' '
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
		grep -qx ".Sh $s" "$top_srcdir/man/heap-send.1" || { echo "missing .Sh $s"; exit 1; }
	done
'

check 'exit statuses documented' '
	for code in 0 1 2 3 4 5; do
		grep -qx ".It $code" "$top_srcdir/man/heap-send.1" || { echo "missing status $code"; exit 1; }
	done
'

done_testing
