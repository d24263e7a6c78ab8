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

/* Append S as a JSON string, and return false when it contains a NUL
 * byte.  Most values need no escape, so S is copied 8 bytes at a time
 * while each word is checked, and the last word overlaps the one before.
 * At the first byte that needs an escape, the whole string goes through
 * buf_add_json_string, which writes over the partial copy. */
static bool
add_json_string(struct buf *out, const char *s, size_t len)
{
	char *d;
	uint64_t word;

	if (out->len + len + 2 >= out->cap)
		buf_grow(out, len + 2);
	d = out->data + out->len + 1;
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8) {
			memcpy(&word, s + i, 8);
			if (word_needs_escape(word))
				goto escape;
			memcpy(d + i, &word, 8);
		}
		memcpy(&word, s + len - 8, 8);
		if (word_needs_escape(word))
			goto escape;
		memcpy(d + len - 8, &word, 8);
	} else {
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c < 0x20 || c == '"' || c == '\\')
				goto escape;
			d[i] = (char)c;
		}
	}
	d[-1] = '"';
	d[len] = '"';
	d[len + 1] = '\0';
	out->len += len + 2;
	return true;

escape:
	buf_add_json_string(out, s, len);
	return memchr(s, '\0', len) == NULL;
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

bool
props_add_string(struct buf *props, const char *value, size_t len)
{
	return add_json_string(props, value, len);
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
