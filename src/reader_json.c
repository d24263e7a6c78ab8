/* NDJSON and JSON arrays of objects.
 *
 * jansson cannot keep a number's digits as written, nor hand out the
 * elements of an array one at a time, so this file has its own parser.
 * One row (an NDJSON line, or one element of the array) is parsed in
 * place in the input buffer, so only one row at a time is in memory.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "reader_impl.h"
#include "utf8.h"

enum array_state { ARRAY_START, ARRAY_NEXT, ARRAY_DONE };

/* State of one row's parse.  Columns are byte offsets from the start of
 * the line, counted from 1. */
struct parser {
	struct reader *r;
	const char *text;
	const char *p;
	const char *end;
	unsigned long line;
	ptrdiff_t line_start;   /* offset of the current line from TEXT;
	                           negative when the row starts mid-line */
	unsigned depth;
	const char *unit;       /* "line" or "array element", for messages */
	bool in_array;          /* stop after the object: more text follows */
	size_t name_off;        /* field whose value is being parsed */
	size_t name_len;
	bool in_value;          /* parsing a value, not a key */
	bool failed;
	bool failed_at_end;     /* the text ended inside the object */
	unsigned long err_line;
	unsigned err_column;
	char reason[200];
};

static unsigned
column_at(const struct parser *ps, const char *at)
{
	return (unsigned)((at - ps->text) - ps->line_start + 1);
}

/* Record the first error of the row at AT, which must lie on the
 * current line; returns false so callers can return its result. */
static bool __attribute__((format(printf, 3, 4)))
fail(struct parser *ps, const char *at, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return false;
	ps->failed = true;
	ps->err_line = ps->line;
	ps->err_column = column_at(ps, at);
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof ps->reason, fmt, ap);
	va_end(ap);
	return false;
}

static bool
fail_end(struct parser *ps)
{
	if (!ps->failed)
		ps->failed_at_end = true;
	return fail(ps, ps->end, "invalid JSON: unexpected end of %s",
	    ps->unit);
}

static inline void
skip_space(struct parser *ps)
{
	/* Compact JSON has no white space between tokens. */
	if (ps->p < ps->end && (unsigned char)*ps->p > ' ')
		return;
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1 - ps->text;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

static bool
enter(struct parser *ps)
{
	if (++ps->depth > READER_MAX_DEPTH)
		return fail(ps, ps->p, "objects and arrays are nested deeper "
		    "than %d levels", READER_MAX_DEPTH);
	return true;
}

static bool
is_word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '+' ||
	    c == '-';
}

static void
add_utf8(struct buf *out, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	arena_add(out, b, n);
}

/* Read the 4 hex digits after "\u" at P; returns -1 if they are not. */
static long
read_hex4(const char *p, const char *end)
{
	long v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decode the \u escape at ps->p, joining a UTF-16 surrogate pair. */
static bool
parse_unicode_escape(struct parser *ps, struct buf *out)
{
	const char *at = ps->p;
	long cp = read_hex4(at + 2, ps->end);
	long low;

	if (cp < 0)
		return fail(ps, at, "invalid JSON: invalid escape '\\u' "
		    "needs 4 hex digits");
	ps->p += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(ps, at, "invalid JSON: lone surrogate '\\u%04lx' "
		    "in a string", cp);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 6 || ps->p[0] != '\\' ||
		    ps->p[1] != 'u' ||
		    (low = read_hex4(ps->p + 2, ps->end)) < 0xdc00 ||
		    low > 0xdfff)
			return fail(ps, at, "invalid JSON: lone surrogate "
			    "'\\u%04lx' in a string", cp);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
		ps->p += 6;
	}
	add_utf8(out, (unsigned long)cp);
	return true;
}

