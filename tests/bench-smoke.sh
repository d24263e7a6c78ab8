#!/bin/sh
# bench/run --quick: the benchmark driver still runs end to end on 10,000
# rows, and its table has every measurement.  Figures are not checked.
. "$top_srcdir/tests/lib.sh"

[ -x /usr/bin/time ] || skip_all "GNU time is not installed (scripts/install-deps)"
command -v jq >/dev/null || skip_all "jq is not installed (scripts/install-deps)"
command -v mlr >/dev/null || skip_all "Miller is not installed (scripts/install-deps)"

check 'bench run quick' '
	HEAPSYNC_BINDIR="$top_builddir/src" "$top_srcdir/bench/run" --quick >out 2>err ||
		{ cat err; exit 1; }
	for name in "heap-map csv" "heap-map ndjson" "mlr csv" "mlr ndjson" \
	    "jq ndjson" "heap-diff first" "heap-diff --commit" \
	    "heap-diff rerun 1%" "sort+comm rerun 1%" "heap-send users" \
	    "heap-send events limited" "pipeline"; do
		grep_or_show "^$name  *10*  " out
	done
	grep_or_show "heap-map csv vs mlr csv:" out
	grep_or_show "share of the event limit sustained:" out
'

check 'bench rejects unknown option' '
	expect_code 2 "$top_srcdir/bench/run" --no-such-option 2>err &&
	grep_or_show "unknown option" err
'

done_testing
