/* Opening an input: encoding checks, format detection, the shared input
 * buffer and the row under construction.  The format modules parse. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "reader_impl.h"
#include "utf8.h"

/* Characters of a column name or key quoted in a message. */
#define QUOTE_MAX 40

/* Read what the input has now, up to the free space in the buffer,
 * with one read(2) instead of fread, which waits until the buffer is
 * full.  On failure it sets read_errno and returns 0. */
static size_t
read_available(struct reader *r)
{
	ssize_t n;

	do
		n = read(fileno(r->in), r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		r->read_errno = errno;
		return 0;
	}
	return (size_t)n;
}

/* Make more input available after r->end, keeping the unread bytes
 * [r->pos, r->end) and a NUL after them.  Those bytes may move to the front of the buffer,
 * so callers keep offsets from r->pos, never pointers, across a call.
 * Returns false at end of input or after a read error (read_errno). */
bool
reader_fill(struct reader *r)
{
	size_t n;

	if (r->eof)
		return false;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->base += r->pos;
		r->end -= r->pos;
		r->pos = 0;
	}
	if (r->end == r->cap) {
		if (r->cap >= r->max_row) {
			r->read_errno = EFBIG;
			r->eof = true;
			return false;
		}
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap + 1);
	}

	if (r->opts.unbuffered)
		n = read_available(r);
	else
		n = fread(r->buf + r->end, 1, r->cap - r->end, r->in);
	r->end += n;
	r->buf[r->end] = '\0';
	if (n == 0) {
		if (ferror(r->in))
			r->read_errno = errno ? errno : EIO;
		r->eof = true;
		return false;
	}
	return true;
}

/* Fill ERR when the last reader_fill stopped on an error rather than at
 * the end of the input; returns true in that case. */
bool
reader_read_failed(struct reader *r, struct reader_error *err)
{
	if (r->read_errno == 0)
		return false;
	if (r->read_errno == EFBIG && r->max_row % (1024 * 1024) == 0)
		reader_set_error(err, r->line, 0, NULL, 0,
		    "row starting at line %lu is longer than %zu MiB; "
		    "check for an unterminated quote or bracket",
		    r->line, r->max_row / (1024 * 1024));
	else if (r->read_errno == EFBIG)
		reader_set_error(err, r->line, 0, NULL, 0,
		    "row starting at line %lu is longer than %zu bytes; "
		    "check for an unterminated quote or bracket",
		    r->line, r->max_row);
	else
		reader_set_error(err, r->line, 0, NULL, 0, "read error: %s",
		    strerror(r->read_errno));
	return true;
}

void
reader_set_error(struct reader_error *err, unsigned long line,
    unsigned column, const char *raw, size_t raw_len, const char *fmt, ...)
{
	va_list ap;

	err->line = line;
	err->column = column;
	err->raw = raw;
	err->raw_len = raw_len;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof err->reason, fmt, ap);
	va_end(ap);
}

/* Check that S is valid UTF-8, taking 8 bytes at a time while they are
 * ASCII because most exported text is. */
bool
text_valid(const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if (w & 0x8080808080808080u)
			break;
	}
	for (; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return utf8_valid(s + i, len - i);
	return true;
}

/* Copy S into OUT, which has room for QUOTE_BYTES, for use inside
 * '...' in a message: cut after QUOTE_MAX characters, with control
 * characters, and every byte above 0x7f when S is not valid UTF-8,
 * shown as '?'. */
void
quote_for_message(char *out, const char *s, size_t len)
{
	bool valid = utf8_valid(s, len);
	size_t n = valid ? utf8_prefix(s, len, QUOTE_MAX) :
	    (len < QUOTE_MAX ? len : QUOTE_MAX);
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !valid))
			c = '?';
		out[i] = (char)c;
	}
	if (n < len) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

void
row_reset(struct reader *r)
{
	r->nfields = 0;
	buf_reset(&r->text);
}

/* Make room for more fields; row_add calls it when the arrays are full. */
void
row_grow(struct reader *r)
{
	r->fields_cap = r->fields_cap ? r->fields_cap * 2 : 32;
	r->fields = xrealloc(r->fields, r->fields_cap * sizeof *r->fields);
	r->text_off = xrealloc(r->text_off,
	    r->fields_cap * sizeof *r->text_off);
	r->name_off = xrealloc(r->name_off,
	    r->fields_cap * sizeof *r->name_off);
}

/* Turn the stored offsets into pointers and hand the fields to ROW.
 * CSV and TSV fields take their names from the header row. */
void
row_finish(struct reader *r, struct row *row, bool named_by_header)
{
	for (size_t i = 0; i < r->nfields; i++) {
		struct field *f = &r->fields[i];

		f->text = r->text_off[i] == NO_TEXT ? NULL :
		    r->text.data + r->text_off[i];
		if (named_by_header) {
			f->name = r->columns[i];
			f->name_len = r->column_len[i];
		} else {
			f->name = r->names.data + r->name_off[i];
		}
	}
	row->fields = r->fields;
	row->count = r->nfields;
}

