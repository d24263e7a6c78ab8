#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lines.h"
#include "msg.h"

#define INITIAL_SIZE (256 * 1024)

void
line_reader_init(struct line_reader *r, int fd)
{
	r->fd = fd;
	r->cap = INITIAL_SIZE;
	r->buf = xmalloc(r->cap);
	r->start = r->scanned = r->end = 0;
	r->eof = false;
}

/* Make room after the buffered bytes: move them to the front, and
 * double the buffer when one line fills it. */
static void
make_room(struct line_reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		r->cap *= 2;
		r->buf = xrealloc(r->buf, r->cap);
	}
}

static enum line_status
fill(struct line_reader *r, int timeout_ms)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;

	make_room(r);
	if (timeout_ms >= 0) {
		int ready = poll(&pfd, 1, timeout_ms);

		if (ready == 0)
			return LINE_TIMEOUT;
		if (ready < 0)
			return errno == EINTR ? LINE_INTERRUPTED : LINE_ERROR;
	}

	n = read(r->fd, r->buf + r->end, r->cap - r->end);
	if (n < 0)
		return errno == EINTR ? LINE_INTERRUPTED : LINE_ERROR;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	return LINE_OK;
}

enum line_status
line_reader_next(struct line_reader *r, const char **line, size_t *len,
    int timeout_ms)
{
	for (;;) {
		char *from = r->buf + r->start + r->scanned;
		char *newline = memchr(from, '\n', r->end - r->start - r->scanned);
		enum line_status status;

		if (newline != NULL) {
			*line = r->buf + r->start;
			*len = (size_t)(newline - *line);
			r->start += *len + 1;
			r->scanned = 0;
			return LINE_OK;
		}
		r->scanned = r->end - r->start;

		if (r->eof) {
			if (r->start == r->end)
				return LINE_EOF;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->end;
			r->scanned = 0;
			return LINE_OK;
		}
		status = fill(r, timeout_ms);
		if (status != LINE_OK)
			return status;
	}
}

void
line_reader_release(struct line_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->cap = r->start = r->scanned = r->end = 0;
}