static bool
parse_escape(struct parser *ps, struct buf *out)
{
	const char *at = ps->p;
	char c;

	if (ps->end - at < 2)
		return fail_end(ps);
	switch (at[1]) {
	case '"': c = '"'; break;
	case '\\': c = '\\'; break;
	case '/': c = '/'; break;
	case 'b': c = '\b'; break;
	case 'f': c = '\f'; break;
	case 'n': c = '\n'; break;
	case 'r': c = '\r'; break;
	case 't': c = '\t'; break;
	case 'u': return parse_unicode_escape(ps, out);
	default:
		if ((unsigned char)at[1] < 0x20 || (unsigned char)at[1] >= 0x7f)
			return fail(ps, at, "invalid JSON: invalid escape in "
			    "a string");
		return fail(ps, at, "invalid JSON: invalid escape '\\%c' in "
		    "a string", at[1]);
	}
	arena_addc(out, c);
	ps->p += 2;
	return true;
}

/* Classes of bytes inside a JSON string: 1 ends a run of plain bytes
 * ('"', '\\' and control characters), 2 is above 0x7f and needs a UTF-8
 * check, 0 is plain ASCII. */
static const unsigned char string_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Append the decoded string at ps->p (on its opening quote) to OUT. */
static bool
parse_string(struct parser *ps, struct buf *out)
{
	const char *start = ps->p;
	size_t out_start = out->len;
	unsigned char high = 0;
	char name[QUOTE_BYTES];

	ps->p++;
	for (;;) {
		const char *run = ps->p;
		const char *p = run;
		unsigned char cls;

		/* No bound check: the NUL that reader_fill keeps after the
		 * buffered input stops the loop at the latest. */
		while ((cls = string_class[(unsigned char)*p]) != 1) {
			high |= cls;
			p++;
		}
		if (p > ps->end)
			p = ps->end;
		ps->p = p;
		arena_add(out, run, (size_t)(p - run));
		if (ps->p == ps->end)
			return fail_end(ps);
		if (*ps->p == '"')
			break;
		if (*ps->p != '\\')
			return fail(ps, ps->p, "invalid JSON: control "
			    "character in a string must be escaped");
		if (!parse_escape(ps, out))
			return false;
	}
	ps->p++;

	/* Escapes decode to valid UTF-8, so only raw bytes above 0x7f
	 * need the check. */
	if (high == 0 || utf8_valid(out->data + out_start,
	    out->len - out_start))
		return true;
	if (!ps->in_value)
		return fail(ps, start, "invalid UTF-8 in a key");
	quote_for_message(name, ps->r->names.data + ps->name_off,
	    ps->name_len);
	return fail(ps, start, "invalid UTF-8 in the value of '%s'", name);
}

/* Append the number literal at ps->p to OUT exactly as written. */
static bool
parse_number(struct parser *ps, struct buf *out)
{
	const char *s = ps->p;
	const char *p = s;
	const char *end = ps->end;

	if (p < end && *p == '-')
		p++;
	if (p < end && *p == 'I')
		return fail(ps, s, "invalid JSON: %sInfinity is not a JSON "
		    "number", *s == '-' ? "-" : "");
	if (p < end && *p == '0') {
		p++;
	} else if (p < end && *p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return fail(ps, s, "invalid JSON: invalid number");
	}
	if (p < end && *p == '.') {
		if (++p == end || *p < '0' || *p > '9')
			return fail(ps, s, "invalid JSON: invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return fail(ps, s, "invalid JSON: invalid number");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && is_word_char(*p))
		return fail(ps, s, "invalid JSON: invalid number");

	arena_add(out, s, (size_t)(p - s));
	ps->p = p;
	return true;
}

/* Match the literal WORD at ps->p. */
static bool
match_word(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0 ||
	    (ps->end - ps->p > (ptrdiff_t)n && is_word_char(ps->p[n])))
		return false;
	ps->p += n;
	return true;
}

static bool
fail_value(struct parser *ps)
{
	if (ps->p == ps->end)
		return fail_end(ps);
	if (ps->end - ps->p >= 3 && memcmp(ps->p, "NaN", 3) == 0)
		return fail(ps, ps->p, "invalid JSON: NaN is not a JSON "
		    "number");
	if (*ps->p == 'I')
		return fail(ps, ps->p, "invalid JSON: Infinity is not a JSON "
		    "number");
	return fail(ps, ps->p, "invalid JSON: expected a value");
}

static bool parse_compact(struct parser *ps, struct buf *out);

/* Append a string as its JSON text, escapes normalised. */
static bool
copy_string(struct parser *ps, struct buf *out)
{
	struct buf *scratch = &ps->r->scratch;

	buf_reset(scratch);
	if (!parse_string(ps, scratch))
		return false;
	buf_add_json_string(out, scratch->data, scratch->len);
	return true;
}

static bool
parse_compact_container(struct parser *ps, struct buf *out, char close)
{
	bool object = close == '}';

	if (!enter(ps))
		return false;
	buf_addc(out, *ps->p++);
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == close) {
		buf_addc(out, *ps->p++);
		ps->depth--;
		return true;
	}
	for (;;) {
		if (object) {
			/* NOTE: keys of objects inside arrays are not checked
			 * for duplicates; the text is passed on as one value. */
			if (ps->p == ps->end || *ps->p != '"')
				return ps->p == ps->end ? fail_end(ps) :
				    fail(ps, ps->p, "invalid JSON: expected a "
				    "string key");
			if (!copy_string(ps, out))
				return false;
			skip_space(ps);
			if (ps->p == ps->end || *ps->p != ':')
				return fail(ps, ps->p, "invalid JSON: expected "
				    "':' after a key");
			buf_addc(out, *ps->p++);
			skip_space(ps);
		}
		if (!parse_compact(ps, out))
			return false;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			buf_addc(out, *ps->p++);
			skip_space(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == close)
			break;
		return fail(ps, ps->p, "invalid JSON: expected ',' or '%c'",
		    close);
	}
	buf_addc(out, *ps->p++);
	ps->depth--;
	return true;
}

