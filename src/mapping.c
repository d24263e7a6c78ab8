#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "hash.h"
#include "mapping.h"
#include "msg.h"
#include "utf8.h"
#include "value.h"

/* Heap's limits, counted in characters (code points). */
#define MAX_VALUE_CHARS 1023
#define MAX_IDENTITY_CHARS 255

/* JSON columns whose truncation was reported; later ones go unreported. */
#define MAX_WARNED_NAMES 64

enum value_type {
	TYPE_AUTO,      /* text stays text, JSON numbers stay numbers */
	TYPE_STRING,
	TYPE_NUMBER,
	TYPE_BOOL,
	TYPE_TIMESTAMP,
	TYPE_JSON
};

static const char *const type_names[] = {
	[TYPE_STRING] = "string", [TYPE_NUMBER] = "number",
	[TYPE_BOOL] = "bool", [TYPE_TIMESTAMP] = "timestamp",
	[TYPE_JSON] = "json"
};

/* What the options make of a column.  These are bits because one column
 * can play several parts, such as the key and a mapped property. */
enum {
	ROLE_KEY = 1,
	ROLE_EVENT = 2,
	ROLE_TIMESTAMP = 4,
	ROLE_INSERT_ID = 8,
	ROLE_EXCLUDED = 16,  /* -x */
	ROLE_SHADOWED = 32   /* a --set constant has the column's name */
};
#define ROLE_SPECIAL (ROLE_KEY | ROLE_EVENT | ROLE_TIMESTAMP | ROLE_INSERT_ID)
#define ROLE_NOT_DEFAULT (ROLE_SPECIAL | ROLE_EXCLUDED | ROLE_SHADOWED)

/* One property made from a column. */
struct rule {
	char *property;
	size_t property_len;
	enum value_type type;
	bool warned_long;    /* the truncation warning was printed */
	struct rule *next;   /* the next -m of the same column */
};

/* The plan for one column: its roles and the properties it becomes. */
struct slot {
	unsigned roles;
	struct rule *rules;
	const char *name;    /* the column name, for messages */
	size_t name_len;
};

/* A column named on the command line. */
struct column {
	char *name;
	size_t name_len;
	bool required;       /* named by -k, -e, -t, -i, -m or -x */
	unsigned header_position;  /* 1-based; 0 when not in the header */
	struct slot slot;
	struct rule **last_rule;
};

struct constant {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

struct mapping {
	struct mapping_options opts;
	bool has_maps;       /* any -m: send only mapped columns */

	struct column **columns;
	size_t column_count;
	struct column **table;     /* open addressing over column names */
	size_t table_mask;

	struct constant *constants;
	size_t constant_count;

	/* The CSV plan: one slot per header column. */
	struct slot *slots;
	size_t slot_count;
	struct rule *default_rules;

	/* JSON fields sent under their own name share this rule. */
	struct rule json_default;
	char *warned_names[MAX_WARNED_NAMES];
	size_t warned_count;

	bool warned_zone;
	unsigned long line;  /* line of the row being mapped */

