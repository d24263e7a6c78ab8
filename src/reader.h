/* Input readers: turn a warehouse export (CSV, TSV, NDJSON or a JSON
 * array) into rows of named fields, one row at a time, in constant
 * memory.  The reader decides nothing about Heap: typing, keys and
 * limits belong to the mapping in heap-map.
 */
#ifndef HEAPSYNC_READER_H
#define HEAPSYNC_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum input_format {
	FORMAT_AUTO,   /* detect from the first bytes */
	FORMAT_CSV,    /* RFC 4180 with a header row */
	FORMAT_TSV,    /* mysql --batch or SELECT ... INTO OUTFILE, header row */
	FORMAT_NDJSON, /* one JSON object per line, blank lines skipped */
	FORMAT_JSON    /* one JSON array of objects, any layout */
};

enum array_mode {
	ARRAYS_JOIN,   /* scalar elements joined with "||" */
	ARRAYS_JSON    /* the array's compact JSON text */
};

struct reader_options {
	enum input_format format;
	char delimiter;            /* CSV only; 0 means ',' */
	const char *null_string;   /* TSV/CSV text meaning NULL, or NULL for
	                              the format's own convention */
	enum array_mode arrays;
	/* Hand out each row as soon as its bytes arrive, reading what the
	 * input has instead of waiting for a full block, for a live feed. */
	bool unbuffered;
};

enum field_type {
	FIELD_NULL,   /* SQL NULL: unquoted empty CSV field, \N, JSON null */
	FIELD_TEXT,   /* CSV or TSV text, not typed yet */
	FIELD_STRING, /* JSON string, or a joined or serialised JSON array */
	FIELD_NUMBER, /* JSON number; text contains its digits as written */
	FIELD_BOOL    /* JSON true or false; text is "true" or "false" */
};

struct field {
	const char *name;   /* column name; dot-joined for nested JSON */
	size_t name_len;
	const char *text;   /* decoded value, NUL-terminated; NULL for FIELD_NULL */
	size_t len;
	enum field_type type;
	unsigned column;    /* 1-based: CSV/TSV field number, JSON column */
	/* Line of the value.  In a pretty-printed JSON array it differs
	 * from the row's line, so a message about one value can point at
	 * it.  CSV and TSV fields carry the row's line. */
	unsigned long line;
};

/* A row stays valid until the next reader_next or reader_free call. */
struct row {
	struct field *fields;
	size_t count;
	unsigned long line;  /* line where the row starts, 1-based */
	const char *raw;     /* the row as it appeared in the input */
	size_t raw_len;
};

/* The reason a row or the whole input was rejected. */
struct reader_error {
	unsigned long line;
	unsigned column;     /* 0 when unknown */
	char reason[256];
	const char *raw;     /* text of the bad row, may be NULL */
	size_t raw_len;
};

enum reader_status {
	READ_ROW = 1,        /* ROW contains the next row */
	READ_EOF = 0,        /* input exhausted */
	READ_BAD_ROW = -1,   /* ERR describes one bad row; reading can go on */
	READ_FATAL = -2      /* ERR describes why the input cannot be read */
};

struct reader;

/* Open a reader on IN; NAME is used in messages ("<stdin>" for stdin).
 * Returns NULL with ERR filled when the input cannot be read at all:
 * compressed, UTF-16 or binary data, a missing or broken header row. */
struct reader *reader_open(FILE *in, const char *name,
    const struct reader_options *opts, struct reader_error *err);

enum reader_status reader_next(struct reader *r, struct row *row,
    struct reader_error *err);

/* The format in use, after detection. */
enum input_format reader_format(const struct reader *r);

/* Column names from the header row, for CSV and TSV; *COUNT is 0 for
 * JSON, whose field names come with each row.  Names are kept as they
 * are in the header: a name may be empty ("") or appear more than once,
 * and the caller decides whether that matters for the columns it uses.
 * A name never contains a NUL byte, because reader_open rejects one. */
const char *const *reader_columns(const struct reader *r, size_t *count);

/* Return whether the input has no bytes, apart from a UTF-8 byte order
 * mark.  Such an input opens as empty NDJSON unless a format is given.
 * An input of only white space is not empty here. */
bool reader_empty(const struct reader *r);

/* Return a suggestion for the user when the input was read but
 * probably not as intended, or NULL.  A CSV
 * header that came out as one column "a;b;c" sets it in reader_open;
 * NDJSON that turns out to be pretty-printed sets it at the first bad
 * row, so check it again after reading. */
const char *reader_hint(const struct reader *r);

void reader_free(struct reader *r);

#endif
