#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon_json.h"
#include "msg.h"

/* Append N in decimal; printf costs more than the rest of a record. */
static void
append_integer(struct buf *out, int64_t n)
{
	char digits[24], *p = digits + sizeof digits;
	uint64_t u = n < 0 ? -(uint64_t)n : (uint64_t)n;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (n < 0)
		*--p = '-';
	buf_add(out, p, (size_t)(digits + sizeof digits - p));
}

static void
append_real(struct buf *out, double d)
{
	char text[32];
	int n;

	/* A real with no fraction is spelled like the integer it equals, so
	 * 1.0 and 1e0 match 1 (and -0.0 matches 0).  Other reals use 17
	 * significant digits, enough to round-trip a double, so two reals
	 * print alike only when they are the same double. */
	if (d == trunc(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0) {
		append_integer(out, (int64_t)d);
		return;
	}

	/* One snprintf into a local buffer, as buf_addf would format twice. */
	n = snprintf(text, sizeof text, "%.17g", d);
	buf_add(out, text, (size_t)n);
}

static void
append_number(struct buf *out, const json_t *value)
{
	if (json_is_integer(value))
		append_integer(out, (int64_t)json_integer_value(value));
	else
		append_real(out, json_real_value(value));
}

static int
compare_keys(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
append_object(struct buf *out, const json_t *object)
{
	size_t count = json_object_size(object), i = 0;
	const char **keys;
	const char *key;
	json_t *member;

	keys = xmalloc(count * sizeof *keys);
	json_object_foreach((json_t *)object, key, member)
		keys[i++] = key;
	/* NOTE: keys compare as C strings, so two keys that differ only
	 * after an escaped NUL (\u0000) sort in either order. */
	qsort(keys, count, sizeof *keys, compare_keys);

	buf_addc(out, '{');
	for (i = 0; i < count; i++) {
		if (i > 0)
			buf_addc(out, ',');
		buf_add_json_string(out, keys[i], strlen(keys[i]));
		buf_addc(out, ':');
		canon_append(out, json_object_get(object, keys[i]));
	}
	buf_addc(out, '}');
	free(keys);
}

void
canon_append(struct buf *out, const json_t *value)
{
	size_t i;

	switch (json_typeof(value)) {
	case JSON_OBJECT:
		append_object(out, value);
		break;
	case JSON_ARRAY:
		buf_addc(out, '[');
		for (i = 0; i < json_array_size(value); i++) {
			if (i > 0)
				buf_addc(out, ',');
			canon_append(out, json_array_get(value, i));
		}
		buf_addc(out, ']');
		break;
	case JSON_STRING:
		buf_add_json_string(out, json_string_value(value),
		    json_string_length(value));
		break;
	case JSON_INTEGER:
	case JSON_REAL:
		append_number(out, value);
		break;
	case JSON_TRUE:
		buf_adds(out, "true");
		break;
	case JSON_FALSE:
		buf_adds(out, "false");
		break;
	case JSON_NULL:
		buf_adds(out, "null");
		break;
	}
}

/* A member of a flat object, as spans of the text. */
struct member {
	const char *name;      /* without quotes and free of escapes */
	size_t name_len;
	const char *value;     /* a string with its quotes, or a number */
	size_t value_len;
	bool is_string;
};

/* Flat objects with more members take the jansson path. */
#define MAX_FAST_MEMBERS 128

/* Return the length of the string literal at TEXT (quotes included) when
 * it is exactly what buf_add_json_string writes for its value, else 0.
 * That writer leaves no raw control character and writes no escape other
 * than \" \\ \n \r \t or a lowercase \u00XX for another control
 * character. */
static size_t
canonical_string(const char *text, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 1;

	while (i < len && text[i] != '"') {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20)
			return 0;
		if (c != '\\') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return 0;
		c = (unsigned char)text[i + 1];
		if (c == '"' || c == '\\' || c == 'n' || c == 'r' || c == 't') {
			i += 2;
			continue;
		}
		if (c != 'u' || i + 5 >= len || text[i + 2] != '0' ||
		    text[i + 3] != '0' || (text[i + 4] != '0' && text[i + 4] != '1') ||
		    strchr(hex, text[i + 5]) == NULL || text[i + 5] == '\0')
			return 0;
		c = (unsigned char)((text[i + 4] - '0') * 16 +
		    (int)(strchr(hex, text[i + 5]) - hex));
		if (c == '\n' || c == '\r' || c == '\t')
			return 0;
		i += 6;
	}
	return i < len ? i + 1 : 0;
}

/* Return the length of the JSON number at TEXT, 0 when there is none. */
static size_t
number_length(const char *text, size_t len)
{
	size_t i = 0, digits;

	if (i < len && text[i] == '-')
		i++;
	if (i < len && text[i] == '0')
		i++;
	else if (i < len && text[i] >= '1' && text[i] <= '9')
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
	else
		return 0;
	if (i < len && text[i] == '.') {
		for (digits = ++i; i < len && text[i] >= '0' && text[i] <= '9'; i++)
			;
		if (i == digits)
			return 0;
	}
	if (i < len && (text[i] == 'e' || text[i] == 'E')) {
		i++;
		if (i < len && (text[i] == '+' || text[i] == '-'))
			i++;
		for (digits = i; i < len && text[i] >= '0' && text[i] <= '9'; i++)
			;
		if (i == digits)
			return 0;
	}
	return i;
}

/* Append a JSON number token the way canon_append writes the value
 * jansson reads from it; return false where jansson would fail. */
static bool
append_number_text(struct buf *out, const char *text, size_t len)
{
	char copy[400];
	long long integer;
	double real;
	char *end;

	if (len >= sizeof copy)
		return false;
	memcpy(copy, text, len);
	copy[len] = '\0';

	errno = 0;
	if (strpbrk(copy, ".eE") == NULL) {
		integer = strtoll(copy, &end, 10);
		if (errno == ERANGE)
			return false;
		append_integer(out, (int64_t)integer);
		return true;
	}
	real = strtod(copy, &end);
	if (!isfinite(real))
		return false;
	append_real(out, real);
	return true;
}

static int
compare_members(const struct member *a, const struct member *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* Split TEXT into at most MAX_FAST_MEMBERS members sorted by name and
 * return their count.  Return -1 when TEXT is not a flat object that
 * this path handles. */
static int
split_members(const char *text, size_t len, struct member *m)
{
	size_t i = 1, span;
	int count = 0;

	if (len < 2 || text[0] != '{')
		return -1;
	if (text[i] == '}')
		return i + 1 == len ? 0 : -1;
	for (;;) {
		struct member cur;
		int j;

		if (count == MAX_FAST_MEMBERS || i >= len || text[i] != '"')
			return -1;
		cur.name = text + ++i;
		while (i < len && text[i] != '"' && text[i] != '\\' &&
		    (unsigned char)text[i] >= 0x20)
			i++;
		if (i >= len || text[i] != '"')
			return -1;
		cur.name_len = (size_t)(text + i - cur.name);
		if (++i >= len || text[i++] != ':' || i >= len)
			return -1;

		cur.value = text + i;
		cur.is_string = text[i] == '"';
		span = cur.is_string ? canonical_string(text + i, len - i) :
		    number_length(text + i, len - i);
		if (span == 0)
			return -1;
		cur.value_len = span;
		i += span;

		/* Insertion sort: objects are small, and often sorted. */
		for (j = count; j > 0 && compare_members(&m[j - 1], &cur) > 0; j--)
			m[j] = m[j - 1];
		if (j > 0 && compare_members(&m[j - 1], &cur) == 0)
			return -1;
		m[j] = cur;
		count++;

		if (i < len && text[i] == ',') {
			i++;
			continue;
		}
		if (i + 1 == len && text[i] == '}')
			return count;
		return -1;
	}
}

bool
canon_append_flat(struct buf *out, const char *text, size_t len)
{
	struct member members[MAX_FAST_MEMBERS];
	size_t start = out->len;
	int count = split_members(text, len, members);

	if (count < 0)
		return false;

	buf_addc(out, '{');
	for (int i = 0; i < count; i++) {
		if (i > 0)
			buf_addc(out, ',');
		buf_addc(out, '"');
		buf_add(out, members[i].name, members[i].name_len);
		buf_add(out, "\":", 2);
		if (members[i].is_string) {
			buf_add(out, members[i].value, members[i].value_len);
		} else if (!append_number_text(out, members[i].value,
		    members[i].value_len)) {
			out->len = start;
			out->data[start] = '\0';
			return false;
		}
	}
	buf_addc(out, '}');
	return true;
}
