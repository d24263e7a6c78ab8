#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "canon_json.h"
#include "hash.h"
#include "mapping.h"
#include "mapping_impl.h"
#include "msg.h"
#include "utf8.h"

static const char *const type_names[] = {
	[TYPE_STRING] = "string", [TYPE_NUMBER] = "number",
	[TYPE_BOOL] = "bool", [TYPE_TIMESTAMP] = "timestamp",
	[TYPE_JSON] = "json"
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
parse_type(const char *name, size_t len, const char *option, const char *spec)
{
	for (size_t t = TYPE_STRING; t <= TYPE_JSON; t++)
		if (strlen(type_names[t]) == len &&
		    memcmp(type_names[t], name, len) == 0)
			return (enum value_type)t;
	usage_hint("invalid type '%.*s' in '%s %s'; use string, number, "
	    "bool, timestamp or json", (int)len, name, option, spec);
}

/* Add the rule of "COLUMN[:TYPE][=PROPERTY]", given with OPTION, and
 * return its column. */
static struct column *
add_rule(struct mapping *m, const char *option, const char *spec)
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
		type = parse_type(spec + i + 1, column_len - i - 1, option, spec);
		column_len = i;
		break;
	}
	if (column_len == 0)
		usage_hint("missing column name in '%s %s'", option, spec);
	property = equals ? equals + 1 : spec;
	if (equals && *property == '\0')
		usage_hint("missing property name after '=' in '%s %s'",
		    option, spec);
	if (!utf8_valid(spec, strlen(spec)))
		usage_hint("'%s %s' is not valid UTF-8", option, spec);

	c = column_get(m, spec, column_len);
	c->required = true;
	r = xcalloc(1, sizeof *r);
	r->property = equals ? xstrdup(property) : xstrndup(spec, column_len);
	r->property_len = strlen(r->property);
	props_quote_name(&r->quoted, r->property, r->property_len);
	r->type = type;
	m->has_json |= type == TYPE_JSON;
	*c->last_rule = r;
	c->last_rule = &r->next;
	return c;
}

void
mapping_add_map(struct mapping *m, const char *spec)
{
	add_rule(m, "-m", spec);
	m->has_maps = true;
}

/* Unlike -m, --rename leaves the other columns sent by default. */
void
mapping_add_rename(struct mapping *m, const char *spec)
{
	const char *equals = strchr(spec, '=');
	struct column *c;

	if (equals == NULL)
		usage_hint("invalid '--rename %s'; use --rename "
		    "COLUMN=PROPERTY", spec);
	c = add_rule(m, "--rename", spec);
	if (c->slot.roles & ROLE_RENAMED)
		usage_hint("column '%s' is renamed twice; give one --rename "
		    "for it", c->name);
	c->slot.roles |= ROLE_RENAMED;
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
	*k = (struct constant){ .quoted = BUF_INIT };
	k->name = xstrndup(spec, (size_t)(equals - spec));
	k->name_len = (size_t)(equals - spec);
	props_quote_name(&k->quoted, k->name, k->name_len);
	k->value = xstrdup(equals + 1);
	k->value_len = strlen(k->value);
}

/* Name of a property made by a -m or --set, for conflict checks. */
struct property_source {
	const char *property;
	size_t property_len;
	const char *column;  /* NULL for a --set constant */
	bool flattens;       /* a :json column, sent as PROPERTY.KEY */
};

/* Reject a property named like a key that the :json column of FLAT
 * would send, because a row could then send that name twice. */
static void
check_flattened(const struct property_source *flat,
    const struct property_source *other)
{
	size_t n = flat->property_len;

	if (!flat->flattens || other->property_len <= n ||
	    memcmp(other->property, flat->property, n) != 0 ||
	    other->property[n] != '.')
		return;
	usage_hint("property '%s' may clash with the keys of the :json column "
	    "'%s', which are sent as '%s.KEY'; give one of them another name "
	    "with -m COLUMN=NEW_NAME", other->property, flat->column,
	    flat->property);
}

static void
check_properties(struct mapping *m)
{
	struct property_source *all = NULL;
	size_t count = 0;

	for (size_t i = 0; i < m->column_count; i++) {
		for (struct rule *r = m->columns[i]->slot.rules; r; r = r->next) {
			all = xrealloc(all, (count + 1) * sizeof *all);
			all[count++] = (struct property_source){ r->property,
			    r->property_len, m->columns[i]->name,
			    r->type == TYPE_JSON };
		}
	}
	for (size_t i = 0; i < m->constant_count; i++) {
		all = xrealloc(all, (count + 1) * sizeof *all);
		all[count++] = (struct property_source){ m->constants[i].name,
		    m->constants[i].name_len, NULL, false };
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
		for (size_t j = 0; j < count; j++)
			check_flattened(&all[j], &all[i]);
	}
	free(all);
}

