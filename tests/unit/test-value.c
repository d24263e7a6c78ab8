#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "tap.h"
#include "value.h"

static const char *class_names[] = {
	"invalid", "exact", "big-integer", "inexact",
};

/* Check that TEXT is classified as WANT and, when WANT is NUMBER_EXACT,
 * spelled as SPELLING; other classes must leave the buffer alone. */
static void
check_number(const char *text, enum number_class want, const char *spelling)
{
	struct buf out = BUF_INIT;
	enum number_class got;
	char what[256];

	buf_adds(&out, "[");
	got = number_classify(text, strlen(text), &out);
	snprintf(what, sizeof what, "'%s' is %s", text, class_names[want]);
	tap_check(got == want, what, __FILE__, __LINE__);
	if (got != want)
		printf("# got: %s\n", class_names[got]);

	if (want == NUMBER_EXACT) {
		char expected[256];

		snprintf(expected, sizeof expected, "[%s", spelling);
		snprintf(what, sizeof what, "'%s' spelled %s", text, spelling);
		tap_check_str(out.data, expected, what, __FILE__, __LINE__);
	} else {
		snprintf(what, sizeof what, "'%s' leaves the buffer alone", text);
		tap_check_str(out.data, "[", what, __FILE__, __LINE__);
	}
	buf_release(&out);
}

static void
check_bool(const char *text, bool ok, bool want)
{
	bool value = !want;
	char what[256];

	snprintf(what, sizeof what, "bool '%s'", text);
	if (!ok) {
		tap_check(!bool_parse(text, strlen(text), &value), what,
		    __FILE__, __LINE__);
		return;
	}
	tap_check(bool_parse(text, strlen(text), &value) && value == want,
	    what, __FILE__, __LINE__);
}

static void
test_integers(void)
{
	check_number("0", NUMBER_EXACT, "0");
	check_number("42", NUMBER_EXACT, "42");
	check_number("-42", NUMBER_EXACT, "-42");
	check_number("+42", NUMBER_EXACT, "42");
	check_number("-0", NUMBER_EXACT, "0");
	check_number("+0", NUMBER_EXACT, "0");
	check_number(" 17\t", NUMBER_EXACT, "17");
	check_number("9223372036854775807", NUMBER_EXACT, "9223372036854775807");
	check_number("-9223372036854775808", NUMBER_EXACT, "-9223372036854775808");
	check_number("9223372036854775808", NUMBER_BIG_INTEGER, NULL);
	check_number("-9223372036854775809", NUMBER_BIG_INTEGER, NULL);
	check_number("18446744073709551615", NUMBER_BIG_INTEGER, NULL);
	check_number("18446744073709551616", NUMBER_BIG_INTEGER, NULL);
	check_number("99999999999999999999", NUMBER_BIG_INTEGER, NULL);
	check_number("123456789012345678901234567890", NUMBER_BIG_INTEGER, NULL);
	/* Beyond 2^53 but within int64: exact as an integer. */
	check_number("9007199254740993", NUMBER_EXACT, "9007199254740993");
}