/* Append any value's compact JSON text to OUT. */
static bool
parse_compact(struct parser *ps, struct buf *out)
{
	if (ps->p == ps->end)
		return fail_end(ps);
	switch (*ps->p) {
	case '{':
		return parse_compact_container(ps, out, '}');
	case '[':
		return parse_compact_container(ps, out, ']');
	case '"':
		return copy_string(ps, out);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return parse_number(ps, out);
	}
	if (match_word(ps, "true")) {
		buf_adds(out, "true");
		return true;
	}
	if (match_word(ps, "false")) {
		buf_adds(out, "false");
		return true;
	}
	if (match_word(ps, "null")) {
		buf_adds(out, "null");
		return true;
	}
	return fail_value(ps);
}

/* Append the elements of the array at ps->p to OUT joined with "||":
 * strings decoded, numbers as written, null as nothing, and nested
 * objects and arrays as compact JSON.  Sets *EMPTY when the array has
 * no elements. */
static bool
parse_joined_array(struct parser *ps, struct buf *out, bool *empty)
{
	bool first = true;

	if (!enter(ps))
		return false;
	ps->p++;
	skip_space(ps);
	*empty = ps->p < ps->end && *ps->p == ']';
	if (*empty) {
		ps->p++;
		ps->depth--;
		return true;
	}
	for (;;) {
		if (!first)
			buf_adds(out, "||");
		first = false;
		if (ps->p < ps->end && *ps->p == '"') {
			if (!parse_string(ps, out))
				return false;
		} else if (match_word(ps, "null")) {
			/* a null element adds an empty item */
		} else if (!parse_compact(ps, out)) {
			return false;
		}
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_space(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']')
			break;
		return fail(ps, ps->p, "invalid JSON: expected ',' or ']'");
	}
	ps->p++;
	ps->depth--;
	return true;
}

