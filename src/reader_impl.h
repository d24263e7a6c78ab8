/* Internals shared by the reader modules: the input buffer, the row
 * under construction and the per-format state.  Only the reader modules and
 * their unit test include this header; everyone else uses reader.h.
 */
#ifndef HEAPSYNC_READER_IMPL_H
#define HEAPSYNC_READER_IMPL_H

#include <csv.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "reader.h"

/* Bytes requested from fread at a time; the buffer starts this large. */
#define READER_CHUNK (256 * 1024)
/* Maximum size of one row's text.  A longer row usually means an
 * unterminated quote or bracket, and this limit keeps memory bounded. */
#define READER_MAX_ROW (64 * 1024 * 1024)
/* Size of the buffer that quote_for_message fills. */
#define QUOTE_BYTES 200
/* Size of the buffer for reader_hint's text. */
#define HINT_SIZE (QUOTE_BYTES + 100)
/* Maximum nesting of JSON objects and arrays inside one row. */
#define READER_MAX_DEPTH 512

/* Marks a field whose text offset is unused because it is FIELD_NULL. */
#define NO_TEXT SIZE_MAX

/* One key of the last JSON row, in the order the keys appeared. */
struct known_key {
	size_t raw_off;     /* the key as written, between its quotes, */
	size_t raw_len;     /* in reader.known_raw */
	size_t parent;      /* index of the enclosing object's key, or
	                       NO_PARENT at the top level */
	size_t name_off;    /* dotted name in reader.names */
	size_t name_len;
	uint32_t hash;
};

#define NO_PARENT SIZE_MAX

struct key_slot {
	uint32_t generation;
	uint32_t hash;
	size_t off;
	size_t len;
};

struct reader {
	FILE *in;
	char *name;
	struct reader_options opts;
	size_t null_len;          /* length of opts.null_string */
	enum input_format format;
	char *hint;

	/* Input bytes [pos, end) of buf have not been consumed yet. */
	char *buf;
	size_t cap;
	size_t max_row;           /* READER_MAX_ROW; tests lower it */
	size_t pos;
	size_t end;
	bool eof;
	bool empty;               /* no bytes but a UTF-8 byte order mark */
	int read_errno;
	unsigned long line;       /* line number of buf[pos] */
	unsigned long long base;  /* stream offset of buf[0] */
	unsigned long long line_start; /* stream offset where LINE begins */

	/* The row being built.  Texts and names are stored as offsets into
	 * TEXT and NAMES while those grow, and become pointers at the end. */
	struct field *fields;
	size_t *text_off;
	size_t *name_off;
	size_t nfields;
	size_t fields_cap;
	struct buf text;
	struct buf names;
	struct buf scratch;

	/* CSV and TSV: the header row. */
	char **columns;
	size_t *column_len;
	size_t ncolumns;
	bool header_done;
	bool after_cr;            /* the last record ended with CR */
	unsigned long row_line;   /* line where the current record starts */
	struct csv_parser csv;
	bool csv_special[256];    /* bytes that end an unquoted field */
	bool csv_ready;
	/* Where the scanner found the fields of the current record: field
	 * K ends at offset csv_ends[K] from the record's start and is
	 * decoded as csv_kinds[K] says. */
	size_t *csv_ends;
	unsigned char *csv_kinds;
	size_t csv_nfields;
	size_t csv_fields_cap;
	bool csv_quoted;          /* the field being added was quoted */

	/* JSON: duplicate-key detection and the array's progress.  Rows of
	 * an export nearly always repeat the keys of the row before, so the
	 * last row's keys and dotted names are kept (KNOWN, in NAMES) and
	 * reused while the new row's keys match them. */
	struct known_key *known;
	size_t known_count;
	size_t known_cap;
	struct buf known_raw;
	size_t key_index;         /* next key of the current row */
	bool keys_match;          /* all keys so far matched KNOWN */
	struct key_slot *keys;
	size_t keys_cap;
	size_t keys_used;
	uint32_t generation;
	int array_state;
	struct buf brackets;
};

/* Append to a row's arena.  Unlike buf_add these are inline and leave
 * no NUL after the bytes: each field adds its own terminator once. */
static inline void
arena_add(struct buf *b, const void *s, size_t n)
{
	if (b->len + n >= b->cap)
		buf_grow(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static inline void
arena_addc(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
}

void row_grow(struct reader *r);

/* Append an empty field to the row and return its index.  Inline
 * because every field of every row comes through here. */
static inline size_t
row_add(struct reader *r)
{
	size_t i = r->nfields;

	if (i == r->fields_cap)
		row_grow(r);
	memset(&r->fields[i], 0, sizeof r->fields[i]);
	r->text_off[i] = NO_TEXT;
	r->name_off[i] = 0;
	r->nfields++;
	return i;
}

/* reader.c */
bool reader_fill(struct reader *r);
bool reader_read_failed(struct reader *r, struct reader_error *err);
void row_reset(struct reader *r);
void row_finish(struct reader *r, struct row *row, bool named_by_header);
void reader_set_error(struct reader_error *err, unsigned long line,
    unsigned column, const char *raw, size_t raw_len, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
bool text_valid(const char *s, size_t len);
void quote_for_message(char *out, const char *s, size_t len);

/* reader_csv.c */
bool csv_open(struct reader *r, struct reader_error *err);
enum reader_status csv_next(struct reader *r, struct row *row,
    struct reader_error *err);
bool tsv_open(struct reader *r, struct reader_error *err);
enum reader_status tsv_next(struct reader *r, struct row *row,
    struct reader_error *err);

/* reader_json.c */
enum reader_status ndjson_next(struct reader *r, struct row *row,
    struct reader_error *err);
enum reader_status json_array_next(struct reader *r, struct row *row,
    struct reader_error *err);
void json_release(struct reader *r);

#endif