static void
test_decimals(void)
{
	check_number("12.5", NUMBER_EXACT, "12.5");
	check_number("12.50", NUMBER_EXACT, "12.50");
	check_number("123.4500", NUMBER_EXACT, "123.4500");
	check_number("+1.50", NUMBER_EXACT, "1.50");
	check_number(".5", NUMBER_EXACT, "0.5");
	check_number("-.5", NUMBER_EXACT, "-0.5");
	check_number("+.50", NUMBER_EXACT, "0.50");
	check_number("1.", NUMBER_EXACT, "1");
	check_number("-1.", NUMBER_EXACT, "-1");
	check_number("1.e3", NUMBER_EXACT, "1e3");
	check_number("0.1", NUMBER_EXACT, "0.1");
	check_number("0.0", NUMBER_EXACT, "0.0");
	check_number("-0.0", NUMBER_EXACT, "-0.0");
	check_number("0e-400", NUMBER_EXACT, "0e-400");
	check_number("1e3", NUMBER_EXACT, "1e3");
	check_number("1E+03", NUMBER_EXACT, "1E+03");
	check_number("2.5e-3", NUMBER_EXACT, "2.5e-3");
	check_number("-6.02214076e23", NUMBER_EXACT, "-6.02214076e23");
	check_number("1.7976931348623157e308", NUMBER_EXACT, "1.7976931348623157e308");
	check_number("2.2250738585072014e-308", NUMBER_EXACT, "2.2250738585072014e-308");
	check_number("5e-324", NUMBER_EXACT, "5e-324");
	check_number("123456789012345.6", NUMBER_EXACT, "123456789012345.6");
	check_number("0.30000000000000004", NUMBER_EXACT, "0.30000000000000004");
	check_number("9007199254740992.0", NUMBER_EXACT, "9007199254740992.0");
	check_number("100000000000000000000.0", NUMBER_EXACT, "100000000000000000000.0");
	check_number("1e22", NUMBER_EXACT, "1e22");

	check_number("12345678901234567.5", NUMBER_INEXACT, NULL);
	check_number("9007199254740993.0", NUMBER_INEXACT, NULL);
	check_number("0.10000000000000001", NUMBER_INEXACT, NULL);
	check_number("3.141592653589793238", NUMBER_INEXACT, NULL);
	check_number("1e400", NUMBER_INEXACT, NULL);
	check_number("-1e400", NUMBER_INEXACT, NULL);
	check_number("1e-400", NUMBER_INEXACT, NULL);
	check_number("1.7976931348623159e308", NUMBER_INEXACT, NULL);
	check_number("1e999999999999999999999", NUMBER_INEXACT, NULL);
	check_number("12345678901234567.89", NUMBER_INEXACT, NULL);
	check_number("-12345678901234567.89", NUMBER_INEXACT, NULL);
	check_number("1.23456789012345678e-300", NUMBER_INEXACT, NULL);
	check_number("9.87654321098765432e+300", NUMBER_INEXACT, NULL);
	check_number("1234567890123456.7", NUMBER_INEXACT, NULL);
}

/* Long printouts of a double, rounded or truncated, are that double;
 * sqlite3 -json writes 20 digits whose last ones are not even right. */
static void
test_printouts(void)
{
	check_number("19.989999999999998436", NUMBER_EXACT, "19.99");
	check_number("1234.5599999999999454", NUMBER_EXACT, "1234.56");
	check_number("-0.10000000000000000555", NUMBER_EXACT, "-0.1");
	check_number("0.29999999999999998889", NUMBER_EXACT, "0.3");
	check_number("7.8533861612056306", NUMBER_EXACT, "7.853386161205631");
	check_number("0.1000000000000000055511151231257827", NUMBER_EXACT, "0.1");
	check_number("0.1000000000000000055511151231257827021181583404541015625",
	    NUMBER_EXACT, "0.1");
	check_number("1.00000000000000005250476025520442e+300", NUMBER_EXACT, "1e+300");
	check_number("-1.0000000000000000525e300", NUMBER_EXACT, "-1e+300");
	check_number("1.5000000000000001205e-300", NUMBER_EXACT, "1.5e-300");
	check_number("4.9406564584124654418e-324", NUMBER_EXACT, "5e-324");
	check_number("1.797693134862315708145e308", NUMBER_EXACT, "1.7976931348623157e+308");
	check_number("99999999999999999999.5", NUMBER_EXACT, "1e+20");
	check_number("1.234567890123456858e+23", NUMBER_EXACT, "1.2345678901234569e+23");
}

/* Write the shortest %e form that reads back as VALUE, found by trying
 * every precision: slow, but independent of the library's shortcut. */
static void
shortest_form(double value, char *out, size_t size)
{
	for (int precision = 0; precision < 17; precision++) {
		snprintf(out, size, "%.*e", precision, value);
		if (strtod(out, NULL) == value)
			return;
	}
}

