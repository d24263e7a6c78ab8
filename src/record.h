/* Heap records as heap-map writes them: one NDJSON line per record, with
 * the keys always in the order of Heap's bulk API items, so later
 * programs in the pipeline can compare records byte for byte:
 *
 *   user:    {"identity":...,"properties":{...}}
 *   account: {"account_id":...,"properties":{...}}
 *   event:   {"identity":...,"event":...,"timestamp":...,
 *             "idempotency_key":...,"properties":{...}}
 */
#ifndef HEAPSYNC_RECORD_H
#define HEAPSYNC_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum object_type { OBJECT_USER, OBJECT_ACCOUNT, OBJECT_EVENT };

/* One record; every string is valid UTF-8 and need not be NUL-terminated.
 * PROPERTIES is the text of a JSON object, braces included.  The event
 * fields are ignored for users and accounts. */
struct record {
	enum object_type object;
	const char *key;
	size_t key_len;
	const char *event;
	size_t event_len;
	const char *timestamp;
	size_t timestamp_len;
	const char *idempotency_key;
	size_t idempotency_key_len;
	const char *properties;
	size_t properties_len;
};

/* Append REC to OUT as one line, newline included. */
void record_write(struct buf *out, const struct record *rec);

/* Build a properties object in a reused buffer: props_begin, then for
 * each property a name and a value, then props_end.  Names and string
 * values must be valid UTF-8; NUMBER must already be a valid JSON number.
 * A name used on every row can be escaped once with props_quote_name and
 * added with props_add_quoted_name, which saves escaping it per row. */
void props_begin(struct buf *props);
void props_add_name(struct buf *props, const char *name, size_t len);
void props_quote_name(struct buf *quoted, const char *name, size_t len);
void props_add_quoted_name(struct buf *props, const char *quoted,
    size_t len);
/* Returns false when VALUE contains a NUL byte.  It is written as
 * \u0000, which heap-diff and heap-send (through jansson) cannot read. */
bool props_add_string(struct buf *props, const char *value, size_t len);
void props_add_number(struct buf *props, const char *number, size_t len);
void props_end(struct buf *props);

#endif
