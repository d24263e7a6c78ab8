#include "config.h"

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
append_number(struct buf *out, const json_t *value)
{
	char text[32];
	double d;
	int n;

	if (json_is_integer(value)) {
		append_integer(out, (int64_t)json_integer_value(value));
		return;
	}

	/* A real with no fraction is spelled like the integer it equals, so
	 * 1.0 and 1e0 match 1 (and -0.0 matches 0).  Other reals use 17
	 * significant digits, enough to round-trip a double, so two reals
	 * print alike only when they are the same double. */
	d = json_real_value(value);
	if (d == trunc(d) && d >= -9223372036854775808.0 &&
	    d < 9223372036854775808.0) {
		append_integer(out, (int64_t)d);
		return;
	}

	/* One snprintf into a local buffer, as buf_addf would format twice. */
	n = snprintf(text, sizeof text, "%.17g", d);
	buf_add(out, text, (size_t)n);
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
