#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
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

/* The exact decimal value of a double has at most 767 significant
 * digits, so a longer spelling is no printout of one. */
#define MAX_PRINTOUT_DIGITS 800

/* Extra digits of the double printed beyond the spelling's own, so the
 * rounding of that printout is far below the tolerances. */
#define GUARD_DIGITS 6

/* A printout may be off by this fraction of the gap between adjacent
 * doubles.  In a sample of 200 values per magnitude, the 20 digits of
 * sqlite3 3.40 were off by up to 1/600 of the gap from 1e-30 to 1e30 and
 * 1/350 down to 1e-200.  A decimal that no double represents lies on
 * average 1/4 of the gap from the nearest one.
 * NOTE: from 1e100 up, sqlite3 3.40 is off by up to 0.43 of the gap, so
 * its printouts there are indistinguishable from other decimals and stay
 * NUMBER_INEXACT. */
#define PRINTOUT_GAP_FRACTION 256

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
 * zeros, into DIGITS, set TOP to the power of ten of the first one and
 * WRITTEN to their count with the trailing zeros.  Return how many there
 * are, 0 for a zero value, even when DIGITS is too small to take them
 * all. */
static size_t
significant_digits(const struct number_parts *p, char *digits, size_t size,
    long *top, size_t *written)
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
	*written = total - first;
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
		snprintf(text, sizeof text, "%c.%.*se%+03ld", digits[0],
		    (int)n - 1, digits + 1, top);
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

/* Return how far, in units of the power of ten UNIT, the decimal
 * DIGITS (N digits, the first at the power of ten TOP) lies from the
 * digits of X (its first at XTOP, XN of them). */
static double
distance_in_units(const char *digits, size_t n, long top, const char *x,
    size_t xn, long xtop, long unit)
{
	long high = top > xtop ? top : xtop;
	long low = top - (long)n + 1, xlow = xtop - (long)xn + 1;
	long last = low;
	int a, b, borrow = 0, sign;
	size_t len;
	char *diff;
	double units = 0;

	if (xlow < low)
		low = xlow;
	len = (size_t)(high - low + 1);
	diff = xmalloc(len);

	/* Which is larger decides the direction of the subtraction. */
	sign = 0;
	for (long pos = high; pos >= low && sign == 0; pos--) {
		a = pos <= top && pos > top - (long)n ? digits[top - pos] - '0' : 0;
		b = pos <= xtop && pos >= xlow ? x[xtop - pos] - '0' : 0;
		sign = (a > b) - (a < b);
	}
	for (long pos = low; pos <= high; pos++) {
		a = pos <= top && pos > top - (long)n ? digits[top - pos] - '0' : 0;
		b = pos <= xtop && pos >= xlow ? x[xtop - pos] - '0' : 0;
		if (sign < 0) {
			int t = a;

			a = b;
			b = t;
		}
		a -= b + borrow;
		borrow = a < 0;
		diff[pos - low] = (char)(a + (borrow ? 10 : 0));
	}

	/* The first 20 digits of the difference are enough to compare it
	 * with one unit or with a fraction of the gap. */
	for (long pos = high, used = 0; pos >= low && used < 20; pos--) {
		if (used == 0 && diff[pos - low] == 0)
			continue;
		units = units * 10 + diff[pos - low];
		last = pos;
		used++;
	}
	free(diff);
	return units * pow(10, (double)(last - unit));
}

/* Return whether DIGITS (N digits, the first at the power of ten TOP)
 * is a printout of the double it reads as, and store that double in
 * VALUE.  A printout longer than a double needs agrees with the exact
 * value of the double to within one unit in its last digit, as when
 * rounded or truncated.  Any printout may also be off by a small
 * fraction of the gap between adjacent doubles, as the 20 digits of
 * sqlite3 are.  Without its trailing zeros such a printout can have 17
 * digits or fewer, where one unit would admit most decimals. */
static bool
prints_double(const char *digits, size_t n, size_t written, long top,
    double *value)
{
	long unit = top - (long)written + 1;
	char text[MAX_PRINTOUT_DIGITS + 32], *exact, *end;
	size_t xn = 0;
	long xtop;
	double units, gap;

	snprintf(text, sizeof text, "%c.%se%+ld", digits[0], digits + 1, top);
	*value = strtod(text, NULL);
	if (!isfinite(*value) || *value == 0)
		return false;

	/* glibc prints the exact decimal expansion to any precision. */
	exact = xmalloc(n + GUARD_DIGITS + 32);
	snprintf(exact, n + GUARD_DIGITS + 32, "%.*e", (int)(n + GUARD_DIGITS),
	    *value);
	xtop = strtol(strchr(exact, 'e') + 1, &end, 10);
	for (char *p = exact; *p != 'e'; p++)
		if (*p != '.')
			exact[xn++] = *p;
	units = distance_in_units(digits, n, top, exact, xn, xtop, unit);
	free(exact);

	/* Logarithms, as a unit or the gap of a tiny value can underflow. */
	gap = *value - nextafter(*value, 0);
	if (written > MAX_SHORTEST_DIGITS && units < 1)
		return true;
	return units == 0 || log10(units) + (double)unit <=
	    log10(gap) - log10(PRINTOUT_GAP_FRACTION);
}

/* Append the shortest spelling that reads back as VALUE. */
static void
add_shortest(double value, struct buf *out)
{
	char text[32];

	for (int precision = 1; precision <= MAX_SHORTEST_DIGITS; precision++) {
		snprintf(text, sizeof text, "%.*g", precision, value);
		if (strtod(text, NULL) == value)
			break;
	}
	buf_adds(out, text);
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
	char digits[MAX_PRINTOUT_DIGITS + 1];
	double value;
	size_t n, written = 0;
	long top = 0;

	trim_blanks(&text, &len);
	if (!split_number(text, len, &p))
		return NUMBER_INVALID;
	if (!p.has_point && p.exp_len == 0)
		return classify_integer(&p, out);

	n = significant_digits(&p, digits, sizeof digits, &top, &written);
	if (n > MAX_PRINTOUT_DIGITS)
		return NUMBER_INEXACT;

	/* At most SAFE_DIGITS digits in the normal range need no check.
	 * DBL_MIN is about 2.2e-308 and DBL_MAX about 1.8e308. */
	if (n <= SAFE_DIGITS && top >= -307 && top <= 307) {
		add_decimal(&p, out);
		return NUMBER_EXACT;
	}
	if (n <= MAX_SHORTEST_DIGITS && survives_double(digits, n, top)) {
		add_decimal(&p, out);
		return NUMBER_EXACT;
	}

	/* sqlite3 -json prints 19.99 as 19.989999999999998436, digits that
	 * mean the double and no decimal beyond it. */
	if (!prints_double(digits, n, written, top, &value))
		return NUMBER_INEXACT;
	add_shortest(p.negative ? -value : value, out);
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