	struct buf props;
	struct buf number;
	struct buf canonical;
	struct buf json_name;
	struct buf json_text;
};

/* The fields of one row that make the record's top-level keys. */
struct row_keys {
	const struct field *key;
	const struct field *event;
	const struct field *timestamp;
	const struct field *insert_id;
};

static const char *
key_label(const struct mapping *m)
{
	return m->opts.object == OBJECT_ACCOUNT ? "account_id" : "identity";
}

static bool
is_reserved_property(const struct mapping *m, const char *name, size_t len)
{
	return m->opts.object == OBJECT_USER && len == 2 &&
	    strncasecmp(name, "id", 2) == 0;
}

static struct column *
column_get(struct mapping *m, const char *name, size_t len)
{
	struct column *c;

	for (size_t i = 0; i < m->column_count; i++) {
		c = m->columns[i];
		if (c->name_len == len && memcmp(c->name, name, len) == 0)
			return c;
	}

	c = xcalloc(1, sizeof *c);
	c->name = xstrndup(name, len);
	c->name_len = len;
	c->slot.name = c->name;
	c->slot.name_len = len;
	c->last_rule = &c->slot.rules;
	m->columns = xrealloc(m->columns,
	    (m->column_count + 1) * sizeof *m->columns);
	m->columns[m->column_count++] = c;
	return c;
}

static void
add_role(struct mapping *m, const char *name, unsigned role)
{
	struct column *c;

	if (name == NULL)
		return;
	c = column_get(m, name, strlen(name));
	c->slot.roles |= role;
	c->required = true;
}

struct mapping *
mapping_new(const struct mapping_options *opts)
{
	struct mapping *m = xcalloc(1, sizeof *m);

	m->opts = *opts;
	add_role(m, opts->key_column, ROLE_KEY);
	add_role(m, opts->event_column, ROLE_EVENT);
	add_role(m, opts->timestamp_column, ROLE_TIMESTAMP);
	add_role(m, opts->insert_id_column, ROLE_INSERT_ID);
	return m;
}

static enum value_type
parse_type(const char *name, size_t len, const char *spec)
{
	for (size_t t = TYPE_STRING; t <= TYPE_JSON; t++)
		if (strlen(type_names[t]) == len &&
		    memcmp(type_names[t], name, len) == 0)
			return (enum value_type)t;
	usage_hint("invalid type '%.*s' in '-m %s'; use string, number, "
	    "bool, timestamp or json", (int)len, name, spec);
}

void
mapping_add_map(struct mapping *m, const char *spec)
{
	const char *equals = strchr(spec, '=');
	size_t column_len = equals ? (size_t)(equals - spec) : strlen(spec);
	enum value_type type = TYPE_AUTO;
	const char *property;
	struct column *c;
	struct rule *r;

	/* The type follows the last colon, so a column name can hold colons
	 * as long as a type is given. */
	for (size_t i = column_len; i-- > 0;) {
		if (spec[i] != ':')
			continue;
		type = parse_type(spec + i + 1, column_len - i - 1, spec);
		column_len = i;
		break;
	}
	if (column_len == 0)
		usage_hint("missing column name in '-m %s'", spec);
	property = equals ? equals + 1 : spec;
	if (equals && *property == '\0')
		usage_hint("missing property name after '=' in '-m %s'", spec);
	if (!utf8_valid(spec, strlen(spec)))
		usage_hint("'-m %s' is not valid UTF-8", spec);

	c = column_get(m, spec, column_len);
	c->required = true;
	r = xcalloc(1, sizeof *r);
	r->property = equals ? xstrdup(property) : xstrndup(spec, column_len);
	r->property_len = strlen(r->property);
	r->type = type;
	*c->last_rule = r;
	c->last_rule = &r->next;
	m->has_maps = true;
}

void
mapping_add_exclude(struct mapping *m, const char *column)
{
	if (*column == '\0')
		usage_hint("missing column name after -x");
	add_role(m, column, ROLE_EXCLUDED);
}

void
mapping_add_constant(struct mapping *m, const char *spec)
{
	const char *equals = strchr(spec, '=');
	struct constant *k;

	if (equals == NULL || equals == spec)
		usage_hint("invalid '--set %s'; use --set PROPERTY=VALUE", spec);
	if (!utf8_valid(spec, strlen(spec)))
		usage_hint("'--set %s' is not valid UTF-8", spec);
	if (utf8_count(equals + 1, strlen(equals + 1)) > MAX_VALUE_CHARS)
		usage_hint("the value of '--set %.*s' has over %d characters, "
		    "more than Heap allows", (int)(equals - spec), spec,
		    MAX_VALUE_CHARS);

	m->constants = xrealloc(m->constants,
	    (m->constant_count + 1) * sizeof *m->constants);
	k = &m->constants[m->constant_count++];
	k->name = xstrndup(spec, (size_t)(equals - spec));
	k->name_len = (size_t)(equals - spec);
	k->value = xstrdup(equals + 1);
	k->value_len = strlen(k->value);
}

/* Name of a property made by a -m or --set, for conflict checks. */
struct property_source {
	const char *property;
	size_t property_len;
	const char *column;  /* NULL for a --set constant */
};

static void
check_properties(struct mapping *m)
{
	struct property_source *all = NULL;
	size_t count = 0;

	for (size_t i = 0; i < m->column_count; i++) {
		for (struct rule *r = m->columns[i]->slot.rules; r; r = r->next) {
			all = xrealloc(all, (count + 1) * sizeof *all);
			all[count++] = (struct property_source){ r->property,
			    r->property_len, m->columns[i]->name };
		}
	}
	for (size_t i = 0; i < m->constant_count; i++) {
		all = xrealloc(all, (count + 1) * sizeof *all);
		all[count++] = (struct property_source){ m->constants[i].name,
		    m->constants[i].name_len, NULL };
	}

	for (size_t i = 0; i < count; i++) {
		if (is_reserved_property(m, all[i].property, all[i].property_len)) {
			if (all[i].column)
				usage_hint("column '%s' is mapped to the user "
				    "property '%s', which Heap rejects; use "
				    "-m %s=NEW_NAME", all[i].column,
				    all[i].property, all[i].column);
			usage_hint("Heap rejects a user property named '%s'; "
			    "choose another name in --set", all[i].property);
		}
		for (size_t j = 0; j < i; j++)
			if (all[j].property_len == all[i].property_len &&
			    memcmp(all[j].property, all[i].property,
			    all[i].property_len) == 0)
				usage_hint("property '%s' is set twice; give "
				    "one a new name with -m COLUMN=NEW_NAME",
				    all[i].property);
	}
	free(all);
}

static size_t
name_hash(const char *name, size_t len)
{
	return (size_t)hash64(name, len, 0);
}

static void
build_table(struct mapping *m)
{
	size_t size = 16;

	while (size < m->column_count * 2)
		size *= 2;
	m->table = xcalloc(size, sizeof *m->table);
	m->table_mask = size - 1;
	for (size_t i = 0; i < m->column_count; i++) {
		struct column *c = m->columns[i];
		size_t at = name_hash(c->name, c->name_len) & m->table_mask;

		while (m->table[at])
			at = (at + 1) & m->table_mask;
		m->table[at] = c;
	}
}

static struct column *
table_find(const struct mapping *m, const char *name, size_t len)
{
	size_t at = name_hash(name, len) & m->table_mask;

	for (struct column *c; (c = m->table[at]) != NULL;
	    at = (at + 1) & m->table_mask)
		if (c->name_len == len && memcmp(c->name, name, len) == 0)
			return c;
	return NULL;
}

void
mapping_check(struct mapping *m)
{
	for (size_t i = 0; i < m->column_count; i++) {
		struct column *c = m->columns[i];

		if ((c->slot.roles & ROLE_EXCLUDED) && c->slot.rules)
			usage_hint("column '%s' is both mapped with -m and "
			    "excluded with -x", c->name);
	}
	check_properties(m);

	/* A constant replaces the column of the same name that would
	 * otherwise be sent by default. */
	for (size_t i = 0; i < m->constant_count; i++) {
		struct constant *k = &m->constants[i];

		column_get(m, k->name, k->name_len)->slot.roles |= ROLE_SHADOWED;
	}

	build_table(m);
}

/* The plan for column NAME when no option names it. */
static struct slot
default_slot(struct mapping *m, const char *name, size_t len)
{
	struct slot s = { 0, NULL, name, len };

	if (!m->has_maps)
		s.rules = &m->json_default;
	return s;
}

/* The plan for a named column, after -m, -x and the other options. */
static struct slot
named_slot(const struct mapping *m, const struct column *c)
{
	struct slot s = c->slot;

	if (!m->has_maps && !(s.roles & ROLE_NOT_DEFAULT))
		s.rules = (struct rule *)&m->json_default;
	return s;
}

static void
list_header(struct buf *b, const char *const *columns, size_t count)
{
	for (size_t i = 0; i < count && i < 50; i++)
		buf_addf(b, "%s'%s'", i ? ", " : "", columns[i]);
	if (count > 50)
		buf_addf(b, " and %zu more", count - 50);
}

static void
check_header_has(struct mapping *m, const char *const *columns, size_t count)
{
	for (size_t i = 0; i < m->column_count; i++) {
		struct column *c = m->columns[i];
		struct buf list = BUF_INIT;

		if (!c->required || c->header_position)
			continue;
		list_header(&list, columns, count);
		fatal(EXIT_USAGE, "%s: column '%s' not found in the header; "
		    "the columns are: %s", m->opts.input_name, c->name,
		    list.data ? list.data : "none");
	}
}

/* Make a slot for header column I sent under its own name; checks that
 * the name can become a property. */
static void
plan_default(struct mapping *m, size_t i, const char *name)
{
	struct rule *r = &m->default_rules[i];

	if (*name == '\0')
		fatal(EXIT_USAGE, "%s: column %zu has no name; name it in the "
		    "query or choose columns with -m", m->opts.input_name, i + 1);
	if (is_reserved_property(m, name, strlen(name)))
		fatal(EXIT_USAGE, "%s: column '%s' would become the user "
		    "property '%s', which Heap rejects; use -m %s=NEW_NAME or "
		    "-x %s", m->opts.input_name, name, name, name, name);

	r->property = xstrdup(name);
	r->property_len = strlen(name);
	r->type = TYPE_AUTO;
	m->slots[i].rules = r;
}

static void
check_duplicate(struct mapping *m, const char *const *columns, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(columns[j], columns[i]) == 0)
			fatal(EXIT_USAGE, "%s: column '%s' appears more than "
			    "once in the header; rename one in the query",
			    m->opts.input_name, columns[i]);
}

