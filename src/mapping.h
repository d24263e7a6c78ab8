/* The mapping from input columns to a Heap record: which column contains
 * the key, the event name, the timestamp and the idempotency key, and which
 * columns become properties under what name and type.  heap-map builds
 * it once from the command line, binds it to the CSV header when there is
 * one, then applies it to every row.
 */
#ifndef HEAPSYNC_MAPPING_H
#define HEAPSYNC_MAPPING_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "reader.h"
#include "record.h"
#include "timestamp.h"

enum nulls_mode { NULLS_SKIP, NULLS_EMPTY };
enum long_values_mode { LONG_VALUES_TRUNCATE, LONG_VALUES_REJECT };
enum big_numbers_mode { BIG_NUMBERS_STRING, BIG_NUMBERS_REJECT };

struct mapping_options {
	enum object_type object;
	const char *key_column;
	const char *event_column;      /* NULL when event_name is set */
	const char *event_name;
	const char *timestamp_column;
	const char *insert_id_column;  /* NULL: derive the idempotency key */
	enum nulls_mode nulls;
	enum long_values_mode long_values;
	enum big_numbers_mode big_numbers;
	enum array_mode arrays;        /* for arrays inside :json values */
	struct time_zone zone;         /* for timestamps without an offset */
	const char *zone_name;         /* --timezone as given, for messages */
	bool zone_given;               /* --timezone was given: no warning */
	const char *input_name;        /* file name or "<stdin>" for messages */
};

/* The reason mapping_apply rejected a row. */
struct mapping_error {
	unsigned column;   /* 1-based, 0 when the row as a whole is at fault */
	bool stop;         /* the options do not fit the data: exit 2 */
	char reason[256];
};

struct mapping;

/* Create a mapping; OPTS is copied.  The -m, --rename, -x and --set
 * specifications are added next, then mapping_check runs before the first row. */
struct mapping *mapping_new(const struct mapping_options *opts);

/* Add "-m COLUMN[:TYPE][=PROPERTY]", "--rename COLUMN[:TYPE]=PROPERTY",
 * "-x COLUMN" and "--set NAME=VALUE".  A malformed specification is a
 * usage error: these print it and exit 2. */
void mapping_add_map(struct mapping *m, const char *spec);
void mapping_add_rename(struct mapping *m, const char *spec);
void mapping_add_exclude(struct mapping *m, const char *column);
void mapping_add_constant(struct mapping *m, const char *spec);

/* Check the options against each other (duplicate properties, a property
 * named 'id' for users); exits 2 on a conflict. */
void mapping_check(struct mapping *m);

/* Plan the columns of a CSV or TSV header.  A column named by an option
 * but missing from the header exits 2, and so does a column that would
 * become the user property 'id'.  An empty or repeated name exits 2 when
 * the column is used as key, event, timestamp, insert id, -m column or
 * default property, and is ignored otherwise.  HINT, from reader_hint and
 * possibly NULL, follows the missing-column message. */
void mapping_bind_header(struct mapping *m, const char *const *columns,
    size_t count, const char *hint);

/* Append the record for ROW to OUT, or fill ERR and return false and
 * leave OUT as it was. */
bool mapping_apply(struct mapping *m, const struct row *row, struct buf *out,
    struct mapping_error *err);

/* Warn about each column given with -m or --rename that no JSON row
 * had as a field, naming a nested field when one starts with its name
 * and a dot.  Does nothing for CSV and TSV, whose header is checked. */
void mapping_warn_unseen(const struct mapping *m);

void mapping_free(struct mapping *m);

#endif
