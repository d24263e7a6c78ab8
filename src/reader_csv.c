/* CSV (RFC 4180, decoded by libcsv) and TSV (mysql --batch and SELECT
 * ... INTO OUTFILE), both with a header row naming the columns.
 *
 * Records are found in the input buffer first, so that each row keeps
 * its raw text and line number.  The same pass notes where each field
 * ends, so most fields are copied straight from the buffer.  libcsv
 * decodes only the quoted fields that contain a doubled or stray quote. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "reader_impl.h"
#include "utf8.h"

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

enum csv_state { AT_FIELD_START, IN_UNQUOTED, IN_QUOTED, AFTER_QUOTE };

/* How a field found by the scanner is decoded. */
enum csv_kind {
	KIND_PLAIN,   /* unquoted: the bytes as they are */
	KIND_QUOTED,  /* "text" with no other quote: the bytes inside */
	KIND_LIBCSV   /* any other quoted field: decoded by libcsv */
};

/* One record found in the buffer: bytes [r->pos, r->pos + len), then a
 * CR or LF terminator unless the input ended first. */
struct record {
	size_t len;
	bool terminated;
	bool open_quote;
	unsigned long newlines;  /* line ends inside the record */
	/* NEWLINES when the last quoted field opened, so that an open quote
	 * can be traced to its line. */
	unsigned long quote_newlines;
};

/* RFC 4180 keeps spaces as part of a field.  libcsv trims them unless
 * its space function matches no byte. */
static int
no_space(unsigned char c)
{
	return 0;
}

static bool
is_newline(char c)
{
	return c == '\n' || c == '\r';
}

/* Skip line ends before a record.  They are blank lines, except that a
 * one-column file writes an empty value as an empty line (psql writes
 * NULL that way), so there they are records and this returns true. */
static bool
skip_blank_lines(struct reader *r, bool *empty_record)
{
	*empty_record = false;
	for (;;) {
		char c;

		if (r->pos == r->end && !reader_fill(r))
			return false;
		c = r->buf[r->pos];
		if (c == '\n' && r->after_cr) {
			/* The line was counted at its CR. */
			r->after_cr = false;
			r->pos++;
			continue;
		}
		r->after_cr = false;
		if (!is_newline(c))
			return true;
		if (r->header_done && r->ncolumns == 1) {
			*empty_record = true;
			return true;
		}
		/* CR LF, LF and a lone CR (old Mac) each end one line. */
		r->line++;
		r->after_cr = c == '\r';
		r->pos++;
	}
}

/* Whether some byte of WORD equals B, repeated in every byte of BYTES:
 * (X - ONES) & ~X & HIGHS is nonzero exactly when X has a zero byte. */
static inline uint64_t
has_byte(uint64_t word, uint64_t bytes)
{
	uint64_t x = word ^ bytes;

	return (x - ONES) & ~x & HIGHS;
}

/* Offset of the byte that set the lowest bit of MATCH, a nonzero
 * has_byte result: a false match can only follow a true one, so the
 * lowest is exact.  Little-endian only; elsewhere 0, and the byte loop
 * after the word loop finds the byte instead. */
static inline size_t
first_match(uint64_t match)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(match) / 8;
#else
	(void)match;
	return 0;
#endif
}

/* Return the offset of the first byte at or after I, before N, that may
 * end an unquoted field, taking eight bytes at a time. */
static inline size_t
skip_unquoted(const char *p, size_t i, size_t n, const bool *special,
    uint64_t delims)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t w, match;

		memcpy(&w, p + i, 8);
		match = has_byte(w, delims) | has_byte(w, ONES * '\n') |
		    has_byte(w, ONES * '\r');
		if (match) {
			i += first_match(match);
			break;
		}
	}
	while (i < n && !special[(unsigned char)p[i]])
		i++;
	return i;
}