static uint32_t
hash_name(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static void
grow_keys(struct reader *r)
{
	struct key_slot *old = r->keys;
	size_t old_cap = r->keys_cap;

	r->keys_cap = old_cap ? old_cap * 2 : 64;
	r->keys = xcalloc(r->keys_cap, sizeof *r->keys);
	for (size_t i = 0; i < old_cap; i++) {
		size_t j;

		if (old[i].generation != r->generation)
			continue;
		for (j = old[i].hash & (r->keys_cap - 1);
		    r->keys[j].generation == r->generation;
		    j = (j + 1) & (r->keys_cap - 1))
			;
		r->keys[j] = old[i];
	}
	free(old);
}

/* Remember the dotted name at names[OFF..OFF+LEN), whose hash is H, for
 * this row; returns false when the row already has it. */
static bool
add_key(struct reader *r, size_t off, size_t len, uint32_t h)
{
	const char *name = r->names.data + off;
	size_t j;

	if ((r->keys_used + 1) * 2 > r->keys_cap)
		grow_keys(r);
	for (j = h & (r->keys_cap - 1); r->keys[j].generation == r->generation;
	    j = (j + 1) & (r->keys_cap - 1)) {
		const struct key_slot *k = &r->keys[j];

		if (k->hash == h && k->len == len &&
		    memcmp(r->names.data + k->off, name, len) == 0)
			return false;
	}
	r->keys[j] = (struct key_slot){ r->generation, h, off, len };
	r->keys_used++;
	return true;
}

/* Start a new row's set of names; slots of older rows count as free. */
static void
reset_keys(struct reader *r)
{
	r->keys_used = 0;
	if (++r->generation == 0) {
		memset(r->keys, 0, r->keys_cap * sizeof *r->keys);
		r->generation = 1;
	}
}

/* Forget the known keys from index FROM on.  The names arena is cut
 * after the last known name, which also drops a name left unfinished by
 * a failed row. */
static void
drop_known_keys(struct reader *r, size_t from)
{
	const struct known_key *last;

	if (from < r->known_count)
		r->known_count = from;
	if (r->known_count == 0) {
		r->names.len = 0;
		r->known_raw.len = 0;
		return;
	}
	last = &r->known[r->known_count - 1];
	r->names.len = last->name_off + last->name_len + 1;
	r->known_raw.len = last->raw_off + last->raw_len;
}

/* Whether the key at ps->p is written exactly like known key K and sits
 * in the same object.  Equal bytes decode to the same name. */
static bool
matches_known_key(const struct parser *ps, const struct known_key *k,
    size_t parent)
{
	const char *raw = ps->r->known_raw.data + k->raw_off;

	return k->parent == parent &&
	    (size_t)(ps->end - ps->p) >= k->raw_len + 2 &&
	    ps->p[k->raw_len + 1] == '"' &&
	    same_bytes(ps->p + 1, raw, k->raw_len);
}

/* Leave the fast path at key INDEX: the row's keys before it stay known
 * and go into a fresh duplicate table, and the rest are dropped.  Known
 * keys never repeat a dotted name, because each was checked when it was
 * added, so the table starts out valid. */
static void
stop_matching(struct reader *r, size_t index)
{
	r->keys_match = false;
	drop_known_keys(r, index);
	reset_keys(r);
	for (size_t i = 0; i < r->known_count; i++)
		add_key(r, r->known[i].name_off, r->known[i].name_len,
		    r->known[i].hash);
}

static void
remember_key(struct reader *r, const char *raw, size_t raw_len,
    size_t parent, size_t off, size_t len, uint32_t hash)
{
	struct known_key *k;

	if (r->known_count == r->known_cap) {
		r->known_cap = r->known_cap ? r->known_cap * 2 : 32;
		r->known = xrealloc(r->known,
		    r->known_cap * sizeof *r->known);
	}
	k = &r->known[r->known_count++];
	k->raw_off = r->known_raw.len;
	k->raw_len = raw_len;
	k->parent = parent;
	k->name_off = off;
	k->name_len = len;
	k->hash = hash;
	arena_add(&r->known_raw, raw, raw_len);
}

/* Parse the key at ps->p inside the object of key PARENT.  Sets *INDEX
 * to the key's index in r->known, whose dotted name must not repeat
 * another key's in the row. */
static bool
parse_key(struct parser *ps, size_t parent, size_t *index)
{
	struct reader *r = ps->r;
	const char *at = ps->p;
	size_t off, len;
	uint32_t hash;
	char name[QUOTE_BYTES];

	*index = r->key_index++;
	if (r->keys_match && *index < r->known_count &&
	    matches_known_key(ps, &r->known[*index], parent)) {
		ps->p += r->known[*index].raw_len + 2;
		return true;
	}
	if (r->keys_match)
		stop_matching(r, *index);

	off = r->names.len;
	if (parent != NO_PARENT) {
		const struct known_key *p = &r->known[parent];

		buf_grow(&r->names, p->name_len + 1);
		memcpy(r->names.data + r->names.len,
		    r->names.data + p->name_off, p->name_len);
		r->names.len += p->name_len;
		arena_addc(&r->names, '.');
	}
	ps->in_value = false;
	if (!parse_string(ps, &r->names))
		return false;
	len = r->names.len - off;
	/* A NUL would reach the record as a property name, which heap-diff
	 * and heap-send (through jansson) cannot read. */
	if (memchr(r->names.data + off, '\0', len))
		return fail(ps, at, "key contains a NUL character (U+0000), "
		    "which heap-diff and heap-send cannot read; rename it in "
		    "the query");
	arena_addc(&r->names, '\0');

	hash = hash_name(r->names.data + off, len);
	if (!add_key(r, off, len, hash)) {
		quote_for_message(name, r->names.data + off, len);
		return fail(ps, at, "duplicate key '%s'", name);
	}
	remember_key(r, at + 1, (size_t)(ps->p - at) - 2, parent, off, len,
	    hash);
	return true;
}

static bool parse_object(struct parser *ps, size_t parent);

/* Parse the value at ps->p into a new field named names[OFF..OFF+LEN). */
static bool
parse_field(struct parser *ps, size_t off, size_t len)
{
	struct reader *r = ps->r;
	size_t i = row_add(r);
	struct field *f = &r->fields[i];
	size_t text_start = r->text.len;
	bool ok, empty = false;

	r->name_off[i] = off;
	f->name_len = len;
	f->line = ps->line;
	f->column = column_at(ps, ps->p);
	ps->name_off = off;
	ps->name_len = len;
	ps->in_value = true;

	switch (*ps->p) {
	case '"':
		f->type = FIELD_STRING;
		ok = parse_string(ps, &r->text);
		break;
	case '[':
		f->type = FIELD_STRING;
		if (r->opts.arrays == ARRAYS_JSON) {
			ok = parse_compact(ps, &r->text);
			break;
		}

		/* An empty string would erase the property in Heap, so an
		 * empty array is NULL, which --nulls decides about. */
		ok = parse_joined_array(ps, &r->text, &empty);
		if (empty)
			f->type = FIELD_NULL;
		break;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		f->type = FIELD_NUMBER;
		ok = parse_number(ps, &r->text);
		break;
	default:
		if (match_word(ps, "null")) {
			f->type = FIELD_NULL;
			return true;
		}
		f->type = FIELD_BOOL;
		ok = true;
		if (match_word(ps, "true"))
			arena_add(&r->text, "true", 4);
		else if (match_word(ps, "false"))
			arena_add(&r->text, "false", 5);
		else
			ok = fail_value(ps);
		break;
	}
	if (!ok)
		return false;
	r->text_off[i] = text_start;
	f->len = r->text.len - text_start;
	arena_addc(&r->text, '\0');
	return true;
}

/* Parse the object at ps->p, the value of key PARENT, into fields.
 * Nested objects add their keys to their parent's name, so
 * {"a":{"b":1}} gives the field "a.b". */
static bool
parse_object(struct parser *ps, size_t parent)
{
	if (!enter(ps))
		return false;
	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		ps->depth--;
		return true;
	}
	for (;;) {
		size_t key;
		bool ok;

		if (ps->p == ps->end)
			return fail_end(ps);
		if (*ps->p != '"')
			return fail(ps, ps->p, "invalid JSON: expected a "
			    "string key");
		if (!parse_key(ps, parent, &key))
			return false;
		skip_space(ps);
		if (ps->p == ps->end || *ps->p != ':')
			return ps->p == ps->end ? fail_end(ps) :
			    fail(ps, ps->p, "invalid JSON: expected ':' after "
			    "a key");
		ps->p++;
		skip_space(ps);
		if (ps->p == ps->end)
			return fail_end(ps);

		if (*ps->p == '{')
			ok = parse_object(ps, key);
		else
			ok = parse_field(ps, ps->r->known[key].name_off,
			    ps->r->known[key].name_len);
		if (!ok)
			return false;

		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			skip_space(ps);
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}')
			break;
		return ps->p == ps->end ? fail_end(ps) :
		    fail(ps, ps->p, "invalid JSON: expected ',' or '}'");
	}
	ps->p++;
	ps->depth--;
	return true;
}

