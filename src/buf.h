/* A growable byte buffer, always NUL-terminated after its contents. */
#ifndef HEAPSYNC_BUF_H
#define HEAPSYNC_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_addc(struct buf *b, char c);
void buf_adds(struct buf *b, const char *s);
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append S as a JSON string literal, quotes included.  S must be valid
 * UTF-8; control characters are escaped as JSON requires. */
void buf_add_json_string(struct buf *b, const char *s, size_t len);
/* Empty the buffer but keep its memory for reuse. */
void buf_reset(struct buf *b);
void buf_release(struct buf *b);

#endif