/* The same inside quotes, where only a quote or a line end matters. */
static inline size_t
skip_quoted(const char *p, size_t i, size_t n)
{
	for (; i + 8 <= n; i += 8) {
		uint64_t w, match;

		memcpy(&w, p + i, 8);
		match = has_byte(w, ONES * '"') | has_byte(w, ONES * '\n') |
		    has_byte(w, ONES * '\r');
		if (match) {
			i += first_match(match);
			break;
		}
	}
	while (i < n && p[i] != '"' && !is_newline(p[i]))
		i++;
	return i;
}

static void
grow_csv_fields(struct reader *r)
{
	r->csv_fields_cap = r->csv_fields_cap ? 2 * r->csv_fields_cap : 32;
	r->csv_ends = xrealloc(r->csv_ends,
	    r->csv_fields_cap * sizeof *r->csv_ends);
	r->csv_kinds = xrealloc(r->csv_kinds, r->csv_fields_cap);
}

/* Note that the field of the record being scanned ends at offset END,
 * in state STATE after QUOTES closing quotes. */
static inline void
end_field(struct reader *r, size_t end, enum csv_state state,
    unsigned quotes)
{
	size_t k = r->csv_nfields;

	if (k == r->csv_fields_cap)
		grow_csv_fields(r);
	r->csv_ends[k] = end;
	if (state == AFTER_QUOTE && quotes == 1)
		r->csv_kinds[k] = KIND_QUOTED;
	else if (state == AFTER_QUOTE || state == IN_QUOTED)
		r->csv_kinds[k] = KIND_LIBCSV;
	else
		r->csv_kinds[k] = KIND_PLAIN;
	r->csv_nfields = k + 1;
}

/* Find the end of the CSV record at r->pos, and the ends of its fields,
 * with the same states as libcsv, so that both split a record alike.
 * Returns false at the end of the input. */
static bool
scan_csv_record(struct reader *r, char delim, struct record *rec)
{
	enum csv_state state = AT_FIELD_START;
	const bool *special = r->csv_special;
	uint64_t delims = ONES * (unsigned char)delim;
	unsigned quotes = 0;
	size_t i = 0;
	bool empty;

	memset(rec, 0, sizeof *rec);
	r->csv_nfields = 0;
	if (!skip_blank_lines(r, &empty))
		return false;
	if (empty) {
		end_field(r, 0, AT_FIELD_START, 0);
		rec->terminated = true;
		return true;
	}

	for (;;) {
		const char *p = r->buf + r->pos;
		size_t n = r->end - r->pos;

		for (; i < n; i++) {
			char c = p[i];

			/* Most fields are unquoted and not empty: find their
			 * end in one step, without going through the switch
			 * for their first byte. */
			if (state == AT_FIELD_START && c != '"' && c != delim &&
			    !is_newline(c)) {
				state = IN_UNQUOTED;
				i = skip_unquoted(p, i + 1, n, special, delims);
				if (i == n)
					break;
				if (p[i] != delim)
					goto found;
				end_field(r, i, state, quotes);
				state = AT_FIELD_START;
				continue;
			}

			/* Most bytes neither end a field nor start or end a
			 * quote, so skip them without going through the
			 * switch. */
			if (state == IN_UNQUOTED) {
				i = skip_unquoted(p, i, n, special, delims);
				if (i == n)
					break;
				c = p[i];
			} else if (state == IN_QUOTED) {
				i = skip_quoted(p, i, n);
				if (i == n)
					break;
				c = p[i];
			}

			switch (state) {
			case AT_FIELD_START:
			case IN_UNQUOTED:
			case AFTER_QUOTE:
				if (c == delim) {
					end_field(r, i, state, quotes);
					state = AT_FIELD_START;
					quotes = 0;
				} else if (is_newline(c)) {
					goto found;
				} else if (state == AT_FIELD_START && c == '"') {
					state = IN_QUOTED;
					rec->quote_newlines = rec->newlines;
				} else if (state == AT_FIELD_START) {
					state = IN_UNQUOTED;
				} else if (state == AFTER_QUOTE) {
					/* libcsv reopens the field at a stray
					 * quote: "6" screen */
					state = IN_QUOTED;
					rec->quote_newlines = rec->newlines;
				}
				break;
			case IN_QUOTED:
				if (c == '"') {
					state = AFTER_QUOTE;
					quotes++;
				} else if (c == '\r' || p[i - 1] != '\r') {
					/* A line end; the LF of a CR LF was
					 * counted with its CR.  I > 0 here,
					 * after the opening quote. */
					rec->newlines++;
				}
				break;
			}
		}
		if (!reader_fill(r))
			break;
	}
	rec->len = i;
	rec->open_quote = state == IN_QUOTED;
	end_field(r, i, state, quotes);
	return true;

found:
	rec->len = i;
	rec->terminated = true;
	end_field(r, i, state, quotes);
	return true;
}

