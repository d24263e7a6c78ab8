#include "config.h"

#include <string.h>

#include "buf.h"
#include "record.h"

/* Append a string literal, without its terminating NUL. */
#define ADD_LITERAL(out, text) buf_add((out), (text), sizeof(text) - 1)

void
record_write(struct buf *out, const struct record *rec)
{
	if (rec->object == OBJECT_ACCOUNT)
		ADD_LITERAL(out, "{\"account_id\":");
	else
		ADD_LITERAL(out, "{\"identity\":");
	buf_add_json_string(out, rec->key, rec->key_len);

	if (rec->object == OBJECT_EVENT) {
		ADD_LITERAL(out, ",\"event\":");
		buf_add_json_string(out, rec->event, rec->event_len);
		ADD_LITERAL(out, ",\"timestamp\":");
		buf_add_json_string(out, rec->timestamp, rec->timestamp_len);
		ADD_LITERAL(out, ",\"idempotency_key\":");
		buf_add_json_string(out, rec->idempotency_key,
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
	buf_add_json_string(props, name, len);
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
	buf_add_json_string(props, value, len);
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
