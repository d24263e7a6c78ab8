#!/bin/sh
# heap-map on real exports from psql --csv, from a throwaway PostgreSQL
# cluster that listens only on a Unix socket in a temporary directory.
. "$top_srcdir/tests/lib.sh"

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] && [ -x "$pgbin/initdb" ] ||
	skip_all "PostgreSQL server programs (initdb, pg_ctl) not found"
command -v psql >/dev/null || skip_all "psql is not installed"

# The server refuses to run as root, so as root it runs as 'postgres'.
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 ||
		skip_all "running as root and there is no 'postgres' user"
	as_server() { runuser -u postgres -- "$@"; }
else
	as_server() { "$@"; }
fi

# The cluster lives outside the scratch directory, which only its owner
# can enter.
PGTEST=$(mktemp -d "${TMPDIR:-/tmp}/heapsync-pg.XXXXXX")
[ "$(id -u)" -eq 0 ] && chown postgres "$PGTEST"
stop_server() {
	as_server "$pgbin/pg_ctl" -D "$PGTEST/data" -m immediate stop \
		>/dev/null 2>&1
	rm -rf "$PGTEST"
	test_cleanup
}
trap stop_server EXIT

as_server "$pgbin/initdb" -D "$PGTEST/data" -A trust -U postgres -E UTF8 \
	--no-sync >"$TEST_DIR/initdb.log" 2>&1 ||
	skip_all "initdb failed: $(tail -n 1 "$TEST_DIR/initdb.log")"
as_server "$pgbin/pg_ctl" -D "$PGTEST/data" -w -t 30 -l "$PGTEST/log" \
	-o "-c listen_addresses= -k $PGTEST -F" start >/dev/null 2>&1 ||
	skip_all "the PostgreSQL server did not start: $(tail -n 1 "$PGTEST/log")"

PGHOST=$PGTEST PGUSER=postgres PGDATABASE=postgres PGTZ=UTC
export PGHOST PGUSER PGDATABASE PGTZ

psql -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
CREATE TABLE users (id text, email text, plan text, seats int,
	ltv numeric, active boolean, signed_up timestamptz, note text,
	prefs jsonb, big bigint);
INSERT INTO users VALUES
	('u1', 'ann@example.com', 'pro', 12, 12.50, true,
	 '2024-05-01 12:00:00+02', 'a,b "q"
line2', '{"theme":"dark","beta":true}', 9007199254740993),
	('u2', 'bob@example.com', NULL, NULL, NULL, false,
	 '2024-05-02 11:30:00.123+00', '', NULL, NULL),
	('  U3  ', 'cat@example.com', 'free', 1, 0.1, NULL, NULL, 'café',
	 '{"theme":"light","n":{"x":1}}', 1);
CREATE TABLE events (user_id text, name text, at timestamp, amount numeric);
INSERT INTO events VALUES
	('u1', 'Purchase', '2024-05-01 10:00:00', 30),
	('u2', 'Refund', '2024-05-01 10:00:00.25', -12.5);
SQL

check 'psql users with types' '
	psql --csv -c "SELECT id, plan, seats, ltv, active, signed_up, note, big FROM users ORDER BY email" >users.csv &&
	heap-map -o user -k id -m plan -m seats:number -m ltv:number \
		-m active:bool -m signed_up:timestamp -m note -m big:number \
		users.csv >out 2>err &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro","seats":12,"ltv":12.50,"active":"true","signed_up":"2024-05-01T10:00:00.000Z","note":"a,b \"q\"\nline2","big":"9007199254740993"}}
	{"identity":"u2","properties":{"active":"false","signed_up":"2024-05-02T11:30:00.123Z"}}
	{"identity":"U3","properties":{"plan":"free","seats":1,"ltv":0.1,"note":"café","big":1}}
	EOT
	test_cmp expect out &&
	echo "heap-map: read 3 rows, wrote 3 records, rejected 0" >expect &&
	test_cmp expect err
'

# psql --csv writes an empty string and NULL alike, as an empty field, so
# both arrive as NULL (see the first check).  A null marker of psql's own
# with --null-string keeps them apart, and so does COPY.
check 'psql empty string with null marker' '
	psql --csv -P null=NULL -c "SELECT id, plan, note FROM users ORDER BY email" |
		heap-map -q -o user -k id -m plan -m note --null-string NULL >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro","note":"a,b \"q\"\nline2"}}
	{"identity":"u2","properties":{"note":""}}
	{"identity":"U3","properties":{"plan":"free","note":"café"}}
	EOT
	test_cmp expect out
'

check 'psql copy keeps empty strings' '
	psql -c "COPY (SELECT id, plan, note FROM users ORDER BY email)
		TO STDOUT WITH (FORMAT csv, HEADER)" |
		heap-map -q -o user -k id -m plan -m note >out &&
	cat >expect <<-\EOT &&
	{"identity":"u1","properties":{"plan":"pro","note":"a,b \"q\"\nline2"}}
	{"identity":"u2","properties":{"note":""}}
	{"identity":"U3","properties":{"plan":"free","note":"café"}}
	EOT
	test_cmp expect out
'

check 'psql jsonb column flattened' '
	psql --csv -c "SELECT email, prefs FROM users ORDER BY email" |
		heap-map -q -o user -k email -m prefs:json=pref >out &&
	cat >expect <<-\EOT &&
	{"identity":"ann@example.com","properties":{"pref.beta":"true","pref.theme":"dark"}}
	{"identity":"bob@example.com","properties":{}}
	{"identity":"cat@example.com","properties":{"pref.n.x":1,"pref.theme":"light"}}
	EOT
	test_cmp expect out
'

check 'psql events in a local zone' '
	psql --csv -c "SELECT * FROM events ORDER BY at" >events.csv &&
	heap-map -o event -k user_id -e name -t at -m amount:number \
		--timezone Europe/Paris events.csv >out 2>err &&
	sed "s/\"idempotency_key\":\"[0-9a-f]\{32\}\"/\"idempotency_key\":KEY/" out >masked &&
	cat >expect <<-\EOT &&
	{"identity":"u1","event":"Purchase","timestamp":"2024-05-01T08:00:00.000Z","idempotency_key":KEY,"properties":{"amount":30}}
	{"identity":"u2","event":"Refund","timestamp":"2024-05-01T08:00:00.250Z","idempotency_key":KEY,"properties":{"amount":-12.5}}
	EOT
	test_cmp expect masked &&
	! grep "has no time zone" err
'

check 'psql export through a pipe twice' '
	psql --csv -c "SELECT * FROM events ORDER BY at" |
		heap-map -q -o event -k user_id -e name -t at >first &&
	psql --csv -c "SELECT * FROM events ORDER BY at" |
		heap-map -q -o event -k user_id -e name -t at >second &&
	test_cmp first second
'

done_testing
