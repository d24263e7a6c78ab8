/* Property values: Heap's types and limits applied to one field. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mapping_impl.h"
#include "msg.h"
#include "record.h"
#include "utf8.h"
#include "value.h"

bool
mapping_reject(struct mapping_error *err, unsigned column, const char *fmt,
    ...)
{
	va_list ap;

	err->column = column;
	err->stop = false;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	va_end(ap);
	return false;
}

/* Shorten TEXT for a message, at a character boundary. */
static int
excerpt(const char *text, size_t len)
{
	return (int)utf8_prefix(text, len, 40);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

void
mapping_trim(const char **text, size_t *len)
{
	while (*len && is_space(**text)) {
		(*text)++;
		(*len)--;
	}
	while (*len && is_space((*text)[*len - 1]))
		(*len)--;
}

static void
warn_long(struct mapping *m, struct rule *r, const struct field *f,
    size_t chars)
{
	if (r == &m->json_default) {
		for (size_t i = 0; i < m->warned_count; i++)
			if (strcmp(m->warned_names[i], f->name) == 0)
				return;
		if (m->warned_count == MAX_WARNED_NAMES)
			return;
		m->warned_names[m->warned_count++] = xstrdup(f->name);
	} else if (r->warned_long) {
		return;
	}
	r->warned_long = true;

	warn("%s:%lu:%u: column '%s' has a value of %zu characters; "
	    "values over %d characters in this column are cut "
	    "(--long-values reject rejects such rows instead)",
	    m->opts.input_name, m->line, f->column, f->name, chars,
	    MAX_VALUE_CHARS);
}

/* Property NAME for a value of field F planned by rule R. */
struct target {
	struct rule *rule;
	const char *name;
	size_t name_len;
	const struct field *field;
	const struct buf *quoted;  /* NAME escaped ahead, or NULL */
};

static void
add_target_name(struct mapping *m, const struct target *t)
{
	if (m->has_json)
		mapping_note_name(m, t->name, t->name_len);
	if (t->quoted)
		props_add_quoted_name(&m->props, t->quoted->data,
		    t->quoted->len);
	else
		props_add_name(&m->props, t->name, t->name_len);
}

static void
put_string(struct mapping *m, const struct target *t, const char *text,
    size_t len)
{
	add_target_name(m, t);
	props_add_string(&m->props, text, len);
}

static bool
add_string(struct mapping *m, const struct target *t, const char *text,
    size_t len, struct mapping_error *err)
{
	if (len > MAX_VALUE_CHARS) {
		size_t chars = utf8_count(text, len);

		if (chars > MAX_VALUE_CHARS) {
			if (m->opts.long_values == LONG_VALUES_REJECT)
				return mapping_reject(err, t->field->column,
				    "value of column '%s' has %zu characters; "
				    "Heap allows %d", t->field->name, chars,
				    MAX_VALUE_CHARS);
			warn_long(m, t->rule, t->field, chars);
			len = utf8_prefix(text, len, MAX_VALUE_CHARS);
		}
	}
	add_target_name(m, t);
	if (!props_add_string(&m->props, text, len))
		return mapping_reject(err, t->field->column, "value in column "
		    "'%s' contains a NUL character (U+0000), which heap-diff "
		    "and heap-send cannot read; remove it in the query",
		    t->field->name);
	return true;
}

/* Heap reads a JSON number as a double, which represents every integer
 * up to 2^53 but not all int64 values, so a larger integer is sent as
 * text.
 * NOTE: number_classify calls every int64 exact; this narrows it here
 * until the value module does. */
static enum number_class
exact_class(enum number_class class, const struct buf *spelling)
{
	const char *digits = spelling->data;
	size_t len = spelling->len;

	if (class != NUMBER_EXACT || len < 16)
		return class;
	if (*digits == '-') {
		digits++;
		len--;
	}
	if (memchr(digits, '.', len) || memchr(digits, 'e', len) ||
	    memchr(digits, 'E', len))
		return class;
	if (len > 16 || strtoull(digits, NULL, 10) > (1ULL << 53))
		return NUMBER_BIG_INTEGER;
	return class;
}

static bool
add_number(struct mapping *m, const struct target *t, const char *text,
    size_t len, struct mapping_error *err)
{
	const struct field *f = t->field;

	buf_reset(&m->number);
	switch (exact_class(number_classify(text, len, &m->number),
	    &m->number)) {
	case NUMBER_EXACT:
		add_target_name(m, t);
		props_add_number(&m->props, m->number.data, m->number.len);
		return true;
	case NUMBER_BIG_INTEGER:
	case NUMBER_INEXACT:
		if (m->opts.big_numbers == BIG_NUMBERS_REJECT)
			return mapping_reject(err, f->column, "number '%.*s' "
			    "in column '%s' does not fit a double without "
			    "losing digits (--big-numbers string sends it as "
			    "text)",
			    excerpt(text, len), text, f->name);
		mapping_trim(&text, &len);
		return add_string(m, t, text, len, err);
	case NUMBER_INVALID:
		break;
	}
	return mapping_reject(err, f->column, "value '%.*s' in column '%s' is "
	    "not a number", excerpt(text, len), text, f->name);
}

static bool
add_bool(struct mapping *m, const struct target *t, const char *text,
    size_t len, struct mapping_error *err)
{
	bool value;

	if (!bool_parse(text, len, &value))
		return mapping_reject(err, t->field->column, "value '%.*s' in "
		    "column '%s' is not a boolean", excerpt(text, len), text,
		    t->field->name);
	if (value)
		put_string(m, t, "true", 4);
	else
		put_string(m, t, "false", 5);
	return true;
}

/* Return whether TEXT is MySQL's zero date, which stands for "no date"
 * where the server allows it: 0000-00-00, with or without a zero time. */
static bool
is_zero_date(const char *text, size_t len)
{
	size_t i;

	mapping_trim(&text, &len);
	if (len < 10 || memcmp(text, "0000-00-00", 10) != 0)
		return false;
	if (len == 10)
		return true;
	if (len < 19 || (text[10] != ' ' && text[10] != 'T') ||
	    memcmp(text + 11, "00:00:00", 8) != 0)
		return false;
	for (i = 19; i < len && (text[i] == '.' || text[i] == '0'); i++)
		continue;
	return i == len;
}

/* Send a timestamp property, or nothing for a MySQL zero date, which
 * means NULL.  The first zero date of the run gets a warning. */
static bool
add_timestamp(struct mapping *m, const struct target *t,
    struct mapping_error *err)
{
	const struct field *f = t->field;
	char stamp[TIMESTAMP_LEN + 1];

	if (is_zero_date(f->text, f->len)) {
		if (!m->warned_zero_date)
			warn("%s:%lu:%u: '%.*s' in column '%s' is a MySQL zero "
			    "date; sending it and every zero date as NULL",
			    m->opts.input_name, m->line, f->column,
			    excerpt(f->text, f->len), f->text, f->name);
		m->warned_zero_date = true;
		if (m->opts.nulls == NULLS_EMPTY)
			put_string(m, t, "", 0);
		return true;
	}
	if (!mapping_convert_timestamp(m, f, "timestamp", stamp, err))
		return false;
	put_string(m, t, stamp, TIMESTAMP_LEN);
	return true;
}

bool
mapping_convert_timestamp(struct mapping *m, const struct field *f,
    const char *what, char out[TIMESTAMP_LEN + 1], struct mapping_error *err)
{
	int64_t ms;

	switch (timestamp_parse(f->text, f->len, &m->opts.zone, &ms)) {
	case TIMESTAMP_NO_ZONE:
		if (!m->warned_zone && !m->opts.zone_given)
			warn("%s:%lu:%u: %s '%.*s' in column '%s' has no time "
			    "zone; reading it and every such timestamp as %s "
			    "time (change the zone with --timezone)",
			    m->opts.input_name, m->line, f->column, what,
			    excerpt(f->text, f->len), f->text, f->name,
			    m->opts.zone_name);
		m->warned_zone = true;
		/* FALLTHROUGH */
	case TIMESTAMP_OK:
		timestamp_format(ms, out);
		return true;
	case TIMESTAMP_INVALID:
		break;
	}
	if (is_zero_date(f->text, f->len))
		return mapping_reject(err, f->column, "%s '%.*s' in column "
		    "'%s' is a MySQL zero date, which is no time at all; make "
		    "it NULL in the query, or leave such rows out", what,
		    excerpt(f->text, f->len), f->text, f->name);
	return mapping_reject(err, f->column, "%s '%.*s' in column '%s' is not "
	    "a valid date and time; expected an ISO 8601 date and time, a "
	    "date, or epoch seconds or milliseconds", what,
	    excerpt(f->text, f->len), f->text, f->name);
}

static bool add_json(struct mapping *m, const struct target *t,
    struct mapping_error *err);

bool
mapping_add_property(struct mapping *m, struct rule *r, const struct slot *s,
    const struct field *f, struct mapping_error *err)
{
	struct target t = { r, r->property, r->property_len, f, &r->quoted };

	if (r == &m->json_default) {
		t.name = f->name;
		t.name_len = f->name_len;
		t.quoted = s->quoted_name;
	}
	if (f->type == FIELD_NULL) {
		if (m->opts.nulls == NULLS_EMPTY)
			put_string(m, &t, "", 0);
		return true;
	}

	switch (r->type) {
	case TYPE_AUTO:
		if (f->type == FIELD_NUMBER)
			return add_number(m, &t, f->text, f->len, err);
		return add_string(m, &t, f->text, f->len, err);
	case TYPE_STRING:
		return add_string(m, &t, f->text, f->len, err);
	case TYPE_NUMBER:
		if (f->type == FIELD_BOOL)
			return mapping_reject(err, f->column, "value '%s' in "
			    "column '%s' is not a number", f->text, f->name);
		return add_number(m, &t, f->text, f->len, err);
	case TYPE_BOOL:
		return add_bool(m, &t, f->text, f->len, err);
	case TYPE_TIMESTAMP:
		return add_timestamp(m, &t, err);
	case TYPE_JSON:
		return add_json(m, &t, err);
	}
	return true;
}

/* Join the scalars of ARRAY with "||" the way the readers join arrays;
 * returns false when an element is an object or an array. */
static bool
join_scalars(struct buf *b, json_t *array)
{
	size_t i;
	json_t *item;
	char *text;

	json_array_foreach(array, i, item) {
		if (json_is_object(item) || json_is_array(item))
			return false;
		if (i)
			buf_add(b, "||", 2);
		if (json_is_string(item)) {
			buf_add(b, json_string_value(item),
			    json_string_length(item));
		} else if (!json_is_null(item)) {
			text = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
			if (text == NULL)
				fatal(EXIT_INPUT, "out of memory");
			buf_adds(b, text);
			free(text);
		}
	}
	return true;
}

/* Append a JSON array as one string: joined under --arrays join when it
 * holds only scalars, else its compact JSON text. */
static bool
add_json_array(struct mapping *m, const struct target *t, json_t *array,
    struct mapping_error *err)
{
	char *text;

	/* An empty array counts as NULL, as in JSON input, because an
	 * empty string would erase the property in Heap. */
	if (m->opts.arrays == ARRAYS_JOIN && json_array_size(array) == 0) {
		if (m->opts.nulls == NULLS_EMPTY)
			put_string(m, t, "", 0);
		return true;
	}

	buf_reset(&m->json_text);
	buf_add(&m->json_text, "", 0);
	if (m->opts.arrays == ARRAYS_JOIN && join_scalars(&m->json_text, array))
		return add_string(m, t, m->json_text.data, m->json_text.len,
		    err);

	buf_reset(&m->json_text);
	text = json_dumps(array, JSON_COMPACT | JSON_ENCODE_ANY);
	if (text == NULL)
		fatal(EXIT_INPUT, "out of memory");
	buf_adds(&m->json_text, text);
	free(text);
	return add_string(m, t, m->json_text.data, m->json_text.len, err);
}

/* Format a JSON real with the fewest digits that read back the same. */
static void
format_real(double d, char *out, size_t size)
{
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(out, size, "%.*g", precision, d);
		if (strtod(out, NULL) == d)
			return;
	}
}