static const char *
describe_value(char c)
{
	switch (c) {
	case '[': return "an array";
	case '"': return "a string";
	case 't': case 'f': return "a boolean";
	case 'n': return "null";
	}
	return c == '-' || (c >= '0' && c <= '9') ? "a number" : NULL;
}

/* Parse one row's text, which must be a single JSON object. */
static bool
parse_row(struct parser *ps)
{
	const char *what;

	row_reset(ps->r);
	ps->r->key_index = 0;
	ps->r->keys_match = true;
	skip_space(ps);
	if (ps->p == ps->end)
		return fail_end(ps);
	if (*ps->p != '{') {
		what = describe_value(*ps->p);
		if (what == NULL)
			return fail_value(ps);
		return fail(ps, ps->p, "expected a JSON object, found %s", what);
	}
	if (!parse_object(ps, NO_PARENT))
		return false;
	if (ps->r->keys_match)
		drop_known_keys(ps->r, ps->r->key_index);
	if (ps->in_array)
		return true;
	skip_space(ps);
	if (ps->p != ps->end)
		return fail(ps, ps->p, "invalid JSON: unexpected text after "
		    "the object");
	return true;
}

static void
init_parser(struct parser *ps, struct reader *r, const char *text,
    size_t len, unsigned long line, unsigned column)
{
	memset(ps, 0, sizeof *ps);
	ps->r = r;
	ps->text = text;
	ps->p = text;
	ps->end = text + len;
	ps->line = line;
	ps->line_start = -(ptrdiff_t)(column - 1);
	ps->unit = r->format == FORMAT_JSON ? "array element" : "line";
	ps->in_array = r->format == FORMAT_JSON;
}

