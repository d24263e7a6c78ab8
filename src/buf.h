/* A growable byte buffer, always NUL-terminated after its contents. */
#ifndef HEAPSYNC_BUF_H
#define HEAPSYNC_BUF_H

#include <stddef.h>
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

#endif