/* FNV-1a: column names are short, and for them this costs less per row
 * than hash64, which is built for long inputs. */
static size_t
name_hash(const char *name, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 1099511628211ULL;
	}
	return (size_t)h;
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

/* Mark the columns named like a renamed property.  Sent under their own
 * name, they would give the record that property twice. */
static void
mark_rename_targets(struct mapping *m)
{
	size_t count = m->column_count;

	if (m->has_maps)
		return;
	for (size_t i = 0; i < count; i++) {
		struct column *c = m->columns[i], *target;

		if (!(c->slot.roles & ROLE_RENAMED))
			continue;
		target = column_get(m, c->slot.rules->property,
		    c->slot.rules->property_len);
		target->slot.roles |= ROLE_RENAME_TARGET;
		target->renamed_from = c->name;
	}
}

void
mapping_check(struct mapping *m)
{
	for (size_t i = 0; i < m->column_count; i++) {
		struct column *c = m->columns[i];

		if ((c->slot.roles & ROLE_EXCLUDED) && c->slot.rules)
			usage_hint("column '%s' is both mapped with -m or "
			    "--rename and excluded with -x", c->name);
	}
	check_properties(m);
	mark_rename_targets(m);

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
	struct slot s = { 0, NULL, name, len, NULL };

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

/* Return whether NAME reads as a value rather than a column name: a
 * number, a date or an email address.  Exports without a header row
 * (sqlite3 without -header, mysql -N, psql -t) put such values there. */
static bool
looks_like_data(const char *name)
{
	size_t digits = strspn(name, "0123456789");

	if (strchr(name, '@'))
		return true;
	if (digits == 4 && name[4] == '-' && strspn(name + 5, "0123456789") == 2)
		return true;
	name += *name == '-';
	digits = strspn(name, "0123456789.");
	return digits > 0 && name[digits] == '\0';
}

static bool
header_looks_like_data(const char *const *columns, size_t count)
{
	for (size_t i = 0; i < count; i++)
		if (looks_like_data(columns[i]))
			return true;
	return false;
}

static void
check_header_has(struct mapping *m, const char *const *columns, size_t count,
    const char *hint)
{
	for (size_t i = 0; i < m->column_count; i++) {
		struct column *c = m->columns[i];
		struct buf list = BUF_INIT;

		if (!c->required || c->header_position)
			continue;
		list_header(&list, columns, count);
		error("%s: column '%s' not found in the header; the columns "
		    "are: %s", m->opts.input_name, c->name,
		    list.data ? list.data : "none");
		if (hint)
			error("%s: %s", m->opts.input_name, hint);
		else if (header_looks_like_data(columns, count))
			error("%s: the first line looks like data, not a header; "
			    "export with a header row (sqlite3 -header, mysql "
			    "without -N, psql without -t)", m->opts.input_name);
		exit(EXIT_USAGE);
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
		    "property '%s', which Heap rejects; rename it with "
		    "--rename %s=NEW_NAME or leave it out with -x %s",
		    m->opts.input_name, name, name, name, name);

	r->property = xstrdup(name);
	r->property_len = strlen(name);
	props_quote_name(&r->quoted, r->property, r->property_len);
	r->type = TYPE_AUTO;
	m->slots[i].rules = r;
}

/* Whether a column named by an option is read: a key, event, timestamp
 * or insert id column, or one mapped with -m.  A column only excluded
 * with -x or replaced by --set is not. */
static bool
column_is_used(const struct column *c)
{
	return (c->slot.roles & ROLE_SPECIAL) || c->slot.rules != NULL;
}

/* Append to B the 1-based positions of the header columns named NAME,
 * as "1, 4 and 7". */
static void
list_positions(struct buf *b, const char *const *columns, size_t count,
    const char *name)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < count; i++)
		total += strcmp(columns[i], name) == 0;
	for (size_t i = 0; i < count; i++) {
		if (strcmp(columns[i], name) != 0)
			continue;
		buf_addf(b, "%s%zu", k == 0 ? "" : k + 1 == total ? " and " :
		    ", ", i + 1);
		k++;
	}
}

/* Exit 2 when used column I has a name that an earlier header column
 * has too, because the name would then stand for two columns.  An
 * empty name is left to plan_default, which names the column. */
