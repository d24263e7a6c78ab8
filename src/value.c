#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value.h"

/* An exponent this large already means "far too large or too small",
 * so larger ones saturate instead of overflowing a long. */
#define EXPONENT_LIMIT 100000

/* A decimal with at most this many significant digits, whose magnitude
 * is a normal double, always comes back digit for digit from a double
 * (this is DBL_DIG for IEEE 754 binary64). */
#define SAFE_DIGITS 15

/* A double never needs more than 17 significant digits to round-trip. */
#define MAX_SHORTEST_DIGITS 17

/* The pieces of TEXT under the grammar
 *   [+|-] (digits [. [digits]] | . digits) [(e|E) [+|-] digits]
 * which is JSON's number grammar plus a leading '+', "1." and ".5". */
struct number_parts {
	bool negative;
	const char *int_digits;
	size_t int_len;
	const char *frac_digits;
	size_t frac_len;
	bool has_point;
	const char *exp_text;     /* from the 'e' or 'E' to the end */
	size_t exp_len;
	long exponent;
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void
trim_blanks(const char **text, size_t *len)
{
	while (*len > 0 && (**text == ' ' || **text == '\t')) {
		(*text)++;
		(*len)--;
	}
	while (*len > 0 && ((*text)[*len - 1] == ' ' || (*text)[*len - 1] == '\t'))
		(*len)--;
}

static bool
parse_exponent(const char *s, size_t len, size_t *i, struct number_parts *p)
{
	bool negative = false;
	size_t start;

	p->exp_text = s + *i;
	(*i)++;
	if (*i < len && (s[*i] == '+' || s[*i] == '-')) {
		negative = s[*i] == '-';
		(*i)++;
	}

	start = *i;
	for (; *i < len && is_digit(s[*i]); (*i)++)
		if (p->exponent < EXPONENT_LIMIT)
			p->exponent = p->exponent * 10 + (s[*i] - '0');
	if (*i == start)
		return false;
	if (negative)
		p->exponent = -p->exponent;
	p->exp_len = (size_t)(s + *i - p->exp_text);
	return true;
}

static bool
split_number(const char *s, size_t len, struct number_parts *p)
{
	size_t i = 0;

	memset(p, 0, sizeof *p);
	if (i < len && (s[i] == '+' || s[i] == '-')) {
		p->negative = s[i] == '-';
		i++;
	}

	p->int_digits = s + i;
	while (i < len && is_digit(s[i]))
		i++;
	p->int_len = (size_t)(s + i - p->int_digits);
	if (i < len && s[i] == '.') {
		p->has_point = true;
		p->frac_digits = s + ++i;
		while (i < len && is_digit(s[i]))
			i++;
		p->frac_len = (size_t)(s + i - p->frac_digits);
	}
	if (p->int_len == 0 && p->frac_len == 0)
		return false;

	/* Number columns are exported without leading zeros, so "007" is
	 * more likely a code such as a ZIP or an account number, and reading
	 * it as 7 would lose its zeros. */
	if (p->int_len > 1 && p->int_digits[0] == '0')
		return false;

	if (i < len && (s[i] == 'e' || s[i] == 'E') &&
	    !parse_exponent(s, len, &i, p))
		return false;
	return i == len;
}

static enum number_class
classify_integer(const struct number_parts *p, struct buf *out)
{
	uint64_t limit = p->negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t value = 0;

	/* 19 digits always fit in a uint64_t, and every int64 has at most 19. */
	if (p->int_len > 19)
		return NUMBER_BIG_INTEGER;
	for (size_t i = 0; i < p->int_len; i++)
		value = value * 10 + (uint64_t)(p->int_digits[i] - '0');
	if (value > limit)
		return NUMBER_BIG_INTEGER;

	if (p->negative && value != 0)
		buf_addc(out, '-');
	buf_add(out, p->int_digits, p->int_len);
	return NUMBER_EXACT;
}

/* Copy the significant digits of a decimal, without leading or trailing
 * zeros, into DIGITS, and set TOP to the power of ten of the first one.
 * Return how many there are, 0 for a zero value, even when DIGITS is
 * too small to take them all. */
static size_t
significant_digits(const struct number_parts *p, char *digits, size_t size,
    long *top)
{
	size_t total = p->int_len + p->frac_len;
	size_t first = total, last = 0, n = 0;

	for (size_t i = 0; i < total; i++) {
		char c = i < p->int_len ? p->int_digits[i] : p->frac_digits[i - p->int_len];

		if (c == '0')
			continue;
		if (first == total)
			first = i;
		last = i;
	}
	if (first == total)
		return 0;

	*top = p->exponent - (long)p->frac_len + (long)(total - 1 - first);
	for (size_t i = first; i <= last; i++, n++) {
		if (n + 1 < size)
			digits[n] = i < p->int_len ? p->int_digits[i] : p->frac_digits[i - p->int_len];
	}
	if (n < size)
		digits[n] = '\0';
	return n;
}

/* Return whether the shortest decimal that reads back as the same double
 * as DIGITS (its first digit at the power of ten TOP) has exactly those
 * digits and that exponent.  That holds when the N-digit decimal nearest
 * the double is DIGITS and the nearest with N-1 digits does not read back
 * as the double.  Any shorter decimal that reads back can be padded with
 * zeros to N-1 digits, so checking N-1 digits covers every shorter length. */
static bool
survives_double(const char *digits, size_t n, long top)
{
	char text[64], nearest[64];
	double value;

	/* NOTE: strtod and %e follow LC_NUMERIC.  The heapsync programs
	 * leave it at the "C" locale, whose decimal point is '.'. */
	if (n == 1)
		snprintf(text, sizeof text, "%ce%+03ld", digits[0], top);
	else
		snprintf(text, sizeof text, "%c.%se%+03ld", digits[0],
		    digits + 1, top);
	value = strtod(text, NULL);
	if (!isfinite(value) || value == 0)
		return false;

	snprintf(nearest, sizeof nearest, "%.*e", (int)n - 1, value);
	if (strcmp(nearest, text) != 0)
		return false;
	if (n == 1)
		return true;
	snprintf(nearest, sizeof nearest, "%.*e", (int)n - 2, value);
	return strtod(nearest, NULL) != value;
}

static void
add_decimal(const struct number_parts *p, struct buf *out)
{
	if (p->negative)
		buf_addc(out, '-');
	if (p->int_len > 0)
		buf_add(out, p->int_digits, p->int_len);
	else
		buf_addc(out, '0');
	if (p->frac_len > 0) {
		buf_addc(out, '.');
		buf_add(out, p->frac_digits, p->frac_len);
	}
	if (p->exp_len > 0)
		buf_add(out, p->exp_text, p->exp_len);
}

enum number_class
number_classify(const char *text, size_t len, struct buf *out)
{
	struct number_parts p;
	char digits[MAX_SHORTEST_DIGITS + 1];
	size_t n;
	long top = 0;

	trim_blanks(&text, &len);
	if (!split_number(text, len, &p))
		return NUMBER_INVALID;
	if (!p.has_point && p.exp_len == 0)
		return classify_integer(&p, out);

	n = significant_digits(&p, digits, sizeof digits, &top);
	if (n > MAX_SHORTEST_DIGITS)
		return NUMBER_INEXACT;

	/* At most SAFE_DIGITS digits in the normal range need no check.
	 * DBL_MIN is about 2.2e-308 and DBL_MAX about 1.8e308. */
	if (n > SAFE_DIGITS || top < -307 || top > 307)
		if (!survives_double(digits, n, top))
			return NUMBER_INEXACT;

	add_decimal(&p, out);
	return NUMBER_EXACT;
}

bool
bool_parse(const char *text, size_t len, bool *value)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "true", true }, { "t", true }, { "yes", true }, { "y", true },
		{ "on", true }, { "1", true },
		{ "false", false }, { "f", false }, { "no", false }, { "n", false },
		{ "off", false }, { "0", false },
	};

	trim_blanks(&text, &len);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strlen(words[i].word) == len &&
		    strncasecmp(words[i].word, text, len) == 0) {
			*value = words[i].value;
			return true;
		}
	}
	return false;
}
