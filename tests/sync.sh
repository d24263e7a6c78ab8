#!/bin/sh
# heap-sync: configuration checks, the state lock, dry runs, failing
# stages and the summary line, against the real binaries and the Heap
# test server.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

check 'help and version' '
	heap-sync --help >out &&
	grep_or_show "^Usage: heap-sync" out &&
	heap-sync --version >out &&
	version=$(sed -n "s/^#define PACKAGE_VERSION \"\(.*\)\"/\1/p" "$top_builddir/config.h") &&
	echo "heap-sync (heapsync) $version" >expect &&
	test_cmp expect out &&
	heap-sync -V >out &&
	test_cmp expect out
'

check 'options after the config file' '
	printf "object = user\nkey = id\nstate = s\n" >opt.conf &&
	expect_code 2 heap-sync opt.conf --full 2>err &&
	grep_or_show "missing .source = COMMAND. or .input = FILE." err &&
	expect_code 2 heap-sync opt.conf --bogus 2>err &&
	grep_or_show "unknown option .--bogus." err &&
	expect_code 2 heap-sync opt.conf other.conf 2>err &&
	grep_or_show "unexpected argument .other.conf." err &&
	heap-sync opt.conf --help >out &&
	grep_or_show "^Usage: heap-sync" out &&
	expect_code 2 heap-sync -- --full 2>err &&
	grep_or_show "cannot read configuration file .--full." err
'

check 'man page lists every option and key' '
	man=$top_srcdir/man/heap-sync.1 &&
	for option in $(sed -n "s/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p" "$top_srcdir/scripts/heap-sync" | sort -u); do
		grep -q -e "Fl $(echo "$option" | sed "s/^-//")\( \|\$\)" "$man" ||
			{ echo "option $option missing from heap-sync.1"; exit 1; }
	done &&
	keys=$(sed -n "/^	source | input/,/)\$/p" "$top_srcdir/scripts/heap-sync" | tr -d "|\\\\)\t" ) &&
	for key in map rename exclude set $keys; do
		grep -q -e "^\.It Cm $key" "$man" ||
			{ echo "key $key missing from heap-sync.1"; exit 1; }
	done
'

printf 'id,plan\nu1,pro\nu2,free\n' >users.csv

check 'missing config file is a usage error' '
	expect_code 2 heap-sync nowhere.conf 2>err &&
	grep_or_show "cannot read configuration file .nowhere.conf." err
'

check 'unknown key names its line' '
	printf "object = user\n# comment\n  objet = user\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "bad.conf:3: unknown key .objet." err
'

check 'key set twice names both lines' '
	printf "object = user\nkey = id\nobject = event\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "bad.conf:3: .object. is already set on line 1" err
'

check 'line without equals sign' '
	printf "object user\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "bad.conf:1: expected .key = value." err
'

check 'missing required keys' '
	printf "object = user\nkey = id\ninput = users.csv\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "missing .state = \.\.\.." err &&
	printf "object = user\nkey = id\nstate = s\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "missing .source = COMMAND. or .input = FILE." err
'

check 'invalid object and numbers' '
	printf "object = person\nkey = id\nstate = s\ninput = users.csv\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "bad.conf:1: invalid object .person." err &&
	printf "object = user\nkey = id\nstate = s\ninput = users.csv\njobs = 0\n" >bad.conf &&
	expect_code 2 heap-sync bad.conf 2>err &&
	grep_or_show "bad.conf:5: invalid jobs .0." err
'

check 'no app id is a usage error' '
	printf "object = user\nkey = id\nstate = s\ninput = users.csv\n" >noapp.conf &&
	expect_code 2 env -u HEAP_APP_ID heap-sync noapp.conf 2>err &&
	grep_or_show "no Heap app id" err &&
	expect_code 2 env -u HEAP_APP_ID heap-sync --dry-run noapp.conf 2>err &&
	grep_or_show "^heap-sync: noapp.conf: no Heap app id" err
'

command -v heap-map >/dev/null || { done_testing; }
server_start || exit 1