static uint64_t
next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Random decimals of 14 to 18 digits in %e form, with a nonzero last
 * digit, compared with the brute-force shortest form. */
static void
test_random_decimals(void)
{
	uint64_t state = 0x2545f4914f6cdd1dULL;
	int mismatches = 0, exact = 0, inexact = 0, printouts = 0;

	for (int i = 0; i < 20000; i++) {
		char text[64], shortest[64];
		int n = 14 + (int)(next_random(&state) % 5);
		int exponent = (int)(next_random(&state) % 640) - 320;
		struct buf out = BUF_INIT;
		enum number_class got, want;
		size_t len;

		len = (size_t)snprintf(text, sizeof text, "%d.", (int)(next_random(&state) % 9) + 1);
		for (int d = 1; d < n; d++)
			text[len++] = (char)('0' + next_random(&state) % 10);
		if (text[len - 1] == '0')
			text[len - 1] = '7';
		snprintf(text + len, sizeof text - len, "e%+03d", exponent);

		shortest_form(strtod(text, NULL), shortest, sizeof shortest);
		want = strcmp(shortest, text) == 0 ? NUMBER_EXACT : NUMBER_INEXACT;
		got = number_classify(text, strlen(text), &out);
		/* A few land so near a double that they pass for a printout
		 * of it; they must then be spelled as that double. */
		if (want == NUMBER_INEXACT && got == NUMBER_EXACT &&
		    strtod(out.data, NULL) == strtod(text, NULL)) {
			printouts++;
			got = want;
		}
		if (got != want && mismatches++ < 5)
			printf("# %s is %s, want %s (shortest %s)\n", text,
			    class_names[got], class_names[want], shortest);
		if (want == NUMBER_EXACT)
			exact++;
		else
			inexact++;
		buf_release(&out);
	}
	printf("# %d exact and %d inexact random decimals, %d of them "
	    "taken for printouts\n", exact, inexact, printouts);
	CHECK(mismatches == 0);
	CHECK(printouts < inexact / 10);
	CHECK(exact > 1000);
	CHECK(inexact > 1000);
}

/* Every double printed with 18 to 30 digits, rounded or truncated, is
 * that double, spelled shortest.  Moved by a tenth of the gap to the
 * next double, the printout is a decimal that no double represents. */
static void
test_random_printouts(void)
{
	uint64_t state = 0x51af3c7e0d9b2468ULL;
	int failures = 0, decimals = 0;

	for (int i = 0; i < 20000; i++) {
		uint64_t bits = next_random(&state);
		int digits = 18 + (int)(next_random(&state) % 13);
		double value, tenth;
		char digit_text[24];
		unsigned long long mantissa;
		int exponent;
		char text[64], shortest[64], *e;
		struct buf out = BUF_INIT;

		memcpy(&value, &bits, sizeof value);
		if (!isfinite(value) || value == 0)
			continue;
		snprintf(text, sizeof text, "%.*e", digits + 2, value);
		if (i % 2 == 1) {
			/* Truncate: drop the last two digits. */
			e = strchr(text, 'e');
			memmove(e - 2, e, strlen(e) + 1);
		} else {
			snprintf(text, sizeof text, "%.*e", digits - 1, value);
		}
		shortest_form(value, shortest, sizeof shortest);
		if (number_classify(text, strlen(text), &out) != NUMBER_EXACT ||
		    strtod(out.data, NULL) != value) {
			if (failures++ < 5)
				printf("# printout %s is not exact\n", text);
		}
		buf_release(&out);

		/* A tenth of the gap, in the printout's last digits. */
		/* Add a tenth of the gap to a 19-digit printout, counted in
		 * units of its last digit.  Integers keep this exact, where
		 * long double would not under valgrind. */
		if (fabs(value) < 1e-280 || fabs(value) > 1e280)
			continue;
		snprintf(text, sizeof text, "%.18e", fabs(value));
		exponent = atoi(strchr(text, 'e') + 1);
		tenth = (nextafter(fabs(value), INFINITY) - fabs(value)) / 10;
		mantissa = strtoull(text, NULL, 10) * 1000000000000000000ULL +
		    strtoull(text + 2, NULL, 10) +
		    (unsigned long long)(tenth / pow(10, exponent - 18));
		if (mantissa >= 10000000000000000000ULL)
			continue;
		snprintf(digit_text, sizeof digit_text, "%llu", mantissa);
		snprintf(text, sizeof text, "%s%c.%se%d", value < 0 ? "-" : "",
		    digit_text[0], digit_text + 1, exponent);
		/* Trailing zeros might leave the shortest form of VALUE. */
		if (strtod(text, NULL) != value || strstr(text, "0e") != NULL)
			continue;
		decimals++;
		if (number_classify(text, strlen(text), &out) != NUMBER_INEXACT) {
			if (failures++ < 5)
				printf("# decimal %s is not inexact\n", text);
		}
		buf_release(&out);
	}
	printf("# %d decimals\n", decimals);
	CHECK(failures == 0);
	CHECK(decimals > 5000);
}