/* Bytes searched for a NUL byte: the header and first rows of an
 * export, enough to tell binary data from text. */
#define BINARY_PROBE 8000

/* Magic bytes of the compressed formats an export is often stored in,
 * with the command that writes the decompressed data to stdout. */
static const struct {
	const char *magic;
	size_t len;
	const char *format;
	const char *command;
} compressed[] = {
	{ "\x1f\x8b", 2, "gzip", "gzip -dc" },
	{ "\x28\xb5\x2f\xfd", 4, "zstd", "zstd -dc" },
	{ "\xfd" "7zXZ\0", 6, "xz", "xz -dc" },
	{ "PK\x03\x04", 4, "zip", "unzip -p" },
};

/* Whether P starts a bzip2 stream: "BZh", the block size '1' to '9',
 * then the magic of the first block or of the end of an empty stream. */
static bool
is_bzip2(const unsigned char *p, size_t n)
{
	return n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' &&
	    p[3] <= '9' && (memcmp(p + 4, "1AY&SY", 6) == 0 ||
	    memcmp(p + 4, "\x17rE8P\x90", 6) == 0);
}

/* Whether the N bytes at P look like UTF-16 without a byte order mark:
 * ASCII text in which every other byte, starting at offset PARITY, is
 * NUL.  At least two characters are needed to tell. */
static bool
is_bare_utf16(const unsigned char *p, size_t n, size_t parity)
{
	size_t units = (n < 64 ? n : 64) / 2;

	if (units < 2)
		return false;
	for (size_t i = 0; i < units; i++) {
		unsigned char zero = p[2 * i + parity];
		unsigned char text = p[2 * i + 1 - parity];

		if (zero != 0 || text == 0 || text >= 0x80)
			return false;
	}
	return true;
}

/* Reject TSV or NDJSON whose first line contains a CR outside a CR LF.
 * Lines ended by CR alone (old Mac files) would read as one line, so
 * every row would be lost or rejected.  The CSV reader reads them. */
static bool
check_line_ends(struct reader *r, struct reader_error *err)
{
	const char *p = r->buf + r->pos;
	const char *nl = memchr(p, '\n', r->end - r->pos);
	const char *end = nl ? nl : r->buf + r->end;
	const char *cr = memchr(p, '\r', (size_t)(end - p));

	if (cr == NULL || cr + 1 == end)
		return true;
	reader_set_error(err, 1, 0, NULL, 0, "input has lines ended by CR "
	    "alone (old Mac line ends), which the %s reader cannot split; "
	    "convert them first, e.g. with \"tr '\\r' '\\n'\"",
	    r->format == FORMAT_TSV ? "TSV" : "NDJSON");
	return false;
}

/* Describe input that is compressed, UTF-16 or binary in ERR and
 * return false.  Each gets its own advice, because the way to read each
 * differs: decompress, convert or find the right file. */
static bool
check_encoding(struct reader *r, struct reader_error *err)
{
	const unsigned char *p = (const unsigned char *)r->buf + r->pos;
	size_t n = r->end - r->pos;
	const char *file = strcmp(r->name, "<stdin>") == 0 ? "FILE" : r->name;
	const unsigned char *nul;
	const char *utf16 = NULL;

	for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++) {
		if (n < compressed[i].len ||
		    memcmp(p, compressed[i].magic, compressed[i].len) != 0)
			continue;
		reader_set_error(err, 0, 0, NULL, 0, "input is compressed with "
		    "%s; decompress it first, e.g. '%s %s | heap-map ...'",
		    compressed[i].format, compressed[i].command, file);
		return false;
	}
	if (is_bzip2(p, n)) {
		reader_set_error(err, 0, 0, NULL, 0, "input is compressed with "
		    "bzip2; decompress it first, e.g. 'bzip2 -dc %s | "
		    "heap-map ...'", file);
		return false;
	}

	/* iconv needs the byte order named when there is no byte order
	 * mark to tell it. */
	if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) ||
	    (p[0] == 0xfe && p[1] == 0xff)))
		utf16 = "UTF-16";
	else if (is_bare_utf16(p, n, 1))
		utf16 = "UTF-16LE";
	else if (is_bare_utf16(p, n, 0))
		utf16 = "UTF-16BE";
	if (utf16 != NULL) {
		reader_set_error(err, 1, 0, NULL, 0,
		    "input is UTF-16, but only UTF-8 can be read; "
		    "convert it first with 'iconv -f %s -t UTF-8'", utf16);
		return false;
	}

	nul = memchr(p, '\0', n < BINARY_PROBE ? n : BINARY_PROBE);
	if (nul != NULL) {
		unsigned long line = 1;

		for (const unsigned char *q = p; q < nul; q++)
			line += *q == '\n';
		reader_set_error(err, line, 0, NULL, 0, "input contains a NUL "
		    "byte at line %lu; it looks like binary data, not CSV, "
		    "TSV or JSON", line);
		return false;
	}
	return true;
}

