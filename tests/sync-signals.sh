#!/bin/sh
# heap-sync stopped by a signal, to its pid or to its whole process group
# as timeout(1) and systemd send it: the run must wait for the commit
# stage, record what Heap accepted, and account for every row.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

command -v heap-map >/dev/null || skip_all "heap-map is not built"
command -v setsid >/dev/null || skip_all "setsid(1) is not installed"
command -v pgrep >/dev/null || skip_all "pgrep(1) is not installed"
server_start || exit 1

# interrupt_sync NAME SIGNAL TARGET: sync 40 users, one a request, each
# delayed by the server, and send SIGNAL to heap-sync's pid (TARGET pid)
# or to its process group (TARGET group) once Heap accepted the first.
# Check exit status 5, that the state records exactly what Heap accepted,
# that the summary accounts for all 40 rows, and that a second run sends
# the rest.  $launcher, when set, is a command that starts heap-sync.
launcher=
interrupt_sync() {
	seq 1 40 | sed "s/^/$1-/" | { echo id; cat; } >"$1.csv" &&
	printf "input = %s.csv\nobject = user\nkey = id\nstate = %s.state\nbatch_size = 1\njobs = 1\n" "$1" "$1" >"$1.conf" &&
	before=$(($(received_count) + 1)) &&
	server_control '{"rules":[{"delay":0.2,"count":0}]}' &&
	mkdir "$1.tmp" &&
	{ TMPDIR=$PWD/$1.tmp $launcher setsid heap-sync "$1.conf" 2>err & } &&
	pid=$! &&
	wait_received "$before" &&
	case $3 in
	group) kill -"$2" -- "-$pid" ;;
	pid) kill -"$2" "$pid" ;;
	esac &&
	set +e && wait "$pid"; status=$? && set -e &&
	server_control '{"rules":[]}' &&
	echo "heap-sync exited with status $status" &&
	test "$status" -eq 5 &&
	! grep "cannot open stats file" err &&
	! grep "did not finish" err &&
	accepted=$(received_items users "$before" | wc -l) &&
	test "$accepted" -gt 0 && test "$accepted" -lt 40 &&
	committed=$(sqlite3 "$1.state" "select count(*) from records") &&
	test "$committed" -eq "$accepted" &&
	grep_or_show "read 40,.* sent $accepted, rejected by Heap 0, failed 0, not sent $((40 - accepted))\$" err &&
	test -z "$(ls "$1.tmp")" &&
	run_sync "$1.conf" &&
	grep_or_show "read 40,.* unchanged $accepted, duplicates 0, sent $((40 - accepted))," err
}

check 'sigterm to the group waits for commit' 'interrupt_sync gterm TERM group'
check 'sighup to the group waits for commit' 'interrupt_sync ghup HUP group'
check 'sighup to heap-sync waits for commit' 'interrupt_sync phup HUP pid'

# A non-interactive shell starts background jobs with SIGINT ignored,
# and heap-sync cannot trap a signal that was ignored when it started,
# so these runs start under env --default-signal=INT.
if env --default-signal=INT true 2>/dev/null; then
	check 'sigint to the group waits for commit' '
		launcher="env --default-signal=INT" &&
		interrupt_sync gint INT group
	'
	check 'sigint to heap-sync waits for commit' '
		launcher="env --default-signal=INT" &&
		interrupt_sync pint INT pid
	'
else
	skip 'sigint to the group waits for commit' 'env has no --default-signal'
	skip 'sigint to heap-sync waits for commit' 'env has no --default-signal'
fi

printf 'id,plan\nw1,pro\n' >wait.csv
printf 'input = wait.csv\nobject = user\nkey = id\nstate = wait.state\n' >wait.conf

check 'sigterm while waiting for the lock' '
	exec 7>>wait.state.lock &&
	flock -n 7 &&
	{ heap-sync --wait 60 wait.conf 2>err & } &&
	pid=$! &&
	tries=300 &&
	until flock_pid=$(pgrep -P "$pid" flock); do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			echo "heap-sync started no flock to wait for the lock"
			exit 1
		fi
		sleep 0.1
	done &&
	kill -TERM "$pid" &&
	set +e && wait "$pid"; status=$? && set -e &&
	echo "heap-sync exited with status $status" &&
	test "$status" -eq 5 &&
	grep_or_show "^heap-sync: wait.conf: interrupted by SIGTERM before anything was sent" err &&
	tries=50 &&
	while kill -0 "$flock_pid" 2>/dev/null; do
		tries=$((tries - 1))
		if [ "$tries" -le 0 ]; then
			echo "flock $flock_pid still runs after heap-sync exited"
			exit 1
		fi
		sleep 0.1
	done &&
	exec 7>&- &&
	test ! -e wait.state
'

done_testing