cat >users.conf <<'EOF'
input = users.csv
object = user
key = id
state = state/users.state
rejects = rejects.ndjson
EOF
mkdir state

check 'values are never expanded by a shell' '
	printf "object = user\nkey = id\nstate = \$(touch pwned)\ninput = users.csv\napp_id = x\n" >odd.conf &&
	env -u HEAP_ENDPOINT heap-sync --dry-run --dry-run-output req odd.conf 2>err &&
	test ! -e pwned &&
	test -e "\$(touch pwned).lock"
'

check 'dry run sends and records nothing' '
	run_sync --dry-run users.conf >requests &&
	run_sync users.conf -n >requests2 &&
	test_cmp requests requests2 &&
	grep_or_show "read 2,.* would send 2 in 1 request," err &&
	grep_or_show "u1" requests &&
	test "$(received_count)" -eq 0 &&
	run_sync --dry-run --dry-run-output requests.txt users.conf >out &&
	test ! -s out &&
	grep_or_show "u2" requests.txt &&
	test ! -e state/users.state
'

check 'rename key keeps other columns' '
	printf "id,plan,id2\nu1,pro,x\n" >renamed.csv &&
	printf "input = renamed.csv\nobject = user\nkey = id2\nrename = id=ext_id\nstate = state/renamed.state\n" >renamed.conf &&
	run_sync --dry-run renamed.conf >requests &&
	grep_or_show "\"identity\":\"x\",\"properties\":{\"ext_id\":\"u1\",\"plan\":\"pro\"}" requests
'

check 'relative paths follow the config file' '
	mkdir -p elsewhere &&
	(cd elsewhere && heap-sync ../users.conf 2>err) &&
	test -f state/users.state &&
	test "$(received_count)" -eq 2 &&
	run_sync users.conf &&
	grep_or_show "read 2, rejected by mapping 0, unchanged 2, duplicates 0, sent 0, rejected by Heap 0, failed 0" err
'

check 'full run sends everything again' '
	run_sync users.conf --full &&
	grep_or_show "read 2, rejected by mapping 0, unchanged 0, duplicates 0, sent 2," err &&
	run_sync users.conf &&
	grep_or_show "unchanged 2, duplicates 0, sent 0," err
'

check 'config with crlf and blanks' '
	printf "# made on Windows\r\n\r\n  input\t=  users.csv  \r\nobject=user\r\nkey = id\r\nstate = state/users.state\r\n" >crlf.conf &&
	run_sync crlf.conf &&
	grep_or_show "read 2, rejected by mapping 0, unchanged 2," err
'

check 'quiet run prints nothing' '
	heap-sync -q users.conf >out 2>err &&
	test ! -s out &&
	test ! -s err
'

# heap-map's warnings are about the data, so heap-sync shows them unless
# it is quiet, and leaves out heap-map's own summary line.
check 'mapping warnings shown' '
	printf "id,seen\nw1,2024-05-01 10:00:00\n" >warn.csv &&
	printf "input = warn.csv\nobject = user\nkey = id\nstate = warn.state\nmap = seen:timestamp\n" >warn.conf &&
	run_sync warn.conf &&
	grep_or_show "^heap-map: warning: .*warn.csv:2:2: timestamp .2024-05-01 10:00:00. in column .seen. has no time zone" err &&
	! grep "^heap-map: read" err &&
	: >empty.csv &&
	sed "s/warn/empty/g" warn.conf >empty.conf &&
	run_sync empty.conf &&
	grep_or_show "^heap-map: warning: .*empty.csv: input is empty; no rows to map$" err &&
	heap-sync -q --full warn.conf >out 2>err &&
	test_cmp /dev/null err
'

check 'comment after a value warns' '
	printf "input = warn.csv\nobject = user\nkey = id # the user id\nstate = warn.state\n" >comment.conf &&
	expect_code 2 heap-sync comment.conf 2>err &&
	grep_or_show "^heap-sync: comment.conf:3: warning: the value of .key. contains . #.; comments go on lines of their own$" err
'

