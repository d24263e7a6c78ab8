/* The state file of heap-diff: an SQLite database that stores, for each
 * record key Heap accepted, a hash of the properties last committed.
 * man/heap-diff.1 documents its tables for users of sqlite3(1).
 */
#ifndef HEAPSYNC_STATE_H
#define HEAPSYNC_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "canon.h"

/* Schema version this code reads and writes (PRAGMA user_version). */
#define STATE_SCHEMA_VERSION 1

struct state;

/* Take the lock file PATH.lock for a diff run and keep it until the
 * process exits.  Exits with EXIT_INPUT, naming the holder, when another
 * process holds it.  Skips locking when HEAPSYNC_LOCK_FD names an open
 * descriptor of that same lock file, held by a parent such as heap-sync. */
void state_lock(const char *path);

/* Open the state at PATH, creating it with mode 0600 when it is missing
 * or an empty database.  TYPE, when not OBJECT_NONE, is recorded as the
 * object type of a new state.  Exits with EXIT_INPUT when PATH is not a
 * heapsync state or has a newer schema. */
struct state *state_open(const char *path, enum object_type type);
void state_close(struct state *st);

/* Return the object type recorded in the state, or OBJECT_NONE when no
 * record has been committed and none was given at creation. */
enum object_type state_type(const struct state *st);
const char *state_path(const struct state *st);

/* An open-addressing hash table of 64-bit keys, 24 bytes a slot, for
 * the committed (key hash, properties hash, line hash) triples.  Key 0
 * marks an empty slot, so callers never store it. */
struct key_slot {
	uint64_t key;
	uint64_t props;  /* properties hash; its low bit is the caller's */
	uint64_t line;   /* hash of the committed line, canon_line_hash */
};

struct key_table {
	struct key_slot *slots;
	size_t mask;   /* slot count - 1; the slot count is a power of 2 */
	size_t count;
};

void key_table_init(struct key_table *t, size_t expected);
/* Return the slot of KEY, adding it with zero hashes when absent; *ADDED
 * tells which.  The pointer is valid until the next upsert. */
struct key_slot *key_table_upsert(struct key_table *t, uint64_t key,
    bool *added);
/* Return the slot of KEY, or NULL when absent. */
struct key_slot *key_table_find(const struct key_table *t, uint64_t key);
void key_table_release(struct key_table *t);
/* Return the non-zero table key for a record key's hash. */
uint64_t key_table_key(uint64_t hash);

/* Load every committed record into T, keyed by key_table_key of
 * canon_key_hash.  PROPS holds the first 63 bits of the properties hash
 * with the low bit 0, free for the caller's use (0 for events).  Reads in one transaction, so a commit running
 * at the same time is seen whole or not at all. */
void state_load(struct state *st, struct key_table *t);

/* Commit mode.  state_put writes one accepted record inside a
 * transaction that state_begin opens and state_commit ends; the first
 * record of a state without a type sets it.  Returns false, writing
 * nothing, when D is of another type than the state. */
void state_begin(struct state *st);
bool state_put(struct state *st, const struct record_digest *d);
void state_commit(struct state *st);
bool state_in_transaction(const struct state *st);

#endif
