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
 * NUMBER_EXACT append its JSON spelling to OUT. */
enum number_class number_classify(const char *text, size_t len, struct buf *out);

/* Parse a boolean the way databases print them: true/false, t/f, yes/no, y/n, on/off, 1/0, any case. */
bool bool_parse(const char *text, size_t len, bool *value);

#endif
