#!/bin/sh
# heap-map: write errors, unreadable input, and progress on a terminal.
. "$top_srcdir/tests/lib.sh"

printf "id,a\nu1,x\n" >in.csv

check 'full disk is an output error' '
	[ -w /dev/full ] || { echo "no /dev/full here" >&2; exit 1; }
	expect_code 3 heap-map -o user -k id in.csv >/dev/full 2>err &&
	grep_or_show "^heap-map: cannot write standard output: No space left on device$" err
'

check 'full disk during a large run' '
	python3 -c "
import sys
sys.stdout.write(\"id,a\\n\")
for i in range(50000):
    sys.stdout.write(\"user-%d,%s\\n\" % (i, \"x\" * 40))
" >big.csv &&
	expect_code 3 heap-map -o user -k id big.csv >/dev/full 2>err &&
	grep_or_show "^heap-map: cannot write standard output: No space left on device$" err
'

check 'directory as input' '
	mkdir -p dir &&
	expect_code 3 heap-map -o user -k id dir >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: dir" err
'

check 'unreadable rejects file' '
	expect_code 3 heap-map -o user -k id -r no/such/dir/rejects in.csv >out 2>err &&
	test_cmp /dev/null out &&
	grep_or_show "^heap-map: cannot open rejects file '\''no/such/dir/rejects'\'': No such file or directory$" err
'

check 'unwritable stats file' '
	expect_code 3 heap-map -q -o user -k id --stats no/such/dir/stats in.csv >out 2>err &&
	echo "{\"identity\":\"u1\",\"properties\":{\"a\":\"x\"}}" >expect &&
	test_cmp expect out &&
	grep_or_show "^heap-map: cannot open stats file '\''no/such/dir/stats'\''" err
'

check 'output survives many blocks' '
	heap-map -q -o user -k id big.csv >out &&
	test "$(wc -l <out)" -eq 50000 &&
	tail -n 1 out >last &&
	echo "{\"identity\":\"user-49999\",\"properties\":{\"a\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}" >expect &&
	test_cmp expect last
'

# Run heap-map with stderr on a pseudo-terminal and print what it showed.
on_terminal() {
	python3 - "$@" <<-\PY
	import os, pty, sys
	pid, fd = pty.fork()
	if pid == 0:
	    err = os.open("/dev/tty", os.O_WRONLY)
	    os.dup2(err, 2)
	    out = os.open("out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
	    os.dup2(out, 1)
	    os.execvp(sys.argv[1], sys.argv[1:])
	shown = b""
	while True:
	    try:
	        chunk = os.read(fd, 4096)
	    except OSError:
	        break
	    if not chunk:
	        break
	    shown += chunk
	_, status = os.waitpid(pid, 0)
	sys.stdout.write(shown.decode())
	sys.exit(os.WEXITSTATUS(status))
	PY
}

# slow_feed FIFO FILE: write FILE into FIFO, pausing 0.6 s after 120,000
# lines.  Progress shows 0.25 s after heap-map starts its clock, which is
# after its first 256 KiB read, so the pause makes it show on any machine.
slow_feed() {
	rm -f "$1" &&
	mkfifo "$1" &&
	{ head -n 120000 "$2"; sleep 0.6; tail -n +120001 "$2"; } >"$1" &
}

rows=200000
{ echo id; seq 1 $rows; } >many.csv

check 'progress shown on a terminal' '
	python3 -c "import pty" 2>/dev/null || { echo "python3 has no pty module" >&2; exit 1; }
	slow_feed feed many.csv
	on_terminal heap-map -o user -k id feed >shown &&
	test "$(wc -l <out)" -eq $rows &&
	grep_or_show "heap-map: [0-9]* rows read, [0-9]* rows/s" shown &&
	sed "s/\r\$//" shown | tr "\r" "\n" | tail -n 1 >end &&
	printf "\033[Kheap-map: read $rows rows, wrote $rows records, rejected 0\n" >expect &&
	test_cmp expect end
'

# A warning in the middle of a run must start on a line of its own, not
# run on from the progress line.
check 'warning erases the progress line' '
	awk -v n=$rows "BEGIN { print \"id,note\"; for (i = 1; i <= n; i++) print i \",x\" }" >notes.csv &&
	printf "last,%01500d\n" 0 >>notes.csv &&
	slow_feed feed notes.csv
	on_terminal heap-map -o user -k id feed >shown &&
	grep_or_show "heap-map: [0-9]* rows read, [0-9]* rows/s" shown &&
	tr "\r" "\n" <shown | grep "warning:" >warning &&
	printf "\033[Kheap-map: warning: feed:%d:2: column '"'"'note'"'"' has a value of 1500 characters; values over 1023 characters in this column are cut (--long-values reject rejects such rows instead)\n" $((rows + 2)) >expect &&
	test_cmp expect warning
'

check 'no progress when quiet' '
	on_terminal heap-map -q -o user -k id many.csv >shown &&
	test_cmp /dev/null shown
'

check 'no progress in a pipe' '
	heap-map -o user -k id many.csv 2>err >/dev/null &&
	echo "heap-map: read $rows rows, wrote $rows records, rejected 0" >expect &&
	test_cmp expect err
'

done_testing