/* Consume the record's bytes and terminator; the bytes stay in the
 * buffer until the next reader_fill, so the row's raw text stays valid. */
static void
consume_record(struct reader *r, const struct record *rec)
{
	r->line += rec->newlines;
	r->pos += rec->len;
	if (rec->terminated) {
		r->line++;
		r->after_cr = r->buf[r->pos] == '\r';
		r->pos++;
	}
}

/* Return whether field S of LEN bytes (S is NULL when empty) is NULL.
 * As in PostgreSQL's COPY, a null string replaces the default rule that
 * an unquoted empty field is NULL, and a quoted field is never NULL. */
static bool
csv_is_null(const struct reader *r, const char *s, size_t len)
{
	const char *null = r->opts.null_string;

	if (null == NULL || !r->header_done)
		return s == NULL;
	if (r->csv_quoted || len != r->null_len)
		return false;
	return len == 0 || memcmp(s, null, len) == 0;
}

static inline void
csv_add_field(void *s, size_t len, void *data)
{
	struct reader *r = data;
	size_t i = row_add(r);
	struct field *f = &r->fields[i];

	f->column = (unsigned)r->nfields;
	f->line = r->row_line;
	if (csv_is_null(r, s, len)) {
		f->type = FIELD_NULL;
		return;
	}

	f->type = FIELD_TEXT;
	f->len = len;
	r->text_off[i] = r->text.len;
	if (len > 0)
		arena_add(&r->text, s, len);
	arena_addc(&r->text, '\0');
}

/* Decode the record at r->pos into the row's fields and consume it.
 * libcsv's per-byte callbacks cost more than half the time of reading
 * a typical export, so only the fields that need decoding go through
 * it, one at a time.  That is safe because a field ends at the same byte
 * for the scanner as for libcsv, and libcsv starts every field in the
 * same state. */
static void
decode_csv_record(struct reader *r, const struct record *rec)
{
	const char *p = r->buf + r->pos;
	size_t start = 0;

	row_reset(r);
	r->row_line = r->line;
	for (size_t k = 0; k < r->csv_nfields; k++) {
		size_t end = r->csv_ends[k];

		r->csv_quoted = r->csv_kinds[k] != KIND_PLAIN &&
		    p[start] == '"';
		switch (r->csv_kinds[k]) {
		case KIND_PLAIN:
			csv_add_field(end > start ? (char *)p + start : NULL,
			    end - start, r);
			break;
		case KIND_QUOTED:
			csv_add_field((char *)p + start + 1, end - start - 2,
			    r);
			break;
		case KIND_LIBCSV:
			csv_parse(&r->csv, p + start, end - start,
			    csv_add_field, NULL, r);
			csv_fini(&r->csv, csv_add_field, NULL, r);
			break;
		}
		start = end + 1;
	}
	consume_record(r, rec);
}

