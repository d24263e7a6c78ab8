#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "canon_json.h"
#include "hash.h"
#include "msg.h"

/* Seeds keep key hashes apart from any other use of hash64. */
#define KEY_HASH_SEED UINT64_C(0x6865617064696666)  /* "heapdiff" */
#define LINE_HASH_SEED UINT64_C(0x686561706c696e65) /* "heapline" */

static const char *const type_names[] = {
	[OBJECT_NONE] = "unknown",
	[OBJECT_USER] = "user",
	[OBJECT_ACCOUNT] = "account",
	[OBJECT_EVENT] = "event",
};

static const char *const key_fields[] = {
	[OBJECT_NONE] = "identity",
	[OBJECT_USER] = "identity",
	[OBJECT_ACCOUNT] = "account_id",
	[OBJECT_EVENT] = "idempotency_key",
};

const char *
object_type_name(enum object_type type)
{
	return type_names[type];
}

enum object_type
object_type_parse(const char *name)
{
	for (int t = OBJECT_USER; t <= OBJECT_EVENT; t++)
		if (strcmp(name, type_names[t]) == 0)
			return (enum object_type)t;
	return OBJECT_NONE;
}

const char *
object_key_field(enum object_type type)
{
	return key_fields[type];
}

/* Heap's event items carry "event"; accounts carry "account_id"; users
 * carry neither.  An event is known by either of its own fields, so an
 * event that lacks idempotency_key is still recognised and rejected. */
static enum object_type
detect_type(const json_t *root)
{
	if (json_object_get(root, "event") || json_object_get(root,
	    "idempotency_key"))
		return OBJECT_EVENT;
	if (json_object_get(root, "account_id"))
		return OBJECT_ACCOUNT;
	if (json_object_get(root, "identity"))
		return OBJECT_USER;
	return OBJECT_NONE;
}

uint64_t
canon_key_hash(const char *key, size_t len)
{
	return hash64(key, len, KEY_HASH_SEED);
}

uint64_t
canon_line_hash(const char *line, size_t len)
{
	return hash64(line, len, LINE_HASH_SEED);
}

/* Return the first NEEDLE in TEXT, or NULL; memmem is a GNU extension. */
static const char *
find(const char *text, size_t len, const char *needle, size_t needle_len)
{
	const char *end = text + len, *p = text;

	while ((p = memchr(p, needle[0], (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) < needle_len)
			return NULL;
		if (memcmp(p, needle, needle_len) == 0)
			return p;
		p++;
	}
	return NULL;
}

bool
canon_guess_key(const char *line, size_t len, enum object_type type,
    const char **key, size_t *key_len)
{
	static const char *const patterns[] = {
		[OBJECT_NONE] = "\"identity\":\"",
		[OBJECT_USER] = "\"identity\":\"",
		[OBJECT_ACCOUNT] = "\"account_id\":\"",
		[OBJECT_EVENT] = "\"idempotency_key\":\"",
	};
	size_t plen = strlen(patterns[type]);
	const char *start, *end;

	start = find(line, len, patterns[type], plen);
	if (start == NULL)
		return false;
	start += plen;
	end = memchr(start, '"', len - (size_t)(start - line));
	if (end == NULL || end == start || memchr(start, '\\',
	    (size_t)(end - start)) != NULL)
		return false;
	*key = start;
	*key_len = (size_t)(end - start);
	return true;
}

uint64_t
canon_hex_prefix(const char *hex)
{
	/* Digit values plus one, so 0 marks a byte that is not a hex digit.
	 * A table lookup is faster than three range tests per digit when a
	 * million hashes are loaded. */
	static const unsigned char digits[256] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
		['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
		['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
		['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14,
		['E'] = 15, ['F'] = 16,
	};
	uint64_t value = 0;

	for (int i = 0; i < 16; i++) {
		unsigned digit = digits[(unsigned char)hex[i]];

		if (digit == 0)
			return value;
		value = value << 4 | (digit - 1);
	}
	return value;
}

static bool
fail(char *why, size_t why_size, const char *fmt, const char *arg)
{
	snprintf(why, why_size, fmt, arg);
	return false;
}

/* Hash the canonical properties of a user or account into D. */
static bool
digest_properties(struct record_digest *d, char *why, size_t why_size)
{
	json_t *props = json_object_get(d->root, "properties");

	if (props == NULL)
		return fail(why, why_size, "%s", "record has no properties");
	if (!json_is_object(props))
		return fail(why, why_size, "%s", "properties is not an object");

	buf_reset(&d->canon);
	canon_append(&d->canon, props);
	hash128_hex(d->canon.data, d->canon.len, d->props_hex);
	d->props_hash = canon_hex_prefix(d->props_hex);
	return true;
}

static void
clear(struct record_digest *d)
{
	json_decref(d->root);
	d->root = NULL;
	d->type = OBJECT_NONE;
	d->key = NULL;
	d->key_len = 0;
	d->props_hex[0] = '\0';
	d->props_hash = 0;
	d->line_hash = 0;
}

bool
record_digest_parse(struct record_digest *d, const char *line, size_t len,
    char *why, size_t why_size)
{
	json_error_t err;
	const char *field;
	json_t *key;

	clear(d);
	d->line_hash = canon_line_hash(line, len);
	d->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
	if (d->root == NULL)
		return fail(why, why_size, "invalid JSON: %s", err.text);
	if (!json_is_object(d->root))
		return fail(why, why_size, "%s", "record is not a JSON object");

	d->type = detect_type(d->root);
	if (d->type == OBJECT_NONE)
		return fail(why, why_size, "%s",
		    "record has no identity, account_id or idempotency_key");
	field = object_key_field(d->type);
	key = json_object_get(d->root, field);
	if (key == NULL)
		return fail(why, why_size, "event has no %s", field);
	if (!json_is_string(key) || json_string_length(key) == 0)
		return fail(why, why_size, "%s is not a non-empty string",
		    field);
	d->key = json_string_value(key);
	d->key_len = json_string_length(key);

	if (d->type == OBJECT_EVENT)
		return true;
	return digest_properties(d, why, why_size);
}

void
record_digest_release(struct record_digest *d)
{
	clear(d);
	buf_release(&d->canon);
}
