/* Record identity for heap-diff: which object a Heap record describes
 * (its key) and a hash of its properties in a canonical form, so that
 * two records Heap would store the same way compare equal.
 */
#ifndef HEAPSYNC_CANON_H
#define HEAPSYNC_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

enum object_type {
	OBJECT_NONE = 0,  /* not known yet */
	OBJECT_USER,      /* keyed by identity */
	OBJECT_ACCOUNT,   /* keyed by account_id */
	OBJECT_EVENT      /* keyed by idempotency_key */
};

/* Return "user", "account" or "event" ("unknown" for OBJECT_NONE). */
const char *object_type_name(enum object_type type);
/* Return the type named NAME, or OBJECT_NONE when NAME names none. */
enum object_type object_type_parse(const char *name);
/* Return the record field that holds the key of TYPE. */
const char *object_key_field(enum object_type type);

/* Key, type and hashes of one record, as heap-diff and the state use them. */
struct record_digest {
	enum object_type type;
	const char *key;        /* borrowed from the record; valid until the
	                           next record_digest_parse or _release */
	size_t key_len;
	char props_hex[33];     /* 128-bit hash of the canonical properties,
	                           as hex; empty for events */
	uint64_t props_hash;    /* the first 64 bits of props_hex */
	uint64_t line_hash;     /* canon_line_hash of the whole line */
	json_t *root;           /* the parsed record, owned */
	struct buf canon;       /* canonical properties, reused per record */
};

#define RECORD_DIGEST_INIT { OBJECT_NONE, NULL, 0, "", 0, 0, NULL, BUF_INIT }

/* Parse one NDJSON line into D.  Returns false when the line is not a
 * Heap record, with the reason in WHY (lowercase, no final period).
 * Reasons are invalid JSON, no key field, a key that is not a non-empty
 * string, properties that are not an object, or an event without
 * idempotency_key. */
bool record_digest_parse(struct record_digest *d, const char *line,
    size_t len, char *why, size_t why_size);
/* Free what D holds; D can be parsed into again afterwards. */
void record_digest_release(struct record_digest *d);

/* Return the 64-bit hash that heap-diff uses for a record key. */
uint64_t canon_key_hash(const char *key, size_t len);
/* Return the 64-bit hash of a record's line exactly as read. */
uint64_t canon_line_hash(const char *line, size_t len);
/* Find the key of a TYPE record in LINE by text search alone, without
 * parsing: the text after the first "FIELD":" up to the next quote.
 * Returns false when there is none or it holds a backslash.  The guess
 * may be wrong for unusual lines, so it may only be trusted when the
 * whole line then matches a line committed under that key. */
bool canon_guess_key(const char *line, size_t len, enum object_type type,
    const char **key, size_t *key_len);
/* Return the first 64 bits of a 32-digit hex hash, as written by
 * hash128_hex; the state file stores the hex, memory the 64 bits. */
uint64_t canon_hex_prefix(const char *hex);

#endif