/* Name the first invalid UTF-8 field, if any, in ERR. */
static bool
check_fields_utf8(struct reader *r, const char *raw, size_t raw_len,
    struct reader_error *err)
{
	if (text_valid(raw, raw_len))
		return true;
	for (size_t i = 0; i < r->nfields; i++) {
		const struct field *f = &r->fields[i];

		if (r->text_off[i] == NO_TEXT ||
		    utf8_valid(r->text.data + r->text_off[i], f->len))
			continue;
		if (r->header_done) {
			char name[QUOTE_BYTES];

			quote_for_message(name, r->columns[i],
			    r->column_len[i]);
			reader_set_error(err, r->row_line, f->column, raw,
			    raw_len, "invalid UTF-8 in column %u '%s'",
			    f->column, name);
		} else {
			reader_set_error(err, r->row_line, f->column, raw,
			    raw_len, "invalid UTF-8 in header column %u",
			    f->column);
		}
		return false;
	}
	return true;
}

/* Check a decoded data row against the header and hand it out.  The
 * message starts with words alone, so that heap-map's summary counts
 * every field count under one reason. */
static enum reader_status
finish_row(struct reader *r, struct row *row, const char *raw,
    size_t raw_len, struct reader_error *err)
{
	if (r->nfields != r->ncolumns) {
		const char *hint = r->format == FORMAT_TSV ?
		    "check this row for a tab or line end that is not escaped "
		    "with a backslash" :
		    "check the delimiter (-d) or the quoting in this row";

		reader_set_error(err, r->row_line, 0, raw, raw_len,
		    "wrong number of fields: the row has %zu but the header "
		    "has %zu; %s", r->nfields, r->ncolumns, hint);
		return READ_BAD_ROW;
	}
	if (!check_fields_utf8(r, raw, raw_len, err))
		return READ_BAD_ROW;

	row_finish(r, row, true);
	row->line = r->row_line;
	row->raw = raw;
	row->raw_len = raw_len;
	return READ_ROW;
}

/* A header that came out as one column but contains another common
 * separator was probably read with the wrong one. */
static void
set_header_hint(struct reader *r)
{
	char name[QUOTE_BYTES];
	const char *col = r->columns[0];

	if (r->ncolumns != 1 || (strchr(col, ';') == NULL &&
	    strchr(col, '\t') == NULL))
		return;

	quote_for_message(name, col, r->column_len[0]);
	r->hint = xmalloc(HINT_SIZE);
	if (strchr(col, ';') != NULL)
		snprintf(r->hint, HINT_SIZE, "header has one column '%s'; if the "
		    "file is separated by ';', use -d ';'", name);
	else
		snprintf(r->hint, HINT_SIZE, "header has one column '%s'; if the "
		    "file is separated by tabs, read it as TSV", name);
}

/* Turn the decoded first record into the column names.  Empty and
 * repeated names are kept, because they matter only for the columns the
 * mapping uses, and it checks those. */
static bool
take_header(struct reader *r, const char *raw, size_t raw_len,
    struct reader_error *err)
{
	if (!check_fields_utf8(r, raw, raw_len, err))
		return false;

	r->columns = xcalloc(r->nfields, sizeof *r->columns);
	r->column_len = xcalloc(r->nfields, sizeof *r->column_len);
	for (size_t i = 0; i < r->nfields; i++) {
		size_t len = r->fields[i].len;
		const char *text = "";

		if (r->text_off[i] != NO_TEXT)
			text = r->text.data + r->text_off[i];
		else
			len = 0;
		/* reader_columns hands out names as C strings. */
		if (memchr(text, '\0', len) != NULL) {
			reader_set_error(err, r->row_line, (unsigned)i + 1,
			    raw, raw_len, "header column %zu contains a NUL "
			    "byte", i + 1);
			return false;
		}
		r->columns[i] = xstrndup(text, len);
		r->column_len[i] = len;
		r->ncolumns = i + 1;
	}
	r->header_done = true;
	return true;
}

/* Describe in ERR a quoted field of REC that is still open at the end
 * of the input, and consume REC.  The quote made the rest of the input
 * one field, so no later row can be read: the cause is a stray quote or
 * an input cut short, and both are input errors.
 * NOTE: the open record is held until the end of the input or the 64 MiB
 * row cap, so a stray quote early in a big file costs that much memory. */
