#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "msg.h"
#include "state.h"

/* PRAGMA application_id of every heapsync state: "HSYN" in ASCII. */
#define STATE_APPLICATION_ID 0x4853594e

/* How long a commit waits for another commit's transaction to end. */
#define BUSY_TIMEOUT_MS 30000

struct state {
	sqlite3 *db;
	char *path;
	enum object_type type;
	sqlite3_stmt *put;
	bool in_transaction;
	char committed_at[32];
};

/* The open state and the lock file path, kept in static storage so that
 * a fatal exit from deep inside an SQLite call leaves them reachable,
 * which leak checkers do not report.  The path lives as long as the lock,
 * until the process exits. */
static struct state *volatile opened;
static char *held_lock_path;

static const char schema_sql[] =
	"CREATE TABLE meta ("
	" name TEXT PRIMARY KEY,"
	" value TEXT NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE records ("
	" key TEXT PRIMARY KEY,"
	" hash TEXT,"
	" line_hash INTEGER NOT NULL,"
	" committed_at TEXT NOT NULL"
	") WITHOUT ROWID;";

static void
iso8601_now(char *out, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static _Noreturn void
fail_db(struct state *st, const char *what)
{
	fatal(EXIT_INPUT, "state '%s': cannot %s: %s", st->path, what,
	    sqlite3_errmsg(st->db));
}

static void
exec_sql(struct state *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_db(st, what);
}

/* Run SQL that returns one integer; *CODE is SQLITE_OK unless it failed. */
static long long
query_int(struct state *st, const char *sql, int *code)
{
	sqlite3_stmt *stmt;
	long long value = 0;

	*code = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
	if (*code != SQLITE_OK)
		return 0;
	*code = sqlite3_step(stmt);
	if (*code == SQLITE_ROW) {
		value = sqlite3_column_int64(stmt, 0);
		*code = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return value;
}

/* ---- locking ---- */

/* Return true when HEAPSYNC_LOCK_FD names an open descriptor of the
 * file LOCK_PATH, which means a parent process holds the lock for us. */
static bool
lock_inherited(const char *lock_path)
{
	const char *env = getenv("HEAPSYNC_LOCK_FD");
	struct stat held, ours;
	char *end;
	long fd;

	if (env == NULL || *env == '\0')
		return false;
	fd = strtol(env, &end, 10);
	if (*end != '\0' || fd < 0 || fd > 1 << 20 ||
	    fstat((int)fd, &held) != 0 || stat(lock_path, &ours) != 0 ||
	    held.st_dev != ours.st_dev || held.st_ino != ours.st_ino) {
		note("HEAPSYNC_LOCK_FD=%s is not an open descriptor of '%s'; "
		    "taking the lock", env, lock_path);
		return false;
	}
	note("lock '%s' is held by the parent process (HEAPSYNC_LOCK_FD=%ld)",
	    lock_path, fd);
	return true;
}

static _Noreturn void
fail_locked(const char *path, int fd)
{
	char line[512], program[64], host[256], since[64];
	ssize_t n = pread(fd, line, sizeof line - 1, 0);
	long pid;

	line[n > 0 ? n : 0] = '\0';
	if (sscanf(line, "%ld %63s %255s %63s", &pid, program, host,
	    since) == 4)
		fatal(EXIT_INPUT, "state '%s' is in use by pid %ld (%s on %s, "
		    "since %s); wait for that run to finish", path, pid,
		    program, host, since);
	fatal(EXIT_INPUT, "state '%s' is in use by another process, which "
	    "left no holder line in '%s.lock'; wait for that run to finish",
	    path, path);
}

void
state_lock(const char *path)
{
	size_t len = strlen(path) + sizeof ".lock";
	char host[256] = "unknown", since[32], line[512];
	const char *lock_path;
	int fd, n;

	held_lock_path = xmalloc(len);
	snprintf(held_lock_path, len, "%s.lock", path);
	lock_path = held_lock_path;
	if (lock_inherited(lock_path))
		return;

	fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		fatal(EXIT_INPUT, "cannot open lock file '%s': %s", lock_path,
		    strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			fail_locked(path, fd);
		fatal(EXIT_INPUT, "cannot lock '%s': %s", lock_path,
		    strerror(errno));
	}

	/* The holder line only explains a conflict to the next run.  The lock
	 * itself is the flock, which the kernel releases when we exit, so the
	 * file is left in place. */
	gethostname(host, sizeof host - 1);
	host[sizeof host - 1] = '\0';
	iso8601_now(since, sizeof since);
	n = snprintf(line, sizeof line, "%ld %s %s %s\n", (long)getpid(),
	    msg_program(), host, since);
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != n)
		warn("cannot write holder line to '%s': %s", lock_path,
		    strerror(errno));
	/* fd stays open until exit: closing it would release the lock. */
}

/* ---- opening and creating ---- */

/* Create PATH with mode 0600 unless it exists.  SQLite would create it
 * with 0644 less the umask, but the state lists every key sent to Heap. */
static void
create_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0) {
		close(fd);
		return;
	}
	if (errno != EEXIST)
		fatal(EXIT_INPUT, "cannot create state '%s': %s", path,
		    strerror(errno));
}