/* Fill ROW from a successful parse of TEXT, or ERR from a failed one. */
static enum reader_status
finish_parse(struct reader *r, const struct parser *ps, bool ok,
    unsigned long line, const char *text, size_t len, struct row *row,
    struct reader_error *err)
{
	if (!ok) {
		reader_set_error(err, ps->err_line, ps->err_column, text, len,
		    "%s", ps->reason);
		return READ_BAD_ROW;
	}
	row_finish(r, row, false);
	row->line = line;
	row->raw = text;
	row->raw_len = len;
	return READ_ROW;
}

static bool
is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* A line that is only "{" starts a pretty-printed object, such as jq
 * prints without -c.  Every line of it will be rejected, so leave a hint
 * that gives the command for one object per line. */
static void
check_pretty_printed(struct reader *r, const char *text, size_t len,
    unsigned long line)
{
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	if (r->hint != NULL || len != 1 || *text != '{')
		return;
	r->hint = xmalloc(HINT_SIZE);
	snprintf(r->hint, HINT_SIZE, "line %lu contains only '{', but NDJSON "
	    "needs one whole object per line; pretty-printed JSON can be "
	    "converted with 'jq -c .'", line);
}

/* Describe in ERR an input that ends inside the object of its last
 * line.  An export normally ends its last line with a line end, so
 * such an input was probably cut short, and the rows lost with the
 * rest of it cannot be counted as rejected. */
static enum reader_status
cut_short(const struct parser *ps, struct reader_error *err)
{
	reader_set_error(err, ps->err_line, ps->err_column, NULL, 0,
	    "invalid JSON: the input ends inside the object on its last "
	    "line; check whether the input was cut short");
	return READ_FATAL;
}

