#!/bin/sh
# Run every code block of README.md that is marked as a recipe or as a
# copy of a file, so the README cannot drift from what works.
#
# A block after "<!-- recipe: NAME -->" runs as a shell script.  psql and
# mysql talk to real servers started here, with the README's tables.
# Tools that need a cloud service (bq, snowsql, sqlcmd, bcp, dbsqlcli,
# curl) are shell functions that print tests/data/recipes/NAME.*, a
# sample in that tool's output format.  Every recipe must print the
# records in tests/data/recipes/users.expected.
#
# A block after "<!-- file: PATH -->" must equal the file PATH.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/db.sh"
. "$top_srcdir/tests/sync-lib.sh"

readme=$top_srcdir/README.md
samples=$TEST_DIR/samples
cp -R "$top_srcdir/tests/data/recipes" "$samples"

# Write each marked block to blocks/KIND-NAME, where a file's NAME is its
# path with slashes turned into commas.
mkdir blocks
awk '
	/^<!-- (recipe|file): .* -->$/ {
		kind = $2; sub(/:$/, "", kind)
		name = $3; gsub(/\//, ",", name)
		pending = "blocks/" kind "-" name
		next
	}
	/^```/ && pending != "" && out == "" { out = pending; pending = ""; next }
	/^```/ && out != "" { close(out); out = ""; next }
	out != "" { print > out }
' "$readme"

check 'readme lists every recipe' '
	for name in postgres postgres-copy postgres-null-marker redshift \
		bigquery snowflake mysql sqlserver synapse databricks \
		elasticsearch sheets dbt looker; do
		test -s "blocks/recipe-$name" ||
			{ echo "README.md has no recipe block for $name"; exit 1; }
	done
'

check 'readme files match the repository' '
	found=0 &&
	for block in blocks/file-*; do
		path=$(echo "${block#blocks/file-}" | tr , /) &&
		test_cmp "$top_srcdir/$path" "$block" &&
		found=$((found + 1))
	done &&
	test "$found" -ge 3
'

command -v heap-map >/dev/null || { done_testing; }

# The README's users table, in every database the recipes query.
users_sql="create table users (user_id text, plan text, seats integer);
insert into users values ('u1', 'pro', 40), ('u2', 'free', null), ('u3', 'team', 3);"

if pg_start; then
	psql -X -q -v ON_ERROR_STOP=1 -c "$users_sql" \
		-c "create schema analytics" \
		-c "create table analytics.users as select * from users" \
		-c "create view analytics.dim_users as select * from users" >/dev/null
	DATABASE_URL="host=$PGHOST port=$PGPORT user=$PGUSER dbname=$PGDATABASE"
	REDSHIFT_URL=$DATABASE_URL
	export DATABASE_URL REDSHIFT_URL
else
	pg_skip=$db_error
fi
if maria_start; then
	maria -e "create database app; use app; $users_sql"
	MARIA_SOCKET=$maria_dir/sock
else
	maria_skip=$db_error
fi

# run_recipe NAME: run the README block of recipe NAME with the tool
# stand-ins of that recipe and compare its records with the expected.
run_recipe() {
	(
		cd "$samples"
		# shellcheck disable=SC1090
		. "$TEST_DIR/blocks/recipe-$1"
	) >"$1.out" &&
	canonical "$samples/users.expected" >expect &&
	canonical "$1.out" >actual &&
	test_cmp expect actual
}

# The stand-ins below never connect anywhere; these only satisfy set -u.
MSSQL_HOST=mssql.invalid SYNAPSE_HOST=synapse.invalid ES_URL=http://es.invalid
SHEET_ID=sheet LOOKER_URL=https://looker.invalid LOOKER_TOKEN=token

# Stand-ins for tools that need a cloud service.  Each prints the sample
# and checks the arguments the README passes that shape the output.
# NOTE: the samples were written by hand from each tool's documentation,
# not captured from the tools.  How snowsql spells NULL in CSV (an empty
# field here) is the least certain.
bq() {
	case " $* " in *" --format=json "*) ;; *) echo "bq: no --format=json" >&2; return 1 ;; esac
	cat bigquery.json
}
snowsql() {
	case " $* " in *" output_format=csv "*) ;; *) echo "snowsql: not csv" >&2; return 1 ;; esac
	cat snowflake.csv
}
sqlcmd() {
	case "$*" in *"for json path"*) ;; *) echo "sqlcmd: no for json path" >&2; return 1 ;; esac
	cat sqlserver.json
}
bcp() {
	[ "$2" = queryout ] || { echo "bcp: no queryout" >&2; return 1; }
	cat synapse.tsv >"$3"
}
dbsqlcli() {
	cat databricks.csv
}
curl() {
	case "$*" in
	*/_search*) cat elasticsearch.json ;;
	*docs.google.com/spreadsheets/*) cat sheets.csv ;;
	*/api/4.0/looks/*/run/json*) cat looker.json ;;
	*) echo "curl: no sample for $*" >&2; return 1 ;;
	esac
}
mysql() {
	command mysql --no-defaults --socket="$MARIA_SOCKET" -u root "$@"
}

for name in postgres postgres-copy postgres-null-marker redshift dbt; do
	if [ -n "${pg_skip:-}" ]; then
		skip "$name recipe" "$pg_skip"
	else
		check "$name recipe" "run_recipe $name"
	fi
done
if [ -n "${maria_skip:-}" ]; then
	skip "mysql recipe" "$maria_skip"
else
	check 'mysql recipe' 'run_recipe mysql'
fi
for name in bigquery snowflake sqlserver synapse databricks elasticsearch \
	sheets looker; do
	check "$name recipe" "run_recipe $name"
done

done_testing