/* Note where each named column sits in the header, so a missing one is
 * reported before anything is planned. */
static void
find_named_columns(struct mapping *m, const char *const *columns,
    size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct column *c = table_find(m, columns[i], strlen(columns[i]));

		if (c == NULL)
			continue;
		if (c->header_position && c->required)
			check_duplicate(m, columns, i);
		c->header_position = (unsigned)i + 1;
	}
	check_header_has(m, columns, count);
}

void
mapping_bind_header(struct mapping *m, const char *const *columns,
    size_t count)
{
	find_named_columns(m, columns, count);
	m->slots = xcalloc(count, sizeof *m->slots);
	m->slot_count = count;
	m->default_rules = xcalloc(count, sizeof *m->default_rules);

	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(columns[i]);
		struct column *c = table_find(m, columns[i], len);
		struct slot *s = &m->slots[i];

		if (c) {
			*s = named_slot(m, c);
			if (c->slot.roles == ROLE_SHADOWED && !m->has_maps)
				warn("%s: column '%s' is not sent because --set "
				    "%s replaces it", m->opts.input_name,
				    c->name, c->name);
		} else {
			*s = default_slot(m, columns[i], len);
		}
		s->name = columns[i];
		s->name_len = len;
		if (s->rules == &m->json_default) {
			check_duplicate(m, columns, i);
			plan_default(m, i, columns[i]);
		}
	}
}