enum reader_status
ndjson_next(struct reader *r, struct row *row, struct reader_error *err)
{
	for (;;) {
		size_t i = 0;
		size_t len;
		const char *text;
		const char *nl;
		unsigned long line = r->line;

		for (;;) {
			nl = memchr(r->buf + r->pos + i, '\n',
			    r->end - r->pos - i);
			if (nl != NULL)
				break;
			i = r->end - r->pos;
			if (!reader_fill(r))
				break;
		}
		if (reader_read_failed(r, err))
			return READ_FATAL;
		text = r->buf + r->pos;
		len = nl ? (size_t)(nl - text) : r->end - r->pos;
		if (nl == NULL && len == 0)
			return READ_EOF;

		r->pos += len + (nl != NULL);
		r->line++;
		if (len > 0 && text[len - 1] == '\r')
			len--;
		if (!is_blank(text, len)) {
			struct parser ps;
			bool ok;

			init_parser(&ps, r, text, len, line, 1);
			ok = parse_row(&ps);
			if (!ok && ps.failed_at_end && nl == NULL)
				return cut_short(&ps, err);
			if (!ok)
				check_pretty_printed(r, text, len, line);
			return finish_parse(r, &ps, ok, line, text, len, row,
			    err);
		}
	}
}

/* Skip white space before the next token of the array, counting lines.
 * Returns the token's first byte, or -1 at the end of input. */
static int
peek_token(struct reader *r)
{
	for (;;) {
		char c;

		if (r->pos == r->end && !reader_fill(r))
			return -1;
		c = r->buf[r->pos];
		if (c == '\n') {
			r->line++;
			r->line_start = r->base + r->pos + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return (unsigned char)c;
		}
		r->pos++;
	}
}

static unsigned
current_column(const struct reader *r)
{
	return (unsigned)(r->base + r->pos - r->line_start + 1);
}

/* The extent of one array element in the buffer, found by matching
 * brackets outside strings. */
struct element {
	size_t len;
	unsigned long newlines;
	size_t last_newline;     /* offset of the last LF, if NEWLINES > 0 */
};

static enum reader_status
fatal_at(struct reader *r, const struct element *el, size_t i,
    struct reader_error *err, const char *reason, char found)
{
	unsigned long line = r->line + el->newlines;
	unsigned column = el->newlines ? (unsigned)(i - el->last_newline) :
	    current_column(r) + (unsigned)i;

	if (found)
		reader_set_error(err, line, column, NULL, 0, "%s '%c'", reason,
		    found);
	else
		reader_set_error(err, line, column, NULL, 0, "%s", reason);
	return READ_FATAL;
}

/* Find the end of the element at r->pos.  The next element can only be
 * found when brackets match, so a mismatch is fatal.  Any other error
 * is left to the parser, which rejects the element alone. */
static enum reader_status
scan_element(struct reader *r, struct element *el, struct reader_error *err)
{
	struct buf *stack = &r->brackets;
	bool in_string = false;
	bool escaped = false;
	bool scalar = r->buf[r->pos] != '{' && r->buf[r->pos] != '[';
	size_t i = 0;

	memset(el, 0, sizeof *el);
	buf_reset(stack);
	for (;;) {
		const char *p = r->buf + r->pos;
		size_t n = r->end - r->pos;

		for (; i < n; i++) {
			char c = p[i];

			if (in_string) {
				if (c == '\n') {
					el->newlines++;
					el->last_newline = i;
				}
				if (escaped)
					escaped = false;
				else if (c == '\\')
					escaped = true;
				else if (c == '"')
					in_string = false;
				continue;
			}
			if (c == '"') {
				in_string = true;
			} else if (c == '{' || c == '[') {
				buf_addc(stack, c == '{' ? '}' : ']');
			} else if (c == '}' || c == ']') {
				if (stack->len == 0 && scalar)
					goto done;
				if (stack->len == 0 ||
				    stack->data[stack->len - 1] != c)
					return fatal_at(r, el, i, err,
					    "invalid JSON: unexpected", c);
				if (--stack->len == 0)
					goto close;
			} else if (scalar && (c == ',' || c == ' ' ||
			    c == '\t' || c == '\r' || c == '\n')) {
				goto done;
			} else if (c == '\n') {
				el->newlines++;
				el->last_newline = i;
			}
		}
		if (!reader_fill(r))
			break;
	}
	if (reader_read_failed(r, err))
		return READ_FATAL;
	if (scalar && !in_string)
		return fatal_at(r, el, i, err, "invalid JSON: the input ends "
		    "inside the array", 0);
	return fatal_at(r, el, i, err, "invalid JSON: the input ends inside "
	    "an array element", 0);

close:
	i++;
done:
	el->len = i;
	return READ_ROW;
}