check 'quiet run prints the summary on failure' '
	printf "id,plan\nq1,pro\nq1,free\n" >qdup.csv &&
	printf "input = qdup.csv\nobject = user\nkey = id\nstate = qdup.state\n" >qdup.conf &&
	expect_code 1 heap-sync -q qdup.conf >out 2>err &&
	test ! -s out &&
	grep_or_show "^heap-sync: qdup.conf: read 2, .*duplicates 1, sent 1," err
'

check 'stages found next to heap-sync' '
	cron_path=/usr/bin:/bin &&
	if env -i PATH=$cron_path sh -c "command -v heap-diff" >/dev/null; then
		echo "heap-diff is on $cron_path, so this test cannot tell" &&
		exit 1
	fi &&
	mkdir -p prefix/bin links &&
	cp "$top_srcdir/scripts/heap-sync" prefix/bin/ &&
	for stage in heap-map heap-diff heap-send; do
		ln -s "$(command -v $stage)" prefix/bin/$stage
	done &&
	printf "input = users.csv\nobject = user\nkey = id\nstate = cron.state\n" >cron.conf &&
	env -i PATH=$cron_path HEAP_ENDPOINT="$HEAP_ENDPOINT" HEAP_APP_ID=test-app \
		"$PWD/prefix/bin/heap-sync" cron.conf 2>err &&
	grep_or_show "read 2, .* sent 2," err &&
	ln -s ../prefix/bin/heap-sync links/heap-sync &&
	env -i PATH=$cron_path HEAP_ENDPOINT="$HEAP_ENDPOINT" HEAP_APP_ID=test-app \
		links/heap-sync --full cron.conf 2>err &&
	grep_or_show "read 2, .* sent 2," err &&
	(cd prefix/bin && env -i PATH=$cron_path HEAP_ENDPOINT="$HEAP_ENDPOINT" \
		HEAP_APP_ID=test-app sh heap-sync ../../cron.conf) 2>err &&
	grep_or_show "read 2, .* unchanged 2," err
'

check 'missing stage is named' '
	mkdir -p partial/bin &&
	cp "$top_srcdir/scripts/heap-sync" partial/bin/ &&
	ln -s "$(command -v heap-map)" partial/bin/heap-map &&
	printf "input = users.csv\nobject = user\nkey = id\nstate = partial.state\n" >partial.conf &&
	expect_code 3 env -i PATH=/usr/bin:/bin HEAP_APP_ID=test-app \
		partial/bin/heap-sync partial.conf 2>err &&
	grep_or_show "^heap-sync: partial.conf: program .heap-diff. not found in .*partial/bin. or on PATH ./usr/bin:/bin.; install it" err &&
	! grep "cannot create state" err &&
	test ! -e partial.state.lock
'

check 'state in a missing folder' '
	mkdir -p conf &&
	printf "input = ../users.csv\nobject = user\nkey = id\nstate = ../nodir/u.state\n" >conf/nodir.conf &&
	expect_code 3 heap-sync conf/nodir.conf 2>err &&
	grep_or_show "^heap-sync: nodir.conf: folder .*/nodir. of state .\.\./nodir/u.state. does not exist" err &&
	test "$(wc -l <err)" -eq 1
'

cat >quoted.conf <<'EOF'
input = "users.csv"
object = user
key = 'id'
state = "quoted.state"
app_id = "quoted-app"
set = "plan2=x"
set = 'tier'='gold'
EOF
check 'quoted values lose their quotes' '
	run_sync --dry-run quoted.conf >requests &&
	grep_or_show "\"app_id\":\"quoted-app\"" requests &&
	grep_or_show "\"identity\":\"u1\"" requests &&
	grep_or_show "\"plan2\":\"x\"" requests &&
	grep_or_show "\".tier.\":\".gold.\"" requests
'

