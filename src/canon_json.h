/* Canonical JSON text: one spelling for each JSON value, so values that
 * Heap stores the same way give the same bytes to hash.  heap-diff hashes
 * properties in this form to detect changes, and heap-map to derive
 * idempotency keys.  Both store or send those hashes, so the form must
 * never change between versions. */
#ifndef HEAPSYNC_CANON_JSON_H
#define HEAPSYNC_CANON_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "buf.h"

/* Append the canonical form of VALUE (borrowed) to OUT: object keys in
 * byte order, no white space, strings as JSON literals, and each number
 * in one spelling, so 1, 1.0 and 1e0 give "1" while "1" stays a string. */
void canon_append(struct buf *out, const json_t *value);

/* Append the same canonical form for TEXT, a flat JSON object of valid
 * UTF-8 whose values are strings or numbers, without building a jansson
 * value, and return true.  Return false, with OUT unchanged, where this
 * path leaves TEXT to json_loadb and canon_append.  Those cases are a
 * name with an escape, a string escaped otherwise than buf_add_json_string
 * does, a repeated name, a number jansson rejects, more than 128 members,
 * white space, and any text that is not such an object. */
bool canon_append_flat(struct buf *out, const char *text, size_t len);

#endif