static bool
add_json_value(struct mapping *m, const struct target *t, json_t *v,
    struct mapping_error *err)
{
	char number[64];
	struct target child = *t;
	size_t base = m->json_name.len;
	const char *key;
	json_t *item;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, key, item) {
			m->json_name.len = base;
			buf_addc(&m->json_name, '.');
			buf_adds(&m->json_name, key);
			child.name = m->json_name.data;
			child.name_len = m->json_name.len;
			child.quoted = NULL;
			if (!add_json_value(m, &child, item, err))
				return false;
		}
		m->json_name.len = base;
		return true;
	case JSON_ARRAY:
		return add_json_array(m, t, v, err);
	case JSON_STRING:
		return add_string(m, t, json_string_value(v),
		    json_string_length(v), err);
	case JSON_INTEGER:
		snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return add_number(m, t, number, strlen(number), err);
	case JSON_REAL:
		format_real(json_real_value(v), number, sizeof number);
		return add_number(m, t, number, strlen(number), err);
	case JSON_TRUE:
		put_string(m, t, "true", 4);
		return true;
	case JSON_FALSE:
		put_string(m, t, "false", 5);
		return true;
	case JSON_NULL:
		if (m->opts.nulls == NULLS_EMPTY)
			put_string(m, t, "", 0);
		return true;
	}
	return true;
}

/* Parse a :json value and send it the way JSON input would be sent:
 * objects flatten to PROPERTY.KEY, arrays follow --arrays.  jansson reads
 * decimals as doubles, so the digits sent are the shortest that give the
 * same double.  NOTE: integers beyond 64 bits make jansson fail, so such
 * a value rejects the row. */
static bool
add_json(struct mapping *m, const struct target *t, struct mapping_error *err)
{
	const struct field *f = t->field;
	json_error_t jerr;
	json_t *root;
	bool ok;

	/* JSON_ALLOW_NUL lets add_string reject a NUL with its own message
	 * rather than jansson's, which names a jansson flag. */
	root = json_loadb(f->text, f->len,
	    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (root == NULL)
		return mapping_reject(err, f->column, "value of column '%s' "
		    "is not valid JSON: %s", f->name, jerr.text);

	buf_reset(&m->json_name);
	buf_add(&m->json_name, t->name, t->name_len);
	ok = add_json_value(m, t, root, err);
	json_decref(root);
	return ok;
}
