# Start and stop throwaway database servers for the end-to-end tests.
# Source after tests/lib.sh.  Each server lives in the test's scratch
# directory, listens only on a Unix socket there, and is stopped by an
# EXIT trap whether the test passes, fails or is interrupted.
#
#   pg_start || skip_all "$db_error"     then: psql -c 'select 1'
#   maria_start || skip_all "$db_error"  then: maria -e 'select 1'
#
# As root the servers run as the postgres and mysql users, which the
# Debian packages create; as another user they run as that user.

db_error=
pg_data=
maria_dir=

db_stop_all() {
	! command -v server_stop >/dev/null || server_stop
	pg_stop
	maria_stop
}
trap 'db_stop_all; test_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# as_user USER COMMAND...: run COMMAND as USER when root, else as is.
as_user() {
	user=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u "$user" -- "$@"
	else
		"$@"
	fi
}

# db_dir NAME USER: make a folder in the scratch dir that USER owns.
db_dir() {
	dir=$TEST_DIR/$1
	mkdir -p "$dir"
	if [ "$(id -u)" -eq 0 ]; then
		# The server user must be able to reach its folder.
		chmod 711 "$TEST_DIR"
		chown "$2" "$dir"
	fi
	printf '%s' "$dir"
}

# Start PostgreSQL and set PGHOST, PGPORT, PGUSER and PGDATABASE so that
# plain psql reaches it.  Returns 1 with db_error set when it cannot.
pg_start() {
	pg_bin=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && pg_bin=$d
	done
	if [ -z "$pg_bin" ] || ! command -v psql >/dev/null; then
		db_error="PostgreSQL is not installed (run scripts/install-deps)"
		return 1
	fi
	if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
		db_error="the postgres user is missing"
		return 1
	fi
	dir=$(db_dir pg postgres)
	pg_data=$dir/data
	as_user postgres "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$TEST_DIR/pg-initdb.log" 2>&1 || {
		db_error="initdb failed; see $TEST_DIR/pg-initdb.log"
		pg_data=
		return 1
	}
	# A Unix socket only, and no fsync: the data is thrown away.
	as_user postgres "$pg_bin/pg_ctl" -D "$pg_data" -l "$dir/server.log" -w \
		-o "-k $dir -c listen_addresses= -c fsync=off -c full_page_writes=off" \
		start >/dev/null 2>&1 || {
		db_error="PostgreSQL did not start; see $dir/server.log"
		return 1
	}
	PGHOST=$dir PGPORT=5432 PGUSER=postgres PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
}

pg_stop() {
	[ -n "$pg_data" ] || return 0
	as_user postgres "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop \
		>/dev/null 2>&1
	pg_data=
}

# Start MariaDB, which the function maria then reaches as root.  Returns
# 1 with db_error set when it cannot.
maria_start() {
	if ! command -v mariadbd >/dev/null && ! [ -x /usr/sbin/mariadbd ]; then
		db_error="MariaDB is not installed (run scripts/install-deps)"
		return 1
	fi
	if ! command -v mariadb-install-db >/dev/null; then
		db_error="mariadb-install-db is missing"
		return 1
	fi

	maria_user=$(id -un)
	[ "$(id -u)" -ne 0 ] || maria_user=mysql
	dir=$(db_dir maria "$maria_user")
	mariadb-install-db --no-defaults --datadir="$dir/data" \
		--user="$maria_user" --auth-root-authentication-method=normal \
		--skip-test-db >"$TEST_DIR/maria-install.log" 2>&1 || {
		db_error="mariadb-install-db failed; see $TEST_DIR/maria-install.log"
		return 1
	}
	maria_dir=$dir

	mariadbd_path=$(command -v mariadbd || echo /usr/sbin/mariadbd)
	"$mariadbd_path" --no-defaults --datadir="$dir/data" --user="$maria_user" \
		--socket="$dir/sock" --pid-file="$dir/pid" --skip-networking \
		--log-error="$dir/server.log" --innodb-flush-log-at-trx-commit=0 \
		--character-set-server=utf8mb4 >/dev/null 2>&1 &

	tries=0
	until maria -e 'select 1' >/dev/null 2>&1; do
		tries=$((tries + 1))
		if [ "$tries" -ge 150 ]; then
			db_error="MariaDB did not start within 30 seconds; see $dir/server.log"
			return 1
		fi
		sleep 0.2
	done
}

# maria ARGS...: the MariaDB client, connected as root to the test server.
maria() {
	mariadb --no-defaults --socket="$maria_dir/sock" -u root \
		--default-character-set=utf8mb4 "$@"
}

maria_stop() {
	[ -n "$maria_dir" ] || return 0
	if [ -f "$maria_dir/pid" ]; then
		pid=$(cat "$maria_dir/pid")
		kill -TERM "$pid" 2>/dev/null
		tries=0
		while kill -0 "$pid" 2>/dev/null && [ "$tries" -lt 100 ]; do
			tries=$((tries + 1))
			sleep 0.1
		done
	fi
	maria_dir=
}