check 'lock held after its run exited' '
	sh -c "exit 0" & dead=$! &&
	wait "$dead" &&
	echo "pid $dead on $(uname -n) since then: gone.conf" >state/users.state.lock &&
	exec 7>>state/users.state.lock &&
	flock -n 7 &&
	expect_code 3 heap-sync users.conf 2>err &&
	grep_or_show "locked by another run (pid $dead on .* since then: gone.conf, which has exited; its stages may still be running); use --wait" err &&
	echo "pid $$ on $(uname -n) since then: live.conf" >state/users.state.lock &&
	expect_code 3 heap-sync users.conf 2>err &&
	grep_or_show "locked by another run (pid $$ on .* since then: live.conf); use --wait" err &&
	exec 7>&-
'

check 'locked state exits with the holder' '
	echo "pid 1 on testhost since then: other.conf" >state/users.state.lock &&
	flock state/users.state.lock sleep 3 &
	tries=50 &&
	while flock -n state/users.state.lock true && [ $((tries -= 1)) -gt 0 ]; do
		sleep 0.1
	done &&
	expect_code 3 heap-sync users.conf 2>err &&
	grep_or_show "state .state/users.state. is locked by another run (pid 1 on testhost" err &&
	grep_or_show "use --wait SECONDS" err &&
	run_sync --wait 20 users.conf &&
	grep_or_show "unchanged 2" err
'

check 'rejected rows counted and exit 1' '
	printf "id,plan\nu1,pro\n,empty\nu5,new\n" >rej.csv &&
	sed "s/^input = .*/input = rej.csv/" users.conf >rej.conf &&
	expect_code 1 heap-sync rej.conf 2>err &&
	grep_or_show "read 3, rejected by mapping 1, unchanged 1, duplicates 0, sent 1," err &&
	grep_or_show "\"program\":\"heap-map\"" rejects.ndjson &&
	echo "max_rejected = 1" >>rej.conf &&
	run_sync rej.conf &&
	grep_or_show "read 3, rejected by mapping 1, unchanged 2," err
'

check 'duplicate keys counted and exit 1' '
	printf "id,plan\nd1,pro\nd1,free\n" >dup.csv &&
	printf "input = dup.csv\nobject = user\nkey = id\nstate = dup.state\n" >dup.conf &&
	expect_code 1 heap-sync dup.conf 2>err &&
	grep_or_show "read 2, rejected by mapping 0, unchanged 0, duplicates 1, sent 1," err &&
	echo "max_rejected = 1" >>dup.conf &&
	run_sync dup.conf &&
	grep_or_show "read 2, rejected by mapping 0, unchanged 1, duplicates 1, sent 0," err
'

check 'stray quote fails the run' '
	printf "id,plan\nq1,\"6\" screen\nq2,pro\nq3,pro\n" >stray.csv &&
	printf "input = stray.csv\nobject = user\nkey = id\nstate = stray.state\nmax_rejected = 5\n" >stray.conf &&
	expect_code 3 heap-sync stray.conf 2>err &&
	grep_or_show "^heap-map: .*stray.csv:2: quoted field that opens on line 2 is not closed" err &&
	grep_or_show "^heap-sync: stray.conf: heap-map failed with exit status 3" err
'

check 'misspelled key names the config' '
	sed "s/^key = id\$/key = userid/" users.conf >typo.conf &&
	grep -q "^key = userid" typo.conf &&
	expect_code 2 heap-sync typo.conf 2>err &&
	grep_or_show "^heap-map: .*users.csv: column .userid. not found" err &&
	grep_or_show "^heap-sync: typo.conf: heap-map failed with exit status 2: check the .key., " err &&
	grep_or_show "^heap-sync: typo.conf: stopped at heap-map before any row was counted; sent 0 records$" err &&
	! grep "?" err &&
	printf "source = seq 100000 | sed \"1i id\"\nobject = user\nkey = userid\nstate = s\n" >typo2.conf &&
	expect_code 2 heap-sync typo2.conf 2>err &&
	grep_or_show "^heap-sync: typo2.conf: heap-map failed with exit status 2" err &&
	! grep SIGPIPE err &&
	expect_code 2 heap-sync --dry-run typo.conf 2>err &&
	grep_or_show "^heap-sync: typo.conf: stopped at heap-map before any row was counted; would send 0 records$" err