static void
check_duplicate(struct mapping *m, const char *const *columns, size_t count,
    size_t i, bool sent_by_default)
{
	struct buf positions = BUF_INIT;
	size_t j;

	if (*columns[i] == '\0')
		return;
	for (j = 0; j < i; j++)
		if (strcmp(columns[j], columns[i]) == 0)
			break;
	if (j == i)
		return;

	list_positions(&positions, columns, count, columns[i]);
	if (sent_by_default)
		fatal(EXIT_USAGE, "%s: column '%s' is in the header more than "
		    "once (columns %s); rename the columns in the query, leave "
		    "them out with -x '%s', or choose the columns to send with "
		    "-m", m->opts.input_name, columns[i], positions.data,
		    columns[i]);
	fatal(EXIT_USAGE, "%s: column '%s' is in the header more than once "
	    "(columns %s); rename the columns in the query so that each has "
	    "its own name", m->opts.input_name, columns[i], positions.data);
}

/* Note where each named column sits in the header, so a missing one is
 * reported before anything is planned. */
static void
find_named_columns(struct mapping *m, const char *const *columns,
    size_t count, const char *hint)
{
	for (size_t i = 0; i < count; i++) {
		struct column *c = table_find(m, columns[i], strlen(columns[i]));

		if (c == NULL)
			continue;
		if (c->header_position && column_is_used(c))
			check_duplicate(m, columns, count, i, false);
		c->header_position = (unsigned)i + 1;
	}
	check_header_has(m, columns, count, hint);
}

/* Whether column C would be sent under its own name if no --rename
 * took that name. */
static bool
is_rename_target_sent(const struct mapping *m, const struct column *c)
{
	unsigned other = c->slot.roles & ~(unsigned)ROLE_RENAME_TARGET;

	return (c->slot.roles & ROLE_RENAME_TARGET) && !m->has_maps &&
	    !(other & ROLE_NOT_DEFAULT);
}

static void
check_rename_target(const struct mapping *m, const struct column *c)
{
	if (is_rename_target_sent(m, c))
		fatal(EXIT_USAGE, "%s: property '%s' is set twice, by column "
		    "'%s' and by column '%s' renamed with --rename; leave one "
		    "out with -x %s or -x %s", m->opts.input_name, c->name,
		    c->name, c->renamed_from, c->name, c->renamed_from);
}

void
mapping_bind_header(struct mapping *m, const char *const *columns,
    size_t count, const char *hint)
{
	find_named_columns(m, columns, count, hint);
	m->slots = xcalloc(count, sizeof *m->slots);
	m->slot_count = count;
	m->default_rules = xcalloc(count, sizeof *m->default_rules);

	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(columns[i]);
		struct column *c = table_find(m, columns[i], len);
		struct slot *s = &m->slots[i];

		if (c) {
			check_rename_target(m, c);
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
			check_duplicate(m, columns, count, i, true);
			plan_default(m, i, columns[i]);
		}
	}
}

/* Remember F as an example for a named column that F's name extends
 * with a dot, such as 'address.city' for -m address. */
static void
note_nested_field(struct mapping *m, const struct field *f)
{
	for (size_t i = 0; i < f->name_len; i++) {
		struct column *c;

		if (f->name[i] != '.')
			continue;
		c = table_find(m, f->name, i);
		if (c && c->nested_example == NULL)
			c->nested_example = xstrndup(f->name, f->name_len);
	}
}

static struct slot
json_field_slot(struct mapping *m, const struct field *f)
{
	struct column *c = table_find(m, f->name, f->name_len);
	struct slot s;

	if (c)
		c->seen = true;
	note_nested_field(m, f);

	s = c ? named_slot(m, c) : default_slot(m, f->name, f->name_len);
	if (c && !c->warned_renamed && is_rename_target_sent(m, c)) {
		warn("%s:%lu: field '%s' is not sent because --rename %s=%s "
		    "replaces it", m->opts.input_name, m->line, c->name,
		    c->renamed_from, c->name);
		c->warned_renamed = true;
	}
	if (s.rules == &m->json_default &&
	    is_reserved_property(m, f->name, f->name_len))
		m->reserved = f;
	return s;
}

/* Stop the run at a JSON field that would become the user property 'id'.
 * Like such a CSV header column, it needs new options, so rejecting only
 * the row would not be enough. */
static bool
stop_at_reserved(struct mapping *m, struct mapping_error *err)
{
	const char *name = m->reserved->name;

	mapping_reject(err, 0, "field '%s' would become the user property "
	    "'%s', which Heap rejects; rename it with --rename %s=NEW_NAME "
	    "or leave it out with -x %s", name, name, name, name);
	err->stop = true;
	m->reserved = NULL;
	return false;
}