static enum reader_status
open_quote_error(struct reader *r, const struct record *rec,
    struct reader_error *err)
{
	const char *p = r->buf + r->pos;
	unsigned long opened = r->line + rec->quote_newlines;
	unsigned long last = r->line + rec->newlines;
	unsigned long later;

	/* A line end as the last byte ends the last line; no line follows. */
	if (rec->len > 0 && is_newline(p[rec->len - 1]) && last > opened)
		last--;
	later = last - opened;
	if (later == 0)
		reader_set_error(err, opened, 0, NULL, 0, "quoted field that "
		    "opens on line %lu is not closed by the end of the input; "
		    "look for a stray quote in that row, or check whether the "
		    "input was cut short", opened);
	else
		reader_set_error(err, opened, 0, NULL, 0, "quoted field that "
		    "opens on line %lu is not closed by the end of the input, "
		    "%lu line%s later; look for a stray quote in that row, or "
		    "check whether the input was cut short", opened, later,
		    later == 1 ? "" : "s");
	consume_record(r, rec);
	return READ_FATAL;
}

bool
csv_open(struct reader *r, struct reader_error *err)
{
	struct record rec;
	const char *raw;
	char delim = r->opts.delimiter ? r->opts.delimiter : ',';

	if (csv_init(&r->csv, CSV_EMPTY_IS_NULL) != 0)
		fatal(EXIT_INPUT, "out of memory");
	r->csv_ready = true;
	csv_set_delim(&r->csv, (unsigned char)delim);
	r->csv_special[(unsigned char)delim] = true;
	r->csv_special['\r'] = true;
	r->csv_special['\n'] = true;
	csv_set_space_func(&r->csv, no_space);

	if (!scan_csv_record(r, delim, &rec)) {
		if (!reader_read_failed(r, err))
			reader_set_error(err, 1, 0, NULL, 0,
			    "missing header row: the input is empty");
		return false;
	}
	if (reader_read_failed(r, err))
		return false;
	if (rec.open_quote) {
		open_quote_error(r, &rec, err);
		return false;
	}
	raw = r->buf + r->pos;
	decode_csv_record(r, &rec);
	if (!take_header(r, raw, rec.len, err))
		return false;
	set_header_hint(r);
	return true;
}

enum reader_status
csv_next(struct reader *r, struct row *row, struct reader_error *err)
{
	struct record rec;
	const char *raw;
	char delim = r->opts.delimiter ? r->opts.delimiter : ',';

	if (!scan_csv_record(r, delim, &rec))
		return reader_read_failed(r, err) ? READ_FATAL : READ_EOF;

	if (reader_read_failed(r, err))
		return READ_FATAL;
	if (rec.open_quote)
		return open_quote_error(r, &rec, err);
	raw = r->buf + r->pos;
	decode_csv_record(r, &rec);
	return finish_row(r, row, raw, rec.len, err);
}

/* Find the end of the TSV record at r->pos: the first LF that no
 * backslash escapes (INTO OUTFILE writes a newline in a value as a
 * backslash and a real newline). */
static bool
scan_tsv_record(struct reader *r, struct record *rec)
{
	size_t i = 0;
	bool empty;

	memset(rec, 0, sizeof *rec);
	if (!skip_blank_lines(r, &empty))
		return false;
	if (empty) {
		rec->terminated = true;
		return true;
	}

	for (;;) {
		const char *p = r->buf + r->pos;
		size_t n = r->end - r->pos;
		const char *nl = memchr(p + i, '\n', n - i);
		size_t j, k;

		if (nl == NULL) {
			i = n;
			if (!reader_fill(r))
				break;
			continue;
		}
		j = (size_t)(nl - p);
		for (k = j; k > 0 && p[k - 1] == '\\'; k--)
			;
		if ((j - k) % 2 == 0) {
			rec->len = j;
			rec->terminated = true;
			return true;
		}
		rec->newlines++;
		i = j + 1;
	}
	rec->len = i;
	return true;
}

static bool
equals(const char *s, size_t len, const char *word, size_t word_len)
{
	return len == word_len && memcmp(s, word, len) == 0;
}