/* Detection rule for FORMAT_AUTO, on the first bytes after a UTF-8 byte
 * order mark and any white space: '{' starts NDJSON and '[' a JSON
 * array.  Anything else is a header row: CSV when a delimiter is given,
 * else TSV when the first line contains a tab and no comma (mysql
 * --batch), and CSV otherwise.  An input that is
 * empty or all white space has no rows and reads as empty NDJSON. */
static enum input_format
detect_format(const struct reader *r)
{
	const char *p = r->buf + r->pos;
	const char *end = r->buf + r->end;
	const char *q = p;
	const char *nl;
	bool tab, comma;

	while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' ||
	    *q == '\n'))
		q++;
	if (q == end || *q == '{')
		return FORMAT_NDJSON;
	if (*q == '[')
		return FORMAT_JSON;
	if (r->opts.delimiter != 0)
		return FORMAT_CSV;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	tab = memchr(p, '\t', (size_t)(nl - p)) != NULL;
	comma = memchr(p, ',', (size_t)(nl - p)) != NULL;
	return tab && !comma ? FORMAT_TSV : FORMAT_CSV;
}

/* Detection and the encoding check look at the first line, which an
 * unbuffered read can return in pieces, so wait for all of it. */
static void
fill_first_line(struct reader *r)
{
	while (memchr(r->buf + r->pos, '\n', r->end - r->pos) == NULL &&
	    reader_fill(r))
		;
}

static void
skip_bom(struct reader *r)
{
	if (r->end - r->pos >= 3 && memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3) == 0) {
		r->pos += 3;
		r->line_start = 3;
	}
}

struct reader *
reader_open(FILE *in, const char *name, const struct reader_options *opts,
    struct reader_error *err)
{
	struct reader *r;
	bool ok = true;

	if (opts->delimiter == '"' || opts->delimiter == '\n' ||
	    opts->delimiter == '\r') {
		reader_set_error(err, 0, 0, NULL, 0, "invalid delimiter: a "
		    "quote or a line end cannot separate fields");
		return NULL;
	}

	r = xcalloc(1, sizeof *r);
	r->in = in;
	r->name = xstrdup(name);
	r->opts = *opts;
	if (opts->null_string != NULL)
		r->null_len = strlen(opts->null_string);
	r->cap = READER_CHUNK;
	r->max_row = READER_MAX_ROW;
	r->buf = xmalloc(r->cap + 1);
	r->line = 1;
	reader_fill(r);
	if (opts->unbuffered)
		fill_first_line(r);
	if (reader_read_failed(r, err) || !check_encoding(r, err)) {
		reader_free(r);
		return NULL;
	}
	skip_bom(r);
	/* Both fills return without bytes only at the end of the input,
	 * so an empty buffer here means an empty input. */
	r->empty = r->pos == r->end;

	r->format = opts->format;
	if (r->format == FORMAT_AUTO)
		r->format = detect_format(r);
	if ((r->format == FORMAT_TSV || r->format == FORMAT_NDJSON) &&
	    !check_line_ends(r, err)) {
		reader_free(r);
		return NULL;
	}
	if (r->format == FORMAT_CSV)
		ok = csv_open(r, err);
	else if (r->format == FORMAT_TSV)
		ok = tsv_open(r, err);
	if (!ok) {
		reader_free(r);
		return NULL;
	}
	return r;
}

enum reader_status
reader_next(struct reader *r, struct row *row, struct reader_error *err)
{
	memset(err, 0, sizeof *err);
	switch (r->format) {
	case FORMAT_CSV:
		return csv_next(r, row, err);
	case FORMAT_TSV:
		return tsv_next(r, row, err);
	case FORMAT_NDJSON:
		return ndjson_next(r, row, err);
	case FORMAT_JSON:
		return json_array_next(r, row, err);
	case FORMAT_AUTO:
		break;
	}
	reader_set_error(err, 0, 0, NULL, 0, "unknown input format");
	return READ_FATAL;
}

enum input_format
reader_format(const struct reader *r)
{
	return r->format;
}

const char *const *
reader_columns(const struct reader *r, size_t *count)
{
	*count = r->ncolumns;
	return (const char *const *)r->columns;
}

bool
reader_empty(const struct reader *r)
{
	return r->empty;
}

const char *
reader_hint(const struct reader *r)
{
	return r->hint;
}

void
reader_free(struct reader *r)
{
	if (r == NULL)
		return;
	if (r->csv_ready)
		csv_free(&r->csv);
	free(r->csv_ends);
	free(r->csv_kinds);
	json_release(r);
	for (size_t i = 0; i < r->ncolumns; i++)
		free(r->columns[i]);
	free(r->columns);
	free(r->column_len);
	free(r->fields);
	free(r->text_off);
	free(r->name_off);
	buf_release(&r->text);
	buf_release(&r->names);
	buf_release(&r->scratch);
	free(r->hint);
	free(r->buf);
	free(r->name);
	free(r);
}