void
mapping_note_name(struct mapping *m, const char *name, size_t len)
{
	if (m->name_count == m->name_cap) {
		m->name_cap = m->name_cap ? 2 * m->name_cap : 64;
		m->name_offsets = xrealloc(m->name_offsets,
		    m->name_cap * sizeof *m->name_offsets);
	}
	m->name_offsets[m->name_count++] = m->row_names.len;
	buf_add(&m->row_names, name, len);
	buf_addc(&m->row_names, '\0');
}

static const char *sorted_names;

static int
compare_names(const void *a, const void *b)
{
	return strcmp(sorted_names + *(const size_t *)a,
	    sorted_names + *(const size_t *)b);
}

/* Reject a row that would send a property name twice: a :json value
 * can flatten to the name of another property, and heap-diff rejects a
 * record with a repeated key. */
static bool
check_row_names(struct mapping *m, struct mapping_error *err)
{
	const char *names = m->row_names.data;

	if (m->name_count < 2)
		return true;
	sorted_names = names;
	qsort(m->name_offsets, m->name_count, sizeof *m->name_offsets,
	    compare_names);
	for (size_t i = 1; i < m->name_count; i++) {
		const char *name = names + m->name_offsets[i];

		if (strcmp(names + m->name_offsets[i - 1], name) == 0)
			return mapping_reject(err, 0, "property '%s' would be "
			    "sent twice in one record, once from a json-typed "
			    "column; give one of its columns another name with "
			    "-m or --rename", name);
	}
	return true;
}

/* Find the plan for field F, the field at position I of the row.  The
 * result stays valid until the next call. */
static const struct slot *
field_slot(struct mapping *m, const struct field *f, size_t i)
{
	static const struct slot unplanned = { 0, NULL, NULL, 0, NULL };
	struct cached_slot *cached;

	if (m->slots) {
		if (f->column >= 1 && f->column <= m->slot_count)
			return &m->slots[f->column - 1];
		return &unplanned;
	}
	if (i >= CACHED_FIELDS) {
		m->uncached_slot = json_field_slot(m, f);
		return &m->uncached_slot;
	}

	cached = &m->cache[i];
	if (cached->name.len != f->name_len || cached->name.data == NULL ||
	    !same_bytes(cached->name.data, f->name, f->name_len)) {
		cached->slot = json_field_slot(m, f);
		buf_reset(&cached->name);
		buf_add(&cached->name, f->name, f->name_len);
		props_quote_name(&cached->quoted_name, f->name, f->name_len);
		cached->slot.quoted_name = &cached->quoted_name;
	}
	return &cached->slot;
}

static bool
add_properties(struct mapping *m, const struct row *row,
    struct row_keys *keys, struct mapping_error *err)
{
	props_begin(&m->props);
	buf_reset(&m->row_names);
	m->name_count = 0;
	for (size_t i = 0; i < row->count; i++) {
		const struct field *f = &row->fields[i];
		const struct slot *s = field_slot(m, f, i);

		if (m->reserved)
			return stop_at_reserved(m, err);
		if (s->roles & ROLE_SPECIAL) {
			if (s->roles & ROLE_KEY)
				keys->key = f;
			if (s->roles & ROLE_EVENT)
				keys->event = f;
			if (s->roles & ROLE_TIMESTAMP)
				keys->timestamp = f;
			if (s->roles & ROLE_INSERT_ID)
				keys->insert_id = f;
		}
		for (struct rule *r = s->rules; r; r = r->next)
			if (!mapping_add_property(m, r, s, f, err))
				return false;
	}
	for (size_t i = 0; i < m->constant_count; i++) {
		struct constant *k = &m->constants[i];

		props_add_quoted_name(&m->props, k->quoted.data, k->quoted.len);
		props_add_string(&m->props, k->value, k->value_len);
		if (m->has_json)
			mapping_note_name(m, k->name, k->name_len);
	}
	props_end(&m->props);
	return !m->has_json || check_row_names(m, err);
}

/* Check a key-like field: present, not null, trimmed, not empty, and at
 * most MAX characters long. */
