/* Internals of the mapping shared by mapping.c, which plans columns and
 * builds records, and mapping_value.c, which converts values. */
#ifndef HEAPSYNC_MAPPING_IMPL_H
#define HEAPSYNC_MAPPING_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "mapping.h"
#include "reader.h"
#include "timestamp.h"

/* Heap's limits, counted in characters (code points). */
#define MAX_VALUE_CHARS 1023
#define MAX_IDENTITY_CHARS 255

/* JSON columns whose truncation was reported; later ones go unreported. */
#define MAX_WARNED_NAMES 64

/* JSON field positions whose plan is remembered between rows. */
#define CACHED_FIELDS 256

enum value_type {
	TYPE_AUTO,      /* text stays text, JSON numbers stay numbers */
	TYPE_STRING,
	TYPE_NUMBER,
	TYPE_BOOL,
	TYPE_TIMESTAMP,
	TYPE_JSON
};

/* What the options make of a column.  These are bits because one column
 * can play several parts, such as the key and a mapped property. */
enum {
	ROLE_KEY = 1,
	ROLE_EVENT = 2,
	ROLE_TIMESTAMP = 4,
	ROLE_INSERT_ID = 8,
	ROLE_EXCLUDED = 16,  /* -x */
	ROLE_SHADOWED = 32,  /* a --set constant has the column's name */
	ROLE_RENAMED = 64,   /* --rename: sent under a new name, as by -m */
	ROLE_RENAME_TARGET = 128  /* a --rename gives its property this name */
};
#define ROLE_SPECIAL (ROLE_KEY | ROLE_EVENT | ROLE_TIMESTAMP | ROLE_INSERT_ID)
#define ROLE_NOT_DEFAULT \
	(ROLE_SPECIAL | ROLE_EXCLUDED | ROLE_SHADOWED | ROLE_RENAMED | \
	ROLE_RENAME_TARGET)

/* One property made from a column. */
struct rule {
	char *property;
	size_t property_len;
	struct buf quoted;   /* the property name as JSON, colon included */
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
	/* For a JSON field sent under its own name: that name escaped, or
	 * NULL to escape it on each row. */
	const struct buf *quoted_name;
};

/* A column named on the command line. */
struct column {
	char *name;
	size_t name_len;
	bool required;       /* named by -k, -e, -t, -i, -m or -x */
	unsigned header_position;  /* 1-based; 0 when not in the header */
	struct slot slot;
	struct rule **last_rule;
	const char *renamed_from;  /* for ROLE_RENAME_TARGET: the column */
	bool warned_renamed;       /* the JSON field was reported as replaced */
	bool seen;                 /* some JSON row has a field of this name */
	char *nested_example;      /* a JSON field named "NAME.something" */
};

/* The plan found for the field at one position of the last JSON rows,
 * which usually name the same fields in the same order. */
struct cached_slot {
	struct buf name;
	struct buf quoted_name;
	struct slot slot;
};

struct constant {
	char *name;
	size_t name_len;
	struct buf quoted;
	char *value;
	size_t value_len;
};

struct mapping {
	struct mapping_options opts;
	bool has_maps;       /* any -m: send only mapped columns */
	const struct field *reserved;  /* a JSON field that would be 'id' */

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

	struct cached_slot cache[CACHED_FIELDS];
	struct slot uncached_slot;  /* the plan of a field beyond the cache */

	bool warned_zone;
	bool warned_zero_date;
	unsigned long rows_mapped;
	unsigned long line;  /* line of the row being mapped */

	struct buf props;
	struct buf number;
	struct buf canonical;
	struct buf json_name;
	struct buf json_text;

	/* With a :json rule the data decides the property names, so the
	 * names of each row are kept, NUL-separated, to find repeats. */
	bool has_json;
	struct buf row_names;
	size_t *name_offsets;
	size_t name_count, name_cap;
};

/* Remember NAME for the duplicate check of the row, when it is on. */
void mapping_note_name(struct mapping *m, const char *name, size_t len);

/* The fields of one row that make the record's top-level keys. */
struct row_keys {
	const struct field *key;
	const struct field *event;
	const struct field *timestamp;
	const struct field *insert_id;
};

/* Fill ERR with the column and the printf-style reason; returns false,
 * so a caller can write "return mapping_reject(err, ...)". */
bool mapping_reject(struct mapping_error *err, unsigned column,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Drop ASCII white space from both ends of TEXT. */
void mapping_trim(const char **text, size_t *len);

/* Turn field F into Heap's timestamp form in OUT; WHAT names it in
 * messages. */
bool mapping_convert_timestamp(struct mapping *m, const struct field *f,
    const char *what, char out[TIMESTAMP_LEN + 1], struct mapping_error *err);

/* Append the property that rule R makes of field F, planned by slot S. */
bool mapping_add_property(struct mapping *m, struct rule *r,
    const struct slot *s, const struct field *f, struct mapping_error *err);

#endif
