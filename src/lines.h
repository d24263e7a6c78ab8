/* Read lines from a file descriptor, with a timeout, so a program can
 * act when its input goes quiet (heap-diff --commit ends a transaction
 * after one second even when heap-send is waiting on the network). */
#ifndef HEAPSYNC_LINES_H
#define HEAPSYNC_LINES_H

#include <stdbool.h>
#include <stddef.h>

struct line_reader {
	int fd;
	char *buf;
	size_t cap;
	size_t start;     /* first byte not returned yet */
	size_t scanned;   /* bytes from start known to hold no newline */
	size_t end;       /* end of the bytes read */
	bool eof;
};

enum line_status {
	LINE_OK,          /* *LINE is the next line, without its newline */
	LINE_EOF,
	LINE_TIMEOUT,     /* no complete line arrived in time */
	LINE_INTERRUPTED, /* a signal arrived; calling again goes on */
	LINE_ERROR        /* read failed; errno is set */
};

void line_reader_init(struct line_reader *r, int fd);
/* Return the next line in *LINE and *LEN; the text stays valid until the
 * next call.  TIMEOUT_MS < 0 waits as long as it takes.  A last line
 * without a newline is returned as a line. */
enum line_status line_reader_next(struct line_reader *r, const char **line,
    size_t *len, int timeout_ms);
void line_reader_release(struct line_reader *r);

#endif
