#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "record.h"

/* Append a string literal, without its terminating NUL. */
#define ADD_LITERAL(out, text) buf_add((out), (text), sizeof(text) - 1)

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/* Whether any of the 8 bytes in WORD is below 0x20, '"' or '\\': the
 * bytes that JSON strings must escape.  (X - ONES * N) & ~X & HIGHS is
 * nonzero exactly when some byte of X is below N, for N up to 0x80, so
 * N = 1 finds a zero byte, and a byte equal to B is a zero in X ^ B. */
static bool
word_needs_escape(uint64_t word)
{
	uint64_t quote = word ^ (ONES * '"');
	uint64_t backslash = word ^ (ONES * '\\');

	return (((word - ONES * 0x20) & ~word) |
	    ((quote - ONES) & ~quote) |
	    ((backslash - ONES) & ~backslash)) & HIGHS;
}

static bool
needs_escape(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t word;

		memcpy(&word, p + i, 8);
		if (word_needs_escape(word))
			return true;
	}
	if (i < len) {
		uint64_t word = 0;

		/* Pad the tail with 'a', which needs no escape. */
		memset(&word, 'a', sizeof word);
		memcpy(&word, p + i, len - i);
		return word_needs_escape(word);
	}
	return false;
}

/* Append S as a JSON string.  Most values need no escape and are copied
 * whole; the rest go through buf_add_json_string. */
static void
add_json_string(struct buf *out, const char *s, size_t len)
{
	if (needs_escape(s, len)) {
		buf_add_json_string(out, s, len);
		return;
	}
	buf_grow(out, len + 2);
	out->data[out->len++] = '"';
	memcpy(out->data + out->len, s, len);
	out->len += len;
	out->data[out->len++] = '"';
	out->data[out->len] = '\0';
}

void
record_write(struct buf *out, const struct record *rec)
{
	if (rec->object == OBJECT_ACCOUNT)
		ADD_LITERAL(out, "{\"account_id\":");
	else
		ADD_LITERAL(out, "{\"identity\":");
	add_json_string(out, rec->key, rec->key_len);

	if (rec->object == OBJECT_EVENT) {
		ADD_LITERAL(out, ",\"event\":");
		add_json_string(out, rec->event, rec->event_len);
		ADD_LITERAL(out, ",\"timestamp\":");
		add_json_string(out, rec->timestamp, rec->timestamp_len);
		ADD_LITERAL(out, ",\"idempotency_key\":");
		add_json_string(out, rec->idempotency_key,
		    rec->idempotency_key_len);
	}

	ADD_LITERAL(out, ",\"properties\":");
	buf_add(out, rec->properties, rec->properties_len);
	ADD_LITERAL(out, "}\n");
}

void
props_begin(struct buf *props)
{
	buf_reset(props);
	buf_addc(props, '{');
}

void
props_add_name(struct buf *props, const char *name, size_t len)
{
	if (props->len > 1)
		buf_addc(props, ',');
	add_json_string(props, name, len);
	buf_addc(props, ':');
}

void
props_quote_name(struct buf *quoted, const char *name, size_t len)
{
	buf_reset(quoted);
	buf_add_json_string(quoted, name, len);
	buf_addc(quoted, ':');
}

void
props_add_quoted_name(struct buf *props, const char *quoted, size_t len)
{
	if (props->len > 1)
		buf_addc(props, ',');
	buf_add(props, quoted, len);
}

void
props_add_string(struct buf *props, const char *value, size_t len)
{
	add_json_string(props, value, len);
}

void
props_add_number(struct buf *props, const char *number, size_t len)
{
	buf_add(props, number, len);
}

void
props_end(struct buf *props)
{
	buf_addc(props, '}');
}
