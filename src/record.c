#include "config.h"

#include <string.h>

#include "buf.h"
#include "record.h"

/* Append a constant key with its quotes, colon and leading comma. */
#define ADD_KEY(out, text) buf_add((out), (text), sizeof(text) - 1)

void
record_write(struct buf *out, const struct record *rec)
{
	if (rec->object == OBJECT_ACCOUNT)
		ADD_KEY(out, "{\"account_id\":");
	else
		ADD_KEY(out, "{\"identity\":");
	buf_add_json_string(out, rec->key, rec->key_len);

	if (rec->object == OBJECT_EVENT) {
		ADD_KEY(out, ",\"event\":");
		buf_add_json_string(out, rec->event, rec->event_len);
		ADD_KEY(out, ",\"timestamp\":");
		buf_add_json_string(out, rec->timestamp, rec->timestamp_len);
		ADD_KEY(out, ",\"idempotency_key\":");
		buf_add_json_string(out, rec->idempotency_key,
		    rec->idempotency_key_len);
	}

	ADD_KEY(out, ",\"properties\":");
	buf_add(out, rec->properties, rec->properties_len);
	ADD_KEY(out, "}\n");
}

void
props_begin(struct buf *props)
{
	buf_reset(props);
	buf_addc(props, '{');
}

static void
add_name(struct buf *props, const char *name, size_t name_len)
{
	if (props->len > 1)
		buf_addc(props, ',');
	buf_add_json_string(props, name, name_len);
	buf_addc(props, ':');
}

void
props_add_string(struct buf *props, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	add_name(props, name, name_len);
	buf_add_json_string(props, value, value_len);
}

void
props_add_number(struct buf *props, const char *name, size_t name_len,
    const char *number, size_t number_len)
{
	add_name(props, name, name_len);
	buf_add(props, number, number_len);
}

void
props_end(struct buf *props)
{
	buf_addc(props, '}');
}
