# Shared preamble for heapsync's shell tests.  Source it, call check for
# each case, then done_testing.  Output is TAP for Automake's tap-driver.
#
#   check 'map keeps quoted empty' '
#       printf "id,a\nu1,\"\"\n" | heap-map -o user -k id >out &&
#       test_cmp expect out
#   '
#
# Each body runs in a subshell with set -e inside the test's scratch
# directory.  On failure its output is shown as TAP comments and the
# scratch directory is kept.  HEAPSYNC_VALGRIND=1 runs every heapsync
# binary under valgrind; a valgrind error fails the test.

set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

test_count=0
test_failed=0
test_name=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/heapsync-$test_name.XXXXXX")
TEST_DATA="$top_srcdir/tests/data"
export TEST_DIR TEST_DATA

test_cleanup() {
	if [ "$test_failed" -eq 0 ] && [ -z "${HEAPSYNC_KEEP:-}" ]; then
		rm -rf "$TEST_DIR"
	else
		echo "# scratch directory kept: $TEST_DIR"
	fi
}
trap test_cleanup EXIT

# Put the built programs first on PATH, wrapped in valgrind when asked.
setup_path() {
	bindir="$TEST_DIR/.bin"
	mkdir -p "$bindir"
	for prog in heap-map heap-diff heap-send; do
		real="$top_builddir/src/$prog"
		[ -x "$real" ] || continue
		if [ -n "${HEAPSYNC_VALGRIND:-}" ]; then
			cat >"$bindir/$prog" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite "$real" "\$@"
WRAP
			chmod +x "$bindir/$prog"
		else
			ln -s "$real" "$bindir/$prog"
		fi
	done
	PATH="$bindir:$top_srcdir/scripts:$PATH"
	export PATH
}
setup_path
cd "$TEST_DIR"

# check TITLE BODY: run BODY as one test case.
check() {
	test_count=$((test_count + 1))
	set +e
	(
		set -e
		eval "$2"
	) >"$TEST_DIR/.output" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/# /' "$TEST_DIR/.output"
		echo "# (body exited with status $status)"
	fi
	return 0
}

# skip TITLE REASON: count a test as skipped.
skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1 # SKIP $2"
}

# skip_all REASON: skip the whole file; call before any check.
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

done_testing() {
	echo "1..$test_count"
	exit 0
}

# test_cmp EXPECTED ACTUAL: compare files, showing a unified diff.
test_cmp() {
	diff -u "$1" "$2"
}

# expect_code STATUS COMMAND...: run COMMAND and require that exit status.
expect_code() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "expected exit status $want, got $got: $*" >&2
		return 1
	fi
}

# grep_or_show PATTERN FILE: require PATTERN in FILE, else print FILE.
grep_or_show() {
	if ! grep -q -e "$1" "$2"; then
		echo "pattern not found: $1" >&2
		echo "--- $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# wait_until COMMAND [SECONDS]: run COMMAND every 0.1 s until it
# succeeds; fail after SECONDS (default 20).  Tests use it in place of
# fixed sleeps, which break under valgrind.
wait_until() {
	tries=$(( ${2:-20} * 10 ))
	until eval "$1"; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			echo "timed out waiting for: $1" >&2
			return 1
		fi
		sleep 0.1
	done
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