static bool
take_key(const struct field *f, const char *what, const char *column,
    size_t max, const char **text, size_t *len, struct mapping_error *err)
{
	size_t chars;

	if (f == NULL)
		return mapping_reject(err, 0, "%s column '%s' is missing", what,
		    column);
	if (f->type == FIELD_NULL)
		return mapping_reject(err, f->column, "%s is empty (NULL)",
		    what);

	*text = f->text;
	*len = f->len;
	mapping_trim(text, len);
	if (*len == 0)
		return mapping_reject(err, f->column, "%s is empty", what);
	if (memchr(*text, '\0', *len))
		return mapping_reject(err, f->column, "%s contains a NUL "
		    "character (U+0000), which heap-diff and heap-send cannot "
		    "read; remove it in the query", what);
	if (*len > max && (chars = utf8_count(*text, *len)) > max)
		return mapping_reject(err, f->column, "%s has %zu characters; "
		    "Heap allows %zu", what, chars, max);
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
		return mapping_reject(err, 0, "timestamp column '%s' is "
		    "missing", o->timestamp_column);
	if (keys->timestamp->type == FIELD_NULL)
		return mapping_reject(err, keys->timestamp->column,
		    "timestamp is empty (NULL)");
	if (!mapping_convert_timestamp(m, keys->timestamp, "timestamp", stamp,
	    err))
		return false;
	rec->timestamp = stamp;
	rec->timestamp_len = TIMESTAMP_LEN;

	if (o->insert_id_column)
		return take_key(keys->insert_id, "insert id",
		    o->insert_id_column, MAX_VALUE_CHARS,
		    &rec->idempotency_key, &rec->idempotency_key_len, err);
	return true;
}

/* Derive an idempotency key from everything the record contains, so the
 * same row sent twice carries the same key and Heap keeps one event.
 * The properties are hashed in canonical form, so an amount exported as
 * 30 by one database and 30.00 by another, or columns selected in
 * another order, still give the same key. */
static void
derive_key(struct mapping *m, struct record *rec, char hex[33])
{
	struct buf *c = &m->canonical;
	json_error_t jerr;
	json_t *props;

	buf_reset(c);
	buf_add(c, rec->key, rec->key_len);
	buf_addc(c, '\0');
	buf_add(c, rec->event, rec->event_len);
	buf_addc(c, '\0');
	buf_add(c, rec->timestamp, rec->timestamp_len);
	buf_addc(c, '\0');

	/* Most properties take the fast path, which builds no jansson value.
	 * record.c wrote the properties, so a failed parse is a bug there. */
	if (!canon_append_flat(c, rec->properties, rec->properties_len)) {
		props = json_loadb(rec->properties, rec->properties_len,
		    JSON_ALLOW_NUL, &jerr);
		if (props == NULL)
			fatal(EXIT_INPUT, "%s:%lu: properties written for this "
			    "row are invalid JSON (a bug in heap-map): %s",
			    m->opts.input_name, m->line, jerr.text);
		canon_append(c, props);
		json_decref(props);
	}
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
	m->rows_mapped++;
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

/* NOTE: a row rejected at one of its fields is not looked at beyond
 * it, so a field seen only after such a failure counts as unseen. */
void
mapping_warn_unseen(const struct mapping *m)
{
	if (m->slots || m->rows_mapped == 0)
		return;
	for (size_t i = 0; i < m->column_count; i++) {
		const struct column *c = m->columns[i];

		if (c->seen || c->slot.rules == NULL)
			continue;
		if (c->nested_example)
			warn("field '%s' given with %s was not in any row; "
			    "nested fields such as '%s' are named with a dot",
			    c->name, c->slot.roles & ROLE_RENAMED ?
			    "--rename" : "-m", c->nested_example);
		else
			warn("field '%s' given with %s was not in any row",
			    c->name, c->slot.roles & ROLE_RENAMED ?
			    "--rename" : "-m");
	}
}

static void
free_rules(struct rule *r)
{
	while (r) {
		struct rule *next = r->next;

		free(r->property);
		buf_release(&r->quoted);
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
		free(m->columns[i]->nested_example);
		free(m->columns[i]->name);
		free(m->columns[i]);
	}
	free(m->columns);
	free(m->table);
	for (size_t i = 0; i < m->constant_count; i++) {
		free(m->constants[i].name);
		buf_release(&m->constants[i].quoted);
		free(m->constants[i].value);
	}
	free(m->constants);
	for (size_t i = 0; i < m->slot_count; i++) {
		free(m->default_rules[i].property);
		buf_release(&m->default_rules[i].quoted);
	}
	free(m->default_rules);
	free(m->slots);
	buf_release(&m->row_names);
	free(m->name_offsets);
	for (size_t i = 0; i < m->warned_count; i++)
		free(m->warned_names[i]);
	for (size_t i = 0; i < CACHED_FIELDS; i++) {
		buf_release(&m->cache[i].name);
		buf_release(&m->cache[i].quoted_name);
	}
	buf_release(&m->props);
	buf_release(&m->number);
	buf_release(&m->canonical);
	buf_release(&m->json_name);
	buf_release(&m->json_text);
	free(m);
}
