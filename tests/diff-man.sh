#!/bin/sh
# heap-diff: every long option in the option table is in the man page
# and in --help.
. "${top_srcdir:-..}/tests/lib.sh"

src="$top_srcdir/src/heap-diff.c"
man="$top_srcdir/man/heap-diff.1"

sed -n '/^static const struct option options/,/^};/p' "$src" |
	sed -n 's/^[[:space:]]*{ "\([a-z-]*\)".*/\1/p' >options

check 'option table is found' '
	test "$(wc -l <options)" -ge 10 &&
	grep -qx state options
'

while read -r opt; do
	check "man page documents --$opt" "
		grep_or_show '^\\.It Fl .*Fl \\\\-$opt\\( \\|\$\\)' '$man' ||
		grep_or_show '^\\.It Fl \\\\-$opt\\( \\|\$\\)' '$man'
	"
	check "help lists --$opt" "
		heap-diff --help >help &&
		grep_or_show '--$opt\\( \\|\$\\)' help
	"
done <options

check 'man page has the required sections' '
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
		grep -q "^\.Sh $s\$" "$man" || { echo "missing section $s" >&2; exit 1; }
	done
'

check 'man page documents the state tables' '
	for word in meta records snapshot key hash committed_at entries object_type user_version application_id data_version; do
		grep -q "$word" "$man" || { echo "not documented: $word" >&2; exit 1; }
	done
'

check 'man page renders without warnings' '
	command -v groff >/dev/null || exit 0
	groff -mdoc -ww -z "$man" 2>warnings &&
	test ! -s warnings || { cat warnings; exit 1; }
'

done_testing
