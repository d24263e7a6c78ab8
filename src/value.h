/* Heap's value rules for numbers and booleans.  Heap takes a property
 * value as a string under 1024 characters or a JSON number, and a JSON
 * number reaches Heap as a double, so heap-map sends a number only when
 * a double keeps the digits the database exported.
 *
 * Both parsers ignore ASCII spaces and tabs around TEXT, because
 * hand-made CSV files often put a space after each comma. */
#ifndef HEAPSYNC_VALUE_H
#define HEAPSYNC_VALUE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

enum number_class {
	NUMBER_INVALID,      /* not a number */
	NUMBER_EXACT,        /* an int64 integer, or a decimal whose digits survive a double */
	NUMBER_BIG_INTEGER,  /* an integer outside the int64 range */
	NUMBER_INEXACT       /* a decimal that a double cannot hold digit for digit */
};

/* Classify TEXT, a number as a JSON document or a database export writes it, and for
 * NUMBER_EXACT append its JSON spelling to OUT.
 *
 * The grammar is JSON's plus a leading '+', a point with no digits after
 * it ("1.") and a point with no digits before it (".5").  Hex, NaN,
 * Infinity, digit group separators ("1,000"), leading zeros ("007", which
 * is more likely a code than a number) and empty text are NUMBER_INVALID.
 *
 * Text with neither a point nor an exponent is an integer, NUMBER_EXACT
 * from INT64_MIN to INT64_MAX and NUMBER_BIG_INTEGER outside.  Anything
 * else is a decimal.  It is converted to the nearest double, and then to
 * the shortest decimal that converts back to that double.  The decimal is
 * NUMBER_EXACT when both have the same significant digits and exponent,
 * so "12.50" (12.5) and "0.1" are exact.
 *
 * A decimal that is a printout of its double is NUMBER_EXACT too.  That
 * is a decimal written with more than 17 significant digits that agrees
 * with the exact value of the double to within one unit in its last
 * digit, as "0.1000000000000000055511151231257827" does.  It is also any
 * decimal within 1/256 of the gap between adjacent doubles, which takes
 * in the 20 digits of sqlite3 -json ("19.989999999999998436" for 19.99).
 * Other decimals are NUMBER_INEXACT, as "12345678901234567.89" and
 * "1e400" are.
 *
 * OUT receives the text with the leading '+' dropped, a 0 added before a
 * bare point and a trailing point dropped ("+.50" becomes "0.50", "1.e3"
 * becomes "1e3"), and "-0" as "0".  Other digits, trailing zeros and the
 * exponent are kept as written, except that a printout is replaced by
 * the shortest spelling of its double in %g form ("19.99", "1e+300").
 * OUT is untouched unless the result is NUMBER_EXACT. */
enum number_class number_classify(const char *text, size_t len, struct buf *out);

/* Parse a boolean the way databases print them: true/false, t/f, yes/no, y/n, on/off, 1/0, any case. */
bool bool_parse(const char *text, size_t len, bool *value);

#endif
