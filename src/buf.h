/* A growable byte buffer, always NUL-terminated after its contents. */
#ifndef HEAPSYNC_BUF_H
#define HEAPSYNC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append S as a JSON string literal, quotes included.  S must be valid
 * UTF-8; control characters are escaped as JSON requires. */
void buf_add_json_string(struct buf *b, const char *s, size_t len);
/* Empty the buffer but keep its memory for reuse. */
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

/* buf_add and buf_addc run for nearly every byte heap-map writes, so
 * they are inline and call buf_grow only when the buffer is full. */
static inline void
buf_add(struct buf *b, const void *data, size_t len)
{
	if (b->len + len >= b->cap)
		buf_grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static inline void
buf_addc(struct buf *b, char c)
{
	if (b->len + 1 >= b->cap)
		buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

/* Return whether the N bytes at A and B are equal.  It is inline because
 * short keys are compared for every field of every JSON row, where a call
 * to memcmp costs more than the comparison.  Words overlap rather than
 * run past N. */
static inline bool
same_bytes(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;

	if (n > 16 || n < 4)
		return memcmp(a, b, n) == 0;
	if (n >= 8) {
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&v, b + n - 8, 8);
	} else {
		uint32_t x4, y4, u4, v4;

		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&v4, b + n - 4, 4);
		x = x4, y = y4, u = u4, v = v4;
	}
	return ((x ^ y) | (u ^ v)) == 0;
}

#endif