/* The shortest form of any finite double is exact. */
static void
test_random_doubles(void)
{
	uint64_t state = 0x9e3779b97f4a7c15ULL;
	int failures = 0;

	for (int i = 0; i < 20000; i++) {
		uint64_t bits = next_random(&state);
		double value;
		char text[64];
		struct buf out = BUF_INIT;

		memcpy(&value, &bits, sizeof value);
		if (!isfinite(value))
			continue;
		shortest_form(value, text, sizeof text);
		if (number_classify(text, strlen(text), &out) != NUMBER_EXACT ||
		    strtod(out.data, NULL) != value) {
			if (failures++ < 5)
				printf("# shortest form %s is not exact\n", text);
		}
		buf_release(&out);
	}
	CHECK(failures == 0);
}

static void
test_invalid(void)
{
	static const char *const bad[] = {
		"", " ", "+", "-", ".", "+.", "-.e1", "e5", "1e", "1e+", "1e-",
		"0x1F", "0X10", "NaN", "nan", "Infinity", "-Infinity", "inf",
		"1,000", "1,5", "1 000", "1_000", "--1", "+-1", "1..2", "1.2.3",
		"007", "00", "-01", "00.5", "1e5.5", "12a", "a12", "\xc2\xa0" "1",
		"1\n", "$5", "5%", "1/2", "true",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check_number(bad[i], NUMBER_INVALID, NULL);

	/* A NUL inside the text is not the end of it. */
	{
		struct buf out = BUF_INIT;

		CHECK(number_classify("12\0" "3", 4, &out) == NUMBER_INVALID);
		CHECK(number_classify("12\0" "3", 2, &out) == NUMBER_EXACT);
		CHECK_STR(out.data, "12");
		buf_release(&out);
	}
}

static void
test_bools(void)
{
	check_bool("true", true, true);
	check_bool("TRUE", true, true);
	check_bool("True", true, true);
	check_bool("t", true, true);
	check_bool("T", true, true);
	check_bool("yes", true, true);
	check_bool("Y", true, true);
	check_bool("on", true, true);
	check_bool("ON", true, true);
	check_bool("1", true, true);
	check_bool(" true ", true, true);
	check_bool("false", true, false);
	check_bool("FALSE", true, false);
	check_bool("f", true, false);
	check_bool("no", true, false);
	check_bool("N", true, false);
	check_bool("off", true, false);
	check_bool("Off", true, false);
	check_bool("0", true, false);

	check_bool("", false, false);
	check_bool("2", false, false);
	check_bool("-1", false, false);
	check_bool("tru", false, false);
	check_bool("truee", false, false);
	check_bool("yess", false, false);
	check_bool("of", false, false);
	check_bool("null", false, false);
	check_bool("1.0", false, false);
	check_bool("t rue", false, false);
}

int
main(void)
{
	test_integers();
	test_decimals();
	test_printouts();
	test_random_decimals();
	test_random_printouts();
	test_random_doubles();
	test_invalid();
	test_bools();
	return tap_done();
}