/* Consume the element's bytes, keeping the line count. */
static void
consume_element(struct reader *r, const struct element *el)
{
	if (el->newlines > 0) {
		r->line += el->newlines;
		r->line_start = r->base + r->pos + el->last_newline + 1;
	}
	r->pos += el->len;
}

/* Expect the end of input after the array's closing bracket. */
static enum reader_status
finish_array(struct reader *r, struct reader_error *err)
{
	r->array_state = ARRAY_DONE;
	if (peek_token(r) < 0)
		return reader_read_failed(r, err) ? READ_FATAL : READ_EOF;
	reader_set_error(err, r->line, current_column(r), NULL, 0,
	    "invalid JSON: unexpected text after the array");
	return READ_FATAL;
}

static enum reader_status
array_error(struct reader *r, struct reader_error *err, const char *reason)
{
	if (reader_read_failed(r, err))
		return READ_FATAL;
	if (r->empty)
		reason = "missing JSON array: the input is empty";
	else if (peek_token(r) < 0)
		reason = "invalid JSON: the input ends inside the array";
	reader_set_error(err, r->line, current_column(r), NULL, 0, "%s",
	    reason);
	return READ_FATAL;
}

/* Move to the next element of the array: past '[' or ',' and the white
 * space around them.  Returns READ_ROW when an element starts at
 * r->pos. */
static enum reader_status
next_element(struct reader *r, struct reader_error *err)
{
	int c = peek_token(r);

	if (r->array_state == ARRAY_START) {
		if (c != '[')
			return array_error(r, err, "invalid JSON: expected '[' "
			    "to start the array");
		r->pos++;
		c = peek_token(r);
		if (c == ']') {
			r->pos++;
			return finish_array(r, err);
		}
	} else if (r->array_state == ARRAY_NEXT) {
		if (c == ']') {
			r->pos++;
			return finish_array(r, err);
		}
		if (c != ',')
			return array_error(r, err, "invalid JSON: expected ',' "
			    "or ']' after an array element");
		r->pos++;
		c = peek_token(r);
	}
	if (c < 0 || c == ']' || c == '}' || c == ',')
		return array_error(r, err, "invalid JSON: expected an array "
		    "element");
	return READ_ROW;
}

/* Parse the element at r->pos in place, straight from the buffer with
 * whatever input follows it.  When that fails, the failure may come from
 * the end of the buffer, and the next element must be found anyway.  So
 * the element's end is then found by bracket matching, and the element
 * alone is parsed again. */
enum reader_status
json_array_next(struct reader *r, struct row *row, struct reader_error *err)
{
	struct element el;
	struct parser ps;
	enum reader_status st;
	unsigned long line;
	unsigned column;
	bool ok;

	if (r->array_state == ARRAY_DONE)
		return READ_EOF;
	st = next_element(r, err);
	if (st != READ_ROW) {
		r->array_state = ARRAY_DONE;
		return st;
	}
	line = r->line;
	column = current_column(r);
	r->array_state = ARRAY_NEXT;

	init_parser(&ps, r, r->buf + r->pos, r->end - r->pos, line, column);
	if (parse_row(&ps)) {
		size_t len = (size_t)(ps.p - ps.text);

		if (ps.line > line) {
			r->line_start = r->base + r->pos +
			    (size_t)ps.line_start;
			r->line = ps.line;
		}
		r->pos += len;
		return finish_parse(r, &ps, true, line, ps.text, len, row,
		    err);
	}

	st = scan_element(r, &el, err);
	if (st != READ_ROW) {
		r->array_state = ARRAY_DONE;
		return st;
	}
	init_parser(&ps, r, r->buf + r->pos, el.len, line, column);
	ok = parse_row(&ps);
	consume_element(r, &el);
	return finish_parse(r, &ps, ok, line, ps.text, el.len, row, err);
}

void
json_release(struct reader *r)
{
	free(r->keys);
	free(r->known);
	buf_release(&r->known_raw);
	buf_release(&r->brackets);
}