/* Append field S, decoding the backslash escapes that mysql writes. */
static void
add_unescaped(struct buf *out, const char *s, size_t len)
{
	size_t start = 0;

	buf_grow(out, len);
	for (size_t i = 0; i < len; i++) {
		char c;

		if (s[i] != '\\')
			continue;
		buf_add(out, s + start, i - start);
		if (i + 1 == len) {
			start = i;
			break;
		}
		c = s[++i];
		switch (c) {
		case '0': c = '\0'; break;
		case 'b': c = '\b'; break;
		case 'n': c = '\n'; break;
		case 'r': c = '\r'; break;
		case 't': c = '\t'; break;
		case 'Z': c = '\x1a'; break;
		default: break;  /* \\, and a backslash before a real tab or LF */
		}
		buf_addc(out, c);
		start = i + 1;
	}
	buf_add(out, s + start, len - start);
}

/* Whether raw TSV field S is SQL NULL: only NULL_STRING when it is set,
 * otherwise \N (INTO OUTFILE) or the word NULL (mysql --batch, which
 * writes a string 'NULL' the same way). */
static bool
tsv_is_null(const struct reader *r, const char *s, size_t len)
{
	if (r->opts.null_string != NULL)
		return equals(s, len, r->opts.null_string, r->null_len);
	return equals(s, len, "\\N", 2) || equals(s, len, "NULL", 4);
}

/* Split and decode the record at r->pos, then consume it. */
static void
decode_tsv_record(struct reader *r, const struct record *rec)
{
	const char *p = r->buf + r->pos;
	size_t len = rec->len;
	size_t s = 0;

	row_reset(r);
	r->row_line = r->line;
	if (len > 0 && p[len - 1] == '\r') {
		size_t k = len - 1;

		while (k > 0 && p[k - 1] == '\\')
			k--;
		if ((len - 1 - k) % 2 == 0)
			len--;
	}

	for (;;) {
		size_t i = row_add(r);
		struct field *f = &r->fields[i];
		size_t j = s;
		bool escaped = false;

		while (j < len && p[j] != '\t') {
			if (p[j] == '\\') {
				escaped = true;
				j++;
			}
			j++;
		}
		if (j > len)
			j = len;

		f->column = (unsigned)r->nfields;
		f->line = r->row_line;
		if (r->header_done && tsv_is_null(r, p + s, j - s)) {
			f->type = FIELD_NULL;
		} else {
			f->type = FIELD_TEXT;
			r->text_off[i] = r->text.len;
			if (escaped)
				add_unescaped(&r->text, p + s, j - s);
			else
				arena_add(&r->text, p + s, j - s);
			f->len = r->text.len - r->text_off[i];
			arena_addc(&r->text, '\0');
		}
		if (j >= len)
			break;
		s = j + 1;
	}
	consume_record(r, rec);
}

bool
tsv_open(struct reader *r, struct reader_error *err)
{
	struct record rec;
	const char *raw;

	if (!scan_tsv_record(r, &rec)) {
		if (!reader_read_failed(r, err))
			reader_set_error(err, 1, 0, NULL, 0,
			    "missing header row: the input is empty");
		return false;
	}
	if (reader_read_failed(r, err))
		return false;
	raw = r->buf + r->pos;
	decode_tsv_record(r, &rec);
	return take_header(r, raw, rec.len, err);
}

enum reader_status
tsv_next(struct reader *r, struct row *row, struct reader_error *err)
{
	struct record rec;
	const char *raw;
	size_t raw_len;

	if (!scan_tsv_record(r, &rec))
		return reader_read_failed(r, err) ? READ_FATAL : READ_EOF;

	if (reader_read_failed(r, err))
		return READ_FATAL;
	raw = r->buf + r->pos;
	decode_tsv_record(r, &rec);
	raw_len = rec.len;
	if (raw_len > 0 && raw[raw_len - 1] == '\r')
		raw_len--;
	return finish_row(r, row, raw, raw_len, err);
}
