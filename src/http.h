/* A small HTTP POST client over the libcurl multi interface: several
 * requests in flight on reused connections, driven from one loop that
 * can also wait on an input file descriptor. */
#ifndef HEAPSYNC_HTTP_H
#define HEAPSYNC_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_client;

/* The outcome of one request. */
struct http_result {
	void *arg;             /* as given to http_post */
	long status;           /* HTTP status, 0 when no response came */
	bool timed_out;
	char error[256];       /* libcurl's message when status is 0 */
	double retry_after;    /* seconds from a Retry-After header, or -1 */
	const char *body;      /* start of the response body, NUL-terminated */
	double elapsed;        /* seconds from start to end */
};

struct http_options {
	unsigned max_requests; /* concurrent requests and connections */
	long timeout_ms;       /* whole request, 0 for none */
	const char *user_agent;
	bool verbose;          /* libcurl's own trace on stderr */
};

/* Create a client; exits with a message when libcurl cannot start. */
struct http_client *http_new(const struct http_options *opts);
/* Return the number of requests in flight. */
unsigned http_active(const struct http_client *c);
/* Start POSTing LEN bytes of JSON at BODY to URL.  BODY must stay valid
 * until the request completes.  Needs http_active < max_requests. */
void http_post(struct http_client *c, const char *url, const char *body,
    size_t len, void *arg);
/* Run transfers and wait up to TIMEOUT_MS for network activity or for
 * FD (unless -1) to become readable.  *FD_READY is set when FD is. */
void http_wait(struct http_client *c, int timeout_ms, int fd, bool *fd_ready);
/* Return the next finished request, or NULL.  The result stays valid
 * until the next call. */
const struct http_result *http_next_done(struct http_client *c);
/* Abort every request in flight, passing each one's ARG to DROP. */
void http_abort_all(struct http_client *c, void (*drop)(void *arg));
void http_free(struct http_client *c);

#endif
