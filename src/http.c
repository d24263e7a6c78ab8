#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "http.h"
#include "msg.h"

/* Heap returns a short text on errors; keep enough for a reject reason. */
#define MAX_RESPONSE_BYTES 4096

struct transfer {
	CURL *easy;
	bool busy;
	void *arg;
	struct buf response;
	double retry_after;
	char error[CURL_ERROR_SIZE];
};

struct http_client {
	CURLM *multi;
	struct curl_slist *headers;
	struct transfer *transfers;
	unsigned count;
	unsigned active;
	struct http_result result;
};

static size_t
on_body(char *data, size_t size, size_t n, void *userp)
{
	struct transfer *t = userp;
	size_t len = size * n;
	size_t room = MAX_RESPONSE_BYTES - t->response.len;

	buf_add(&t->response, data, len < room ? len : room);
	return len;
}

/* Return the seconds a Retry-After value requests, given as delta
 * seconds or an HTTP-date, or -1 when it is neither. */
static double
parse_retry_after(const char *value)
{
	time_t when;

	if (isdigit((unsigned char)*value))
		return strtod(value, NULL);
	when = curl_getdate(value, NULL);
	if (when == -1)
		return -1;
	return when > time(NULL) ? (double)(when - time(NULL)) : 0;
}

static size_t
on_header(char *data, size_t size, size_t n, void *userp)
{
	static const char name[] = "retry-after:";
	struct transfer *t = userp;
	size_t len = size * n;
	char value[128];
	size_t start = sizeof name - 1;
	size_t end = len;

	if (len < start || strncasecmp(data, name, start) != 0)
		return len;
	while (start < end && isspace((unsigned char)data[start]))
		start++;
	while (end > start && isspace((unsigned char)data[end - 1]))
		end--;
	if (end - start >= sizeof value)
		return len;
	memcpy(value, data + start, end - start);
	value[end - start] = '\0';
	t->retry_after = parse_retry_after(value);
	return len;
}

static void
setup_easy(struct http_client *c, struct transfer *t,
    const struct http_options *opts)
{
	CURL *e = curl_easy_init();

	if (e == NULL)
		fatal(EXIT_UNDELIVERED, "libcurl initialization failed");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, opts->user_agent);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, opts->timeout_ms);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    opts->timeout_ms && opts->timeout_ms < 10000 ?
	    opts->timeout_ms : 10000L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_VERBOSE, opts->verbose ? 1L : 0L);
	t->easy = e;
}

struct http_client *
http_new(const struct http_options *opts)
{
	struct http_client *c = xcalloc(1, sizeof *c);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal(EXIT_UNDELIVERED, "libcurl initialization failed");
	c->multi = curl_multi_init();
	if (c->multi == NULL)
		fatal(EXIT_UNDELIVERED, "libcurl initialization failed");
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)opts->max_requests);

	/* An empty Expect: header stops libcurl from waiting for a
	 * "100 Continue" before large bodies. */
	c->headers = curl_slist_append(NULL, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Expect:");

	c->count = opts->max_requests;
	c->transfers = xcalloc(c->count, sizeof *c->transfers);
	for (unsigned i = 0; i < c->count; i++)
		setup_easy(c, &c->transfers[i], opts);
	return c;
}

unsigned
http_active(const struct http_client *c)
{
	return c->active;
}

void
http_post(struct http_client *c, const char *url, const char *body,
    size_t len, void *arg)
{
	struct transfer *t = NULL;

	for (unsigned i = 0; i < c->count && t == NULL; i++)
		if (!c->transfers[i].busy)
			t = &c->transfers[i];
	if (t == NULL)
		fatal(EXIT_UNDELIVERED, "internal error: no free transfer");

	t->busy = true;
	t->arg = arg;
	t->retry_after = -1;
	t->error[0] = '\0';
	buf_reset(&t->response);
	buf_grow(&t->response, 0);
	t->response.data[0] = '\0';
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)len);
	curl_multi_add_handle(c->multi, t->easy);
	c->active++;
}

void
http_wait(struct http_client *c, int timeout_ms, int fd, bool *fd_ready)
{
	struct curl_waitfd extra = { .fd = fd, .events = CURL_WAIT_POLLIN };
	int running;

	*fd_ready = false;
	curl_multi_perform(c->multi, &running);
	curl_multi_poll(c->multi, fd >= 0 ? &extra : NULL, fd >= 0, timeout_ms,
	    NULL);
	if (fd >= 0 && extra.revents)
		*fd_ready = true;
	curl_multi_perform(c->multi, &running);
}

const struct http_result *
http_next_done(struct http_client *c)
{
	struct http_result *r = &c->result;
	struct transfer *t;
	CURLMsg *msg;
	int queued;

	do {
		msg = curl_multi_info_read(c->multi, &queued);
	} while (msg != NULL && msg->msg != CURLMSG_DONE);
	if (msg == NULL)
		return NULL;

	curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
	memset(r, 0, sizeof *r);
	r->arg = t->arg;
	r->retry_after = t->retry_after;
	r->body = t->response.data;
	curl_easy_getinfo(t->easy, CURLINFO_TOTAL_TIME, &r->elapsed);
	if (msg->data.result == CURLE_OK) {
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
	} else {
		r->timed_out = msg->data.result == CURLE_OPERATION_TIMEDOUT;
		snprintf(r->error, sizeof r->error, "%s",
		    t->error[0] ? t->error :
		    curl_easy_strerror(msg->data.result));
	}

	curl_multi_remove_handle(c->multi, t->easy);
	t->busy = false;
	c->active--;
	return r;
}

void
http_abort_all(struct http_client *c, void (*drop)(void *arg))
{
	for (unsigned i = 0; i < c->count; i++) {
		struct transfer *t = &c->transfers[i];

		if (!t->busy)
			continue;
		curl_multi_remove_handle(c->multi, t->easy);
		t->busy = false;
		drop(t->arg);
	}
	c->active = 0;
}

void
http_free(struct http_client *c)
{
	for (unsigned i = 0; i < c->count; i++) {
		struct transfer *t = &c->transfers[i];

		if (t->busy)
			curl_multi_remove_handle(c->multi, t->easy);
		curl_easy_cleanup(t->easy);
		buf_release(&t->response);
	}
	curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	free(c->transfers);
	free(c);
	curl_global_cleanup();
}