static void
set_meta(struct state *st, const char *name, const char *value)
{
	sqlite3_stmt *stmt;

	if (sqlite3_prepare_v2(st->db, "INSERT OR IGNORE INTO meta(name, value)"
	    " VALUES (?, ?)", -1, &stmt, NULL) != SQLITE_OK)
		fail_db(st, "prepare a statement");
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) != SQLITE_DONE)
		fail_db(st, "write table 'meta'");
	sqlite3_finalize(stmt);
}

/* Write the schema into an empty database.  Another process may be
 * doing the same, so the check is repeated inside the write lock. */
static void
create_schema(struct state *st, enum object_type type)
{
	char sql[128], now[32];
	int code;

	exec_sql(st, "BEGIN IMMEDIATE", "start a transaction");
	if (query_int(st, "PRAGMA application_id", &code) ==
	    STATE_APPLICATION_ID) {
		exec_sql(st, "COMMIT", "commit");
		return;
	}

	exec_sql(st, schema_sql, "create the schema");
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d;"
	    " PRAGMA user_version = %d", STATE_APPLICATION_ID,
	    STATE_SCHEMA_VERSION);
	exec_sql(st, sql, "create the schema");
	iso8601_now(now, sizeof now);
	set_meta(st, "created_at", now);
	set_meta(st, "created_by", msg_program());
	set_meta(st, "created_by_version", HEAPSYNC_VERSION);
	if (type != OBJECT_NONE)
		set_meta(st, "object_type", object_type_name(type));
	exec_sql(st, "COMMIT", "commit the schema");
	note("created state '%s'", st->path);
}

/* Make sure the open database is a heapsync state we can read, creating
 * the schema in an empty one; exit with a message otherwise. */
static void
check_format(struct state *st, enum object_type type)
{
	long long app_id, version, tables;
	int code;

	app_id = query_int(st, "PRAGMA application_id", &code);
	if (code != SQLITE_OK)
		fatal(EXIT_INPUT, "state '%s' is not a heapsync state file (%s); "
		    "move it away or give another --state", st->path,
		    sqlite3_errmsg(st->db));
	tables = query_int(st, "SELECT count(*) FROM sqlite_master", &code);
	if (code != SQLITE_OK)
		fail_db(st, "read the schema");

	if (app_id == 0 && tables == 0) {
		create_schema(st, type);
		app_id = STATE_APPLICATION_ID;
	}
	if (app_id != STATE_APPLICATION_ID)
		fatal(EXIT_INPUT, "state '%s' is an SQLite database but not a "
		    "heapsync state; move it away or give another --state",
		    st->path);

	version = query_int(st, "PRAGMA user_version", &code);
	if (code != SQLITE_OK)
		fail_db(st, "read the schema version");
	if (version > STATE_SCHEMA_VERSION)
		fatal(EXIT_INPUT, "state '%s' has schema version %lld, newer than "
		    "the version %d that this %s reads; upgrade heapsync",
		    st->path, version, STATE_SCHEMA_VERSION, msg_program());
	if (version < 1)
		fatal(EXIT_INPUT, "state '%s' has an invalid schema version %lld; "
		    "move it away or give another --state", st->path, version);
}

static enum object_type
read_type(struct state *st)
{
	sqlite3_stmt *stmt;
	enum object_type type = OBJECT_NONE;
	const char *name;

	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta"
	    " WHERE name = 'object_type'", -1, &stmt, NULL) != SQLITE_OK)
		fail_db(st, "read table 'meta'");
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		name = (const char *)sqlite3_column_text(stmt, 0);
		type = object_type_parse(name ? name : "");
		if (type == OBJECT_NONE)
			fatal(EXIT_INPUT, "state '%s' has an unknown object type "
			    "'%s'", st->path, name ? name : "");
	}
	sqlite3_finalize(stmt);
	return type;
}

