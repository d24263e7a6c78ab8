/* UTF-8 checks used on every value before it is sent: Heap takes text
 * only as valid UTF-8, and counts its length limits in characters. */
#ifndef HEAPSYNC_UTF8_H
#define HEAPSYNC_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Return true when S is well-formed UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).  NUL bytes are allowed. */
bool utf8_valid(const char *s, size_t len);

/* Return the number of code points in valid UTF-8 text S. */
size_t utf8_count(const char *s, size_t len);

/* Return the byte length of the longest prefix of valid UTF-8 text S
 * that contains at most MAX_CHARS code points, so a cut never splits one. */
size_t utf8_prefix(const char *s, size_t len, size_t max_chars);

#endif