static bool
reject(struct mapping_error *err, unsigned column, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool
reject(struct mapping_error *err, unsigned column, const char *fmt, ...)
{
	va_list ap;

	err->column = column;
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

static void
trim(const char **text, size_t *len)
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
};

static bool
add_string(struct mapping *m, const struct target *t, const char *text,
    size_t len, struct mapping_error *err)
{
	if (len > MAX_VALUE_CHARS) {
		size_t chars = utf8_count(text, len);

		if (chars > MAX_VALUE_CHARS) {
			if (m->opts.long_values == LONG_VALUES_REJECT)
				return reject(err, t->field->column,
				    "value of column '%s' has %zu characters; "
				    "Heap allows %d", t->field->name, chars,
				    MAX_VALUE_CHARS);
			warn_long(m, t->rule, t->field, chars);
			len = utf8_prefix(text, len, MAX_VALUE_CHARS);
		}
	}
	props_add_string(&m->props, t->name, t->name_len, text, len);
	return true;
}

/* Heap reads a JSON number as a double, which holds every integer up to
 * 2^53 but not all int64 values, so a larger integer is sent as text.
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
		props_add_number(&m->props, t->name, t->name_len,
		    m->number.data, m->number.len);
		return true;
	case NUMBER_BIG_INTEGER:
	case NUMBER_INEXACT:
		if (m->opts.big_numbers == BIG_NUMBERS_REJECT)
			return reject(err, f->column, "number '%.*s' in column "
			    "'%s' does not fit a double without losing digits "
			    "(--big-numbers string sends it as text)",
			    excerpt(text, len), text, f->name);
		trim(&text, &len);
		return add_string(m, t, text, len, err);
	case NUMBER_INVALID:
		break;
	}
	return reject(err, f->column, "value '%.*s' in column '%s' is not a "
	    "number", excerpt(text, len), text, f->name);
}

static bool
add_bool(struct mapping *m, const struct target *t, const char *text,
    size_t len, struct mapping_error *err)
{
	bool value;

	if (!bool_parse(text, len, &value))
		return reject(err, t->field->column, "value '%.*s' in column "
		    "'%s' is not a boolean", excerpt(text, len), text,
		    t->field->name);
	if (value)
		props_add_string(&m->props, t->name, t->name_len, "true", 4);
	else
		props_add_string(&m->props, t->name, t->name_len, "false", 5);
	return true;
}

/* Turn field F into Heap's timestamp form in OUT; WHAT names it in
 * messages. */
static bool
convert_timestamp(struct mapping *m, const struct field *f, const char *what,
    char out[TIMESTAMP_LEN + 1], struct mapping_error *err)
{
	int64_t ms;

	switch (timestamp_parse(f->text, f->len, &m->opts.zone, &ms)) {
	case TIMESTAMP_NO_ZONE:
		if (!m->warned_zone)
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
	return reject(err, f->column, "%s '%.*s' in column '%s' is not a "
	    "valid date and time", what, excerpt(f->text, f->len), f->text,
	    f->name);
}

static bool add_json(struct mapping *m, const struct target *t,
    struct mapping_error *err);

static bool
add_property(struct mapping *m, struct rule *r, const struct field *f,
    struct mapping_error *err)
{
	struct target t = { r, r->property, r->property_len, f };
	char stamp[TIMESTAMP_LEN + 1];

	if (r == &m->json_default) {
		t.name = f->name;
		t.name_len = f->name_len;
	}
	if (f->type == FIELD_NULL) {
		if (m->opts.nulls == NULLS_EMPTY)
			props_add_string(&m->props, t.name, t.name_len, "", 0);
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
			return reject(err, f->column, "value '%s' in column "
			    "'%s' is not a number", f->text, f->name);
		return add_number(m, &t, f->text, f->len, err);
	case TYPE_BOOL:
		return add_bool(m, &t, f->text, f->len, err);
	case TYPE_TIMESTAMP:
		if (!convert_timestamp(m, f, "timestamp", stamp, err))
			return false;
		props_add_string(&m->props, t.name, t.name_len, stamp,
		    TIMESTAMP_LEN);
		return true;
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
		props_add_string(&m->props, t->name, t->name_len, "true", 4);
		return true;
	case JSON_FALSE:
		props_add_string(&m->props, t->name, t->name_len, "false", 5);
		return true;
	case JSON_NULL:
		if (m->opts.nulls == NULLS_EMPTY)
			props_add_string(&m->props, t->name, t->name_len, "", 0);
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

	root = json_loadb(f->text, f->len, JSON_DECODE_ANY, &jerr);
	if (root == NULL)
		return reject(err, f->column, "value of column '%s' is not "
		    "valid JSON: %s", f->name, jerr.text);

	buf_reset(&m->json_name);
	buf_add(&m->json_name, t->name, t->name_len);
	ok = add_json_value(m, t, root, err);
	json_decref(root);
	return ok;
}

/* Find the plan for field F of the row being mapped. */
static struct slot
field_slot(struct mapping *m, const struct field *f)
{
	struct column *c;
	struct slot s;

	if (m->slots) {
		if (f->column >= 1 && f->column <= m->slot_count)
			return m->slots[f->column - 1];
		return (struct slot){ 0, NULL, f->name, f->name_len };
	}

	c = table_find(m, f->name, f->name_len);
	s = c ? named_slot(m, c) : default_slot(m, f->name, f->name_len);
	if (s.rules == &m->json_default &&
	    is_reserved_property(m, f->name, f->name_len))
		fatal(EXIT_USAGE, "%s:%lu: field '%s' would become the user "
		    "property '%s', which Heap rejects; use -m %s=NEW_NAME or "
		    "-x %s", m->opts.input_name, m->line, f->name, f->name,
		    f->name, f->name);
	return s;
}

static bool
add_properties(struct mapping *m, const struct row *row,
    struct row_keys *keys, struct mapping_error *err)
{
	props_begin(&m->props);
	for (size_t i = 0; i < row->count; i++) {
		const struct field *f = &row->fields[i];
		struct slot s = field_slot(m, f);

		if (s.roles & ROLE_SPECIAL) {
			if (s.roles & ROLE_KEY)
				keys->key = f;
			if (s.roles & ROLE_EVENT)
				keys->event = f;
			if (s.roles & ROLE_TIMESTAMP)
				keys->timestamp = f;
			if (s.roles & ROLE_INSERT_ID)
				keys->insert_id = f;
		}
		for (struct rule *r = s.rules; r; r = r->next)
			if (!add_property(m, r, f, err))
				return false;
	}
	for (size_t i = 0; i < m->constant_count; i++) {
		struct constant *k = &m->constants[i];

		props_add_string(&m->props, k->name, k->name_len, k->value,
		    k->value_len);
	}
	props_end(&m->props);
	return true;
}

/* Check a key-like field: present, not null, trimmed, not empty, and at
 * most MAX characters long. */
static bool
take_key(const struct field *f, const char *what, const char *column,
    size_t max, const char **text, size_t *len, struct mapping_error *err)
{
	size_t chars;

	if (f == NULL)
		return reject(err, 0, "%s column '%s' is missing", what, column);
	if (f->type == FIELD_NULL)
		return reject(err, f->column, "%s is null", what);

	*text = f->text;
	*len = f->len;
	trim(text, len);
	if (*len == 0)
		return reject(err, f->column, "%s is empty", what);
	if (*len > max && (chars = utf8_count(*text, *len)) > max)
		return reject(err, f->column, "%s has %zu characters; Heap "
		    "allows %zu", what, chars, max);
	return true;
}

static bool
fill_event(struct mapping *m, const struct row_keys *keys,
    struct record *rec, char stamp[TIMESTAMP_LEN + 1],
    struct mapping_error *err)
{
	const struct mapping_options *o = &m->opts;

	if (o->event_name) {
		rec->event = o->event_name;
		rec->event_len = strlen(o->event_name);
	} else if (!take_key(keys->event, "event name", o->event_column,
	    MAX_VALUE_CHARS, &rec->event, &rec->event_len, err)) {
		return false;
	}

	if (keys->timestamp == NULL)
		return reject(err, 0, "timestamp column '%s' is missing",
		    o->timestamp_column);
	if (keys->timestamp->type == FIELD_NULL)
		return reject(err, keys->timestamp->column, "timestamp is null");
	if (!convert_timestamp(m, keys->timestamp, "timestamp", stamp, err))
		return false;
	rec->timestamp = stamp;
	rec->timestamp_len = TIMESTAMP_LEN;

	if (o->insert_id_column)
		return take_key(keys->insert_id, "insert id",
		    o->insert_id_column, MAX_VALUE_CHARS,
		    &rec->idempotency_key, &rec->idempotency_key_len, err);
	return true;
}

/* Derive an idempotency key from everything the record says, so the same
 * row sent twice carries the same key and Heap keeps one event. */
static void
derive_key(struct mapping *m, struct record *rec, char hex[33])
{
	struct buf *c = &m->canonical;

	buf_reset(c);
	buf_add(c, rec->key, rec->key_len);
	buf_addc(c, '\0');
	buf_add(c, rec->event, rec->event_len);
	buf_addc(c, '\0');
	buf_add(c, rec->timestamp, rec->timestamp_len);
	buf_addc(c, '\0');
	buf_add(c, rec->properties, rec->properties_len);
	hash128_hex(c->data, c->len, hex);
	rec->idempotency_key = hex;
	rec->idempotency_key_len = 32;
}

bool
mapping_apply(struct mapping *m, const struct row *row, struct buf *out,
    struct mapping_error *err)
{
	struct row_keys keys = { 0 };
	struct record rec = { .object = m->opts.object };
	char stamp[TIMESTAMP_LEN + 1];
	char hex[33];
	size_t max_key = m->opts.object == OBJECT_ACCOUNT ?
	    MAX_VALUE_CHARS : MAX_IDENTITY_CHARS;

	m->line = row->line;
	if (!add_properties(m, row, &keys, err))
		return false;
	rec.properties = m->props.data;
	rec.properties_len = m->props.len;

	if (!take_key(keys.key, key_label(m), m->opts.key_column, max_key,
	    &rec.key, &rec.key_len, err))
		return false;
	if (m->opts.object == OBJECT_EVENT) {
		if (!fill_event(m, &keys, &rec, stamp, err))
			return false;
		if (rec.idempotency_key == NULL)
			derive_key(m, &rec, hex);
	}

	record_write(out, &rec);
	return true;
}

static void
free_rules(struct rule *r)
{
	while (r) {
		struct rule *next = r->next;

		free(r->property);
		free(r);
		r = next;
	}
}

void
mapping_free(struct mapping *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->column_count; i++) {
		free_rules(m->columns[i]->slot.rules);
		free(m->columns[i]->name);
		free(m->columns[i]);
	}
	free(m->columns);
	free(m->table);
	for (size_t i = 0; i < m->constant_count; i++) {
		free(m->constants[i].name);
		free(m->constants[i].value);
	}
	free(m->constants);
	for (size_t i = 0; i < m->slot_count; i++)
		free(m->default_rules[i].property);
	free(m->default_rules);
	free(m->slots);
	for (size_t i = 0; i < m->warned_count; i++)
		free(m->warned_names[i]);
	buf_release(&m->props);
	buf_release(&m->number);
	buf_release(&m->canonical);
	buf_release(&m->json_name);
	buf_release(&m->json_text);
	free(m);
}