'

check 'failing source names the stage' '
	printf "source = printf '\''id,plan\\\\nu9,x\\\\n'\''; exit 7\nobject = user\nkey = id\nstate = state/users.state\n" >fail.conf &&
	expect_code 3 heap-sync fail.conf 2>err &&
	grep_or_show "the source command failed with exit status 7" err
'

check 'unreadable state names heap-diff' '
	echo "not a database" >broken.state &&
	sed "s|^state = .*|state = broken.state|" users.conf >broken.conf &&
	expect_code 3 heap-sync broken.conf 2>err &&
	grep_or_show "heap-diff failed with exit status 3" err
'

check 'unreachable endpoint commits nothing' '
	before=$(received_count) &&
	printf "id,plan\nz1,pro\n" >z.csv &&
	printf "input = z.csv\nobject = user\nkey = id\nstate = z.state\nmax_retries = 0\nendpoint = http://127.0.0.1:%s\n" "$(free_port)" >z.conf &&
	expect_code 4 heap-sync z.conf 2>err &&
	grep_or_show "heap-send failed with exit status 4" err &&
	sed "/^endpoint/d" z.conf >z2.conf &&
	heap-sync z2.conf 2>err &&
	grep_or_show "sent 1," err &&
	test "$(received_count)" -eq "$((before + 1))"
'

# Slow requests, one record each: SIGTERM arrives while records are in
# flight.  What the server accepted must be committed, and the next run
# must send exactly the rest.
check 'sigterm commits what heap accepted' '
	seq 1 40 | sed "s/^/t/" | { echo id; cat; } >many.csv &&
	printf "input = many.csv\nobject = user\nkey = id\nstate = many.state\nbatch_size = 1\njobs = 1\n" >many.conf &&
	before=$(($(received_count) + 1)) &&
	server_control "{\"rules\":[{\"delay\":0.2,\"count\":0}]}" &&
	{ heap-sync many.conf 2>err & } &&
	pid=$! &&
	wait_received "$before" &&
	kill -TERM "$pid" &&
	set +e && wait "$pid"; status=$? && set -e &&
	server_control "{\"rules\":[]}" &&
	test "$status" -eq 5 &&
	grep_or_show "interrupted" err &&
	first=$(received_items users "$before" | wc -l) &&
	test "$first" -gt 0 && test "$first" -lt 40 &&
	grep_or_show "read 40,.* sent $first, rejected by Heap 0, failed 0, not sent $((40 - first))\$" err &&
	middle=$(($(received_count) + 1)) &&
	run_sync many.conf &&
	grep_or_show "read 40,.* unchanged $first, duplicates 0, sent $((40 - first))," err &&
	received_items users "$before" | sort -u | wc -l >count &&
	echo 40 >expect &&
	test_cmp expect count &&
	test "$(received_items users "$before" | wc -l)" -eq 40
'

# Ctrl-C at a terminal sends SIGINT to the whole process group, commit
# stage included, so setsid gives the run a group of its own to signal.
check 'ctrl-c commits what heap accepted' '
	seq 1 40 | sed "s/^/c/" | { echo id; cat; } >ctrlc.csv &&
	printf "input = ctrlc.csv\nobject = user\nkey = id\nstate = ctrlc.state\nbatch_size = 1\njobs = 1\n" >ctrlc.conf &&
	before=$(($(received_count) + 1)) &&
	server_control "{\"rules\":[{\"delay\":0.2,\"count\":0}]}" &&
	{ setsid heap-sync ctrlc.conf 2>err & } &&
	pid=$! &&
	wait_received "$before" &&
	kill -INT -- "-$pid" &&
	set +e && wait "$pid"; status=$? && set -e &&
	server_control "{\"rules\":[]}" &&
	test "$status" -eq 5 &&
	accepted=$(received_items users "$before" | wc -l) &&
	test "$accepted" -gt 0 && test "$accepted" -lt 40 &&
	committed=$(sqlite3 ctrlc.state "select count(*) from records") &&
	test "$committed" -eq "$accepted"
'

done_testing