struct state *
state_open(const char *path, enum object_type type)
{
	struct state *st = xcalloc(1, sizeof *st);

	opened = st;
	st->path = xstrdup(path);
	create_file(path);
	if (sqlite3_open_v2(path, &st->db,
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		fatal(EXIT_INPUT, "cannot open state '%s': %s", path,
		    st->db ? sqlite3_errmsg(st->db) : "out of memory");
	sqlite3_busy_timeout(st->db, BUSY_TIMEOUT_MS);

	check_format(st, type);
	/* WAL lets a diff read while the commit stage of the same pipeline
	 * writes.  With NORMAL sync every commit survives a crash of the
	 * process.  After a power loss the last commits may roll back, so
	 * their records are sent again: users and accounts are simply
	 * updated, and Heap drops events whose idempotency_key it has. */
	exec_sql(st, "PRAGMA journal_mode = WAL", "switch to WAL mode");
	exec_sql(st, "PRAGMA synchronous = NORMAL", "set synchronous mode");
	st->type = read_type(st);
	return st;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	if (st->in_transaction)
		state_commit(st);
	sqlite3_finalize(st->put);
	if (sqlite3_close(st->db) != SQLITE_OK)
		error("cannot close state '%s': %s", st->path,
		    sqlite3_errmsg(st->db));
	free(st->path);
	free(st);
	opened = NULL;
}

enum object_type
state_type(const struct state *st)
{
	return st->type;
}

const char *
state_path(const struct state *st)
{
	return st->path;
}

/* ---- the key table ---- */

/* Return zeroed memory for SLOTS slots.  Each lookup lands on a random
 * slot, so a large table is asked for in 2 MB huge pages where Linux
 * has them: with 4 KB pages nearly every lookup also misses the TLB. */
static struct key_slot *
allocate_slots(size_t slots)
{
	size_t size = slots * sizeof(struct key_slot);
	size_t huge = 2 * 1024 * 1024;
	void *memory;

	if (size < 2 * huge || posix_memalign(&memory, huge, size) != 0)
		return xcalloc(slots, sizeof(struct key_slot));
#ifdef MADV_HUGEPAGE
	madvise(memory, size, MADV_HUGEPAGE);
#endif
	memset(memory, 0, size);
	return memory;
}

void
key_table_init(struct key_table *t, size_t expected)
{
	size_t slots = 1024;

	/* Keep the load at or below 3/4 so linear probes stay short. */
	while (slots / 4 * 3 < expected)
		slots *= 2;
	t->slots = allocate_slots(slots);
	t->mask = slots - 1;
	t->count = 0;
}

static void
grow(struct key_table *t)
{
	struct key_table bigger;
	bool added;

	key_table_init(&bigger, (t->mask + 1) / 4 * 3 + 1);
	for (size_t i = 0; i <= t->mask; i++)
		if (t->slots[i].key != 0)
			*key_table_upsert(&bigger, t->slots[i].key, &added) =
			    t->slots[i];
	free(t->slots);
	*t = bigger;
}

struct key_slot *
key_table_upsert(struct key_table *t, uint64_t key, bool *added)
{
	size_t i;

	if (t->count + 1 > (t->mask + 1) / 4 * 3)
		grow(t);
	for (i = key & t->mask; t->slots[i].key != 0; i = (i + 1) & t->mask)
		if (t->slots[i].key == key) {
			*added = false;
			return &t->slots[i];
		}
	t->slots[i] = (struct key_slot){ .key = key };
	t->count++;
	*added = true;
	return &t->slots[i];
}

struct key_slot *
key_table_find(const struct key_table *t, uint64_t key)
{
	for (size_t i = key & t->mask; t->slots[i].key != 0;
	    i = (i + 1) & t->mask)
		if (t->slots[i].key == key)
			return &t->slots[i];
	return NULL;
}

void
key_table_release(struct key_table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->mask = t->count = 0;
}

uint64_t
key_table_key(uint64_t hash)
{
	return hash != 0 ? hash : 1;
}

/* ---- reading and committing ---- */

/* Rows loaded between prefetches: enough to overlap the cache misses of
 * inserting them, few enough to stay in the L1 cache. */
#define LOAD_BATCH 32

/* Insert COUNT loaded slots into T, first prefetching the cache line each
 * one lands on, so the random memory accesses overlap. */
static void
insert_batch(struct key_table *t, const struct key_slot *batch, size_t count)
{
	bool added;

	for (size_t i = 0; i < count; i++)
		__builtin_prefetch(&t->slots[batch[i].key & t->mask], 1);
	for (size_t i = 0; i < count; i++) {
		struct key_slot *slot = key_table_upsert(t, batch[i].key, &added);

		slot->props = batch[i].props;
		slot->line = batch[i].line;
	}
}

void
state_load(struct state *st, struct key_table *t)
{
	struct key_slot batch[LOAD_BATCH];
	size_t pending = 0;
	sqlite3_stmt *stmt;
	long long rows;
	int code;

	exec_sql(st, "BEGIN", "start a transaction");
	rows = query_int(st, "SELECT count(*) FROM records", &code);
	if (code != SQLITE_OK)
		fail_db(st, "count the records");
	key_table_init(t, (size_t)rows);

	if (sqlite3_prepare_v2(st->db, "SELECT key, hash, line_hash"
	    " FROM records", -1, &stmt, NULL) != SQLITE_OK)
		fail_db(st, "read table 'records'");
	while ((code = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(stmt, 0);
		size_t len = (size_t)sqlite3_column_bytes(stmt, 0);
		const char *hex = (const char *)sqlite3_column_text(stmt, 1);
		struct key_slot *slot = &batch[pending++];

		/* NOTE: two keys whose 64-bit hashes collide share a slot, so
		 * one of them may be taken as unchanged.  By the birthday
		 * bound, the chance at a million keys is about 3 in 10^8. */
		slot->key = key_table_key(canon_key_hash(key ? key : "", len));
		slot->props = hex ? canon_hex_prefix(hex) & ~UINT64_C(1) : 0;
		slot->line = (uint64_t)sqlite3_column_int64(stmt, 2);
		if (pending == LOAD_BATCH) {
			insert_batch(t, batch, pending);
			pending = 0;
		}
	}
	insert_batch(t, batch, pending);
	if (code != SQLITE_DONE)
		fail_db(st, "read table 'records'");
	sqlite3_finalize(stmt);
	exec_sql(st, "COMMIT", "end a transaction");
	note("loaded %zu keys from state '%s'", t->count, st->path);
}

void
state_begin(struct state *st)
{
	/* Keys arrive in any order, so each insert may touch another B-tree
	 * page.  A cache larger than SQLite's 2 MB default keeps those pages
	 * in memory instead of re-reading them for every batch. */
	if (st->put == NULL)
		exec_sql(st, "PRAGMA cache_size = -32768", "set the cache size");
	exec_sql(st, "BEGIN IMMEDIATE", "start a transaction");
	st->in_transaction = true;
	iso8601_now(st->committed_at, sizeof st->committed_at);
}

bool
state_in_transaction(const struct state *st)
{
	return st->in_transaction;
}

/* Record TYPE as the state's type unless another process did first;
 * returns false when the state turns out to hold another type. */
static bool
fix_type(struct state *st, enum object_type type)
{
	set_meta(st, "object_type", object_type_name(type));
	st->type = read_type(st);
	return st->type == type;
}

bool
state_put(struct state *st, const struct record_digest *d)
{
	if (st->type == OBJECT_NONE && !fix_type(st, d->type))
		return false;
	if (d->type != st->type)
		return false;

	if (st->put == NULL && sqlite3_prepare_v2(st->db,
	    "INSERT OR REPLACE INTO records(key, hash, line_hash, committed_at)"
	    " VALUES (?, ?, ?, ?)", -1, &st->put, NULL) != SQLITE_OK)
		fail_db(st, "prepare a statement");
	sqlite3_bind_text(st->put, 1, d->key, (int)d->key_len, SQLITE_STATIC);
	if (d->type == OBJECT_EVENT)
		sqlite3_bind_null(st->put, 2);
	else
		sqlite3_bind_text(st->put, 2, d->props_hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st->put, 3, (sqlite3_int64)d->line_hash);
	sqlite3_bind_text(st->put, 4, st->committed_at, -1, SQLITE_STATIC);
	if (sqlite3_step(st->put) != SQLITE_DONE)
		fail_db(st, "write table 'records'");
	sqlite3_reset(st->put);
	return true;
}

void
state_commit(struct state *st)
{
	exec_sql(st, "COMMIT", "commit");
	st->in_transaction = false;
}
