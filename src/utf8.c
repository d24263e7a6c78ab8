#include "config.h"

#include "utf8.h"

/* Length of the sequence that lead byte C starts, or 0 if C cannot start
 * one (a continuation byte, or 0xC0, 0xC1 and 0xF5 to 0xFF). */
static int
sequence_length(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xC2)
		return 0;
	if (c < 0xE0)
		return 2;
	if (c < 0xF0)
		return 3;
	if (c < 0xF5)
		return 4;
	return 0;
}

bool
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *end = p + len;

	while (p < end) {
		int n;

		if (*p < 0x80) {
			p++;
			continue;
		}
		n = sequence_length(*p);
		if (n == 0 || end - p < n)
			return false;
		for (int i = 1; i < n; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;

		/* Second-byte ranges that rule out overlong forms, UTF-16
		 * surrogates (U+D800..U+DFFF) and values above U+10FFFF. */
		if ((p[0] == 0xE0 && p[1] < 0xA0) ||
		    (p[0] == 0xED && p[1] > 0x9F) ||
		    (p[0] == 0xF0 && p[1] < 0x90) ||
		    (p[0] == 0xF4 && p[1] > 0x8F))
			return false;
		p += n;
	}
	return true;
}

size_t
utf8_count(const char *s, size_t len)
{
	size_t count = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			count++;
	return count;
}

size_t
utf8_prefix(const char *s, size_t len, size_t max_chars)
{
	size_t count = 0;

	for (size_t i = 0; i < len; i++) {
		if (((unsigned char)s[i] & 0xC0) == 0x80)
			continue;
		if (count == max_chars)
			return i;
		count++;
	}
	return len;
}
