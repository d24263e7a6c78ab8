#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "buf.h"
#include "http.h"
#include "msg.h"
#include "rate.h"
#include "sender.h"

#define READ_CHUNK 65536
#define SHOWN_REJECTS 10          /* rejected records shown on stderr */
#define TICK_MS 100               /* maximum poll wait, so signals are seen */
#define MAX_RETRY_AFTER 600.0     /* seconds */
#define SINGLE_400S_TO_STOP 8     /* single-record 400s that stop a run */

volatile sig_atomic_t send_interrupted;

/* One request body with its delivery state. */
struct request {
	struct batch batch;
	unsigned attempts;             /* failed tries so far */
	double not_before;             /* monotonic time of the next try */
	bool admitted;                 /* counted by the event pacer */
	struct identity_count *ids;    /* events per identity */
	size_t id_count;
	struct request *next;
};

/* Events per identity in the batch being filled, so that one batch
 * never contains more events of a person than Heap allows in a window. */
#define ID_TABLE_SIZE 4096
struct id_table {
	struct identity_count slots[ID_TABLE_SIZE];
	size_t used;
};

struct sender {
	const struct send_options *opts;
	struct send_counters *n;
	char *prefix[OBJECT_COUNT];
	char *url[OBJECT_COUNT];
	struct batch pending[OBJECT_COUNT];
	struct id_table *ids;
	unsigned batch_limit[OBJECT_COUNT];

	struct request *head;          /* waiting to be sent, in order */
	struct request *tail;
	size_t queued;

	struct http_client *http;
	struct rate_limiter rate;
	bool pacing;
	unsigned parallel[OBJECT_COUNT];  /* allowed in flight, cut on 429 */
	unsigned in_flight[OBJECT_COUNT];
	unsigned successes[OBJECT_COUNT];
	double paused_until[OBJECT_COUNT];
	uint64_t random;

	const struct send_input *in;
	size_t file;                   /* index of the file being read */
	unsigned long line;
	struct buf input;
	size_t input_pos;
	bool input_eof;                /* the current file is exhausted */
	bool input_done;               /* every file is exhausted */
	bool input_error;
	unsigned long rejects_shown;   /* rejections shown or counted */

	/* Single records that got a 400 while nothing was delivered.  Each
	 * is counted and shown once the run tells rejected from failed. */
	struct held_400 {
		size_t file;
		unsigned long line;
		char message[300];
	} held[SINGLE_400S_TO_STOP];
	size_t held_count;
	char *whole_400;               /* reason for records not sent after a
	                                  stop on 400s */

	double started;
	double last_progress;
	bool progress_shown;
};

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Return a random number in [0, 1) from xorshift64*. */
static double
random_unit(struct sender *s)
{
	s->random ^= s->random >> 12;
	s->random ^= s->random << 25;
	s->random ^= s->random >> 27;
	return (double)((s->random * 2685821657736338717ULL) >> 11) /
	    9007199254740992.0;
}

/* Erase the progress line.  msg also calls it before every message. */
static void
clear_progress(void *arg)
{
	struct sender *s = arg;

	if (s->progress_shown)
		fprintf(stderr, "\r%*s\r", 72, "");
	s->progress_shown = false;
}

static void
reject_line(struct sender *s, const char *raw, size_t len, int status,
    size_t file, unsigned long line, const char *reason)
{
	struct reject_entry e = {
		.file = s->in->names[file], .line = line, .status = status,
		.reason = reason, .raw = raw, .raw_len = len,
	};

	rejects_add(s->opts->rejects, &e);
}

/* Show why a record was rejected, for the first SHOWN_REJECTS records.
 * Later ones are only counted, so a wrong input does not flood the
 * terminal, and send_run prints their number at the end. */
static void
show_reject(struct sender *s, size_t file, unsigned long line,
    const char *what, const char *reason)
{
	if (++s->rejects_shown > SHOWN_REJECTS)
		return;
	error("%s:%lu: %s: %s", s->in->names[file], line, what, reason);
}

/* Queue and request handling. */

static void
enqueue(struct sender *s, struct request *r, bool front)
{
	r->next = NULL;
	if (s->head == NULL) {
		s->head = s->tail = r;
	} else if (front) {
		r->next = s->head;
		s->head = r;
	} else {
		s->tail->next = r;
		s->tail = r;
	}
	s->queued++;
}

static void
unlink_request(struct sender *s, struct request *prev, struct request *r)
{
	if (prev)
		prev->next = r->next;
	else
		s->head = r->next;
	if (s->tail == r)
		s->tail = prev;
	s->queued--;
}

static void
free_request(struct request *r)
{
	batch_release(&r->batch);
	free(r->ids);
	free(r);
}

static void
drop_request(void *arg)
{
	free_request(arg);
}

/* Count each identity's events in a closed batch of events. */
static void
count_identities(struct request *r)
{
	struct batch *b = &r->batch;

	r->ids = xmalloc(b->count * sizeof *r->ids);
	r->id_count = 0;
	for (size_t i = 0; i < b->count; i++) {
		size_t j = 0;

		while (j < r->id_count && r->ids[j].identity !=
		    b->items[i].identity)
			j++;
		if (j == r->id_count)
			r->ids[r->id_count++] = (struct identity_count){
				b->items[i].identity, 0 };
		r->ids[j].count++;
	}
}

static struct request *
new_request(struct batch *b)
{
	struct request *r = xcalloc(1, sizeof *r);

	r->batch = *b;
	batch_close(&r->batch);
	if (r->batch.type == OBJECT_EVENTS)
		count_identities(r);
	return r;
}

static void
print_request(struct sender *s, const struct request *r)
{
	FILE *out = s->opts->dry_run;

	fprintf(out, "POST %s\n", s->url[r->batch.type]);
	fwrite(r->batch.body.data, 1, r->batch.body.len, out);
	fputc('\n', out);
}

static void
flush_pending(struct sender *s, enum heap_object type)
{
	struct batch *b = &s->pending[type];
	struct request *r;

	if (b->count == 0)
		return;
	r = new_request(b);
	batch_init(b, type, s->prefix[type]);
	if (type == OBJECT_EVENTS)
		memset(s->ids, 0, sizeof *s->ids);

	if (s->opts->dry_run) {
		print_request(s, r);
		s->n->requests++;
		free_request(r);
		return;
	}
	enqueue(s, r, false);
}

/* Return the slot counting IDENTITY in the events batch being filled. */
static struct identity_count *
pending_identity(struct sender *s, uint64_t identity)
{
	size_t i = identity & (ID_TABLE_SIZE - 1);

	while (s->ids->slots[i].identity != 0 &&
	    s->ids->slots[i].identity != identity)
		i = (i + 1) & (ID_TABLE_SIZE - 1);
	if (s->ids->slots[i].identity == 0) {
		s->ids->slots[i].identity = identity;
		s->ids->used++;
	}
	return &s->ids->slots[i];
}

/* Decide whether RAW must start a new batch of its type. */
static bool
batch_full(struct sender *s, const struct record_info *info, size_t len)
{
	struct batch *b = &s->pending[info->type];
	unsigned long per_identity = s->opts->events_per_identity;

	if (b->count == 0)
		return false;
	if (b->count >= s->batch_limit[info->type])
		return true;
	if (batch_size_with(b, len) > s->opts->max_request_bytes)
		return true;
	if (info->type == OBJECT_EVENTS && s->pacing && per_identity &&
	    pending_identity(s, info->identity)->count >= per_identity)
		return true;
	return false;
}

static void
add_record(struct sender *s, const char *raw, size_t len)
{
	struct record_info info;
	char reason[300];
	struct batch *b;

	s->n->read++;
	if (!record_check(raw, len, &info, reason, sizeof reason)) {
		show_reject(s, s->file, s->line, "invalid record", reason);
		reject_line(s, raw, len, 0, s->file, s->line, reason);
		s->n->rejected++;
		return;
	}

	if (s->whole_400) {
		reject_line(s, raw, len, 400, s->file, s->line, s->whole_400);
		s->n->failed++;
		return;
	}

	b = &s->pending[info.type];
	if (batch_full(s, &info, len))
		flush_pending(s, info.type);
	if (batch_size_with(b, len) > s->opts->max_request_bytes) {
		snprintf(reason, sizeof reason, "record of %zu bytes does not "
		    "fit in a request of --max-request-bytes %zu", len,
		    s->opts->max_request_bytes);
		show_reject(s, s->file, s->line, "record too large", reason);
		reject_line(s, raw, len, 0, s->file, s->line, reason);
		s->n->rejected++;
		return;
	}

	if (b->count == 0)
		b->opened = now_seconds();
	batch_add(b, raw, len, s->line, info.identity);
	b->items[b->count - 1].file = s->file;
	if (info.type == OBJECT_EVENTS && s->pacing)
		pending_identity(s, info.identity)->count++;
}

/* Input. */

static bool
input_wanted(const struct sender *s)
{
	return !s->input_done && !send_interrupted &&
	    s->queued <= s->opts->jobs;
}

/* Handle the complete lines already read, while the queue has room. */
static void
take_lines(struct sender *s)
{
	while (input_wanted(s)) {
		size_t left = s->input.len - s->input_pos;
		char *start = left ? s->input.data + s->input_pos : NULL;
		char *nl = left ? memchr(start, '\n', left) : NULL;
		size_t len;

		if (nl == NULL && !s->input_eof)
			return;
		if (nl == NULL && left == 0) {
			s->file++;
			s->line = 0;
			s->input_eof = false;
			buf_reset(&s->input);
			s->input_pos = 0;
			if (s->file == s->in->count) {
				s->file--;
				s->input_done = true;
			}
			continue;
		}

		len = nl ? (size_t)(nl - start) : left;
		s->input_pos += nl ? len + 1 : len;
		s->line++;
		if (strspn(start, " \t\r") >= len)
			continue;
		add_record(s, start, len);
	}
}

static void
read_input(struct sender *s)
{
	int fd = s->in->fds[s->file];
	ssize_t got;

	if (s->input_pos > 0) {
		memmove(s->input.data, s->input.data + s->input_pos,
		    s->input.len - s->input_pos);
		s->input.len -= s->input_pos;
		s->input_pos = 0;
	}
	/* NOTE: a line is read whole before its size is checked, so memory
	 * grows with the longest input line, not only with the byte cap. */
	buf_grow(&s->input, READ_CHUNK);
	got = read(fd, s->input.data + s->input.len, READ_CHUNK);
	if (got < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		error("cannot read '%s': %s", s->in->names[s->file],
		    strerror(errno));
		s->input_error = true;
		s->input_done = true;
		return;
	}
	if (got == 0)
		s->input_eof = true;
	s->input.len += (size_t)got;
	s->input.data[s->input.len] = '\0';
}

/* Whether the buffer needs another read before a line can be taken. */
static bool
needs_read(const struct sender *s)
{
	size_t left = s->input.len - s->input_pos;

	return input_wanted(s) && !s->input_eof && (left == 0 ||
	    memchr(s->input.data + s->input_pos, '\n', left) == NULL);
}

/* Send partial batches that have waited --linger, or all at the end. */
static void
flush_old_batches(struct sender *s, double now)
{
	for (int t = 0; t < OBJECT_COUNT; t++) {
		struct batch *b = &s->pending[t];

		if (b->count == 0 || send_interrupted)
			continue;
		if (s->input_done ||
		    (now - b->opened) * 1000 >= (double)s->opts->linger_ms)
			flush_pending(s, (enum heap_object)t);
	}
}

/* Results. */

/* Count and show the single records held in s->held: as rejected by
 * Heap once a delivery proved the requests good, as failed when the
 * run stops.  Their rejects entries are already written. */
static void
release_held(struct sender *s, bool failed)
{
	for (size_t i = 0; i < s->held_count; i++) {
		struct held_400 *h = &s->held[i];

		show_reject(s, h->file, h->line,
		    failed ? "not delivered" : "rejected by Heap", h->message);
		if (failed)
			s->n->failed++;
		else
			s->n->rejected++;
	}
	s->held_count = 0;
}

static void
print_accepted(struct sender *s, const struct request *r)
{
	const struct batch *b = &r->batch;

	for (size_t i = 0; i < b->count; i++) {
		fwrite(b->body.data + b->items[i].offset, 1, b->items[i].len,
		    stdout);
		putchar('\n');
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		fatal(EXIT_INPUT, "cannot write standard output: %s",
		    strerror(errno));
	s->n->delivered += b->count;
	release_held(s, false);
}

static void
fail_records(struct sender *s, const struct request *r, long status,
    const char *reason)
{
	const struct batch *b = &r->batch;

	for (size_t i = 0; i < b->count; i++)
		reject_line(s, b->body.data + b->items[i].offset,
		    b->items[i].len, (int)status, b->items[i].file,
		    b->items[i].line, reason);
	if (status == 400 && !s->whole_400)
		s->n->rejected += b->count;
	else
		s->n->failed += b->count;
}

/* Split R in two halves queued at the front, to find the records a 400
 * is about or to fit a body the server found too large. */
static void
split_request(struct sender *s, struct request *r)
{
	size_t half = r->batch.count / 2;
	struct request *parts[2];

	for (int i = 0; i < 2; i++) {
		parts[i] = xcalloc(1, sizeof *parts[i]);
		batch_slice(&parts[i]->batch, &r->batch,
		    s->prefix[r->batch.type], i ? half : 0,
		    i ? r->batch.count - half : half);
		parts[i]->attempts = r->attempts;
		if (r->batch.type == OBJECT_EVENTS)
			count_identities(parts[i]);
	}
	enqueue(s, parts[1], true);
	enqueue(s, parts[0], true);
}

static bool
word_byte(const char *p)
{
	return isalnum((unsigned char)*p) || *p == '_' || *p == '-';
}

/* Keep the first line of a server message, without control bytes and
 * without the app id, which a log or a shared rejects file should not
 * carry (a server may quote it back, as in "unknown app_id").  Short ids
 * stay, since they would match inside numbers such as item indexes. */
static void
server_message(const struct sender *s, char *out, size_t size,
    const char *body, long status)
{
	const char *id = s->opts->app_id;
	size_t id_len = strlen(id);
	const char *start = body;
	size_t n = 0;

	while (body && *body && *body != '\n' && n + 1 < size) {
		unsigned char c = (unsigned char)*body;

		if (id_len >= 6 && strncmp(body, id, id_len) == 0 &&
		    (body == start || !word_byte(body - 1)) &&
		    !word_byte(body + id_len)) {
			n += (size_t)snprintf(out + n, size - n, "%s",
			    "<app id>");
			n = n < size ? n : size - 1;
			body += id_len;
			continue;
		}
		out[n++] = c < 0x20 ? ' ' : (char)c;
		body++;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, size, "HTTP %ld with no message", status);
}

static bool
retryable(const struct http_result *res)
{
	return res->status == 0 || res->status == 408 || res->status == 429 ||
	    res->status >= 500;
}

static void
retry_later(struct sender *s, struct request *r,
    const struct http_result *res, const char *why)
{
	enum heap_object type = r->batch.type;
	double cap = (double)s->opts->retry_max_ms / 1000;
	double backoff = (double)s->opts->retry_base_ms / 1000 *
	    pow(2, r->attempts - 1);
	double delay;
	char reason[512];

	if (r->attempts > s->opts->max_retries) {
		snprintf(reason, sizeof reason, "not delivered after %u "
		    "attempt%s: %s", r->attempts, plural(r->attempts), why);
		error("%s: %zu record%s: %s", object_path(type),
		    r->batch.count, plural(r->batch.count), reason);
		fail_records(s, r, res->status, reason);
		free_request(r);
		return;
	}

	/* Full jitter spreads retries of many requests over the window. */
	delay = random_unit(s) * (backoff < cap ? backoff : cap);
	if (res->retry_after >= 0)
		delay = fmax(delay, fmin(res->retry_after, MAX_RETRY_AFTER));
	if (res->status == 429) {
		s->parallel[type] = s->parallel[type] > 1 ?
		    s->parallel[type] / 2 : 1;
		s->successes[type] = 0;
		s->paused_until[type] = fmax(s->paused_until[type],
		    now_seconds() + delay);
	}
	note("%s: %s; retry %u in %.2f s", object_path(type), why,
	    r->attempts, delay);
	r->not_before = now_seconds() + delay;
	r->admitted = false;
	s->n->retried++;
	enqueue(s, r, true);
}

/* Fail the records of every request not yet answered and of the
 * batches being filled, with the reason in whole_400. */
static void
fail_unsent(struct sender *s)
{
	while (s->head) {
		struct request *r = s->head;

		s->head = r->next;
		fail_records(s, r, 400, s->whole_400);
		free_request(r);
	}
	s->tail = NULL;
	s->queued = 0;
	for (int t = 0; t < OBJECT_COUNT; t++) {
		struct batch *b = &s->pending[t];
		struct request *r;

		if (b->count == 0)
			continue;
		r = new_request(b);
		batch_init(b, (enum heap_object)t, s->prefix[t]);
		fail_records(s, r, 400, s->whole_400);
		free_request(r);
	}
}

/* Stop sending after Heap rejected the first SINGLE_400S_TO_STOP
 * records one by one: the held records and all that follow fail, without
 * more requests. */
static void
stop_sending(struct sender *s, enum heap_object type, const char *message)
{
	char reason[400];

	snprintf(reason, sizeof reason, "not sent: Heap rejected every "
	    "request so far (HTTP 400: %s)", message);
	s->whole_400 = xstrdup(reason);
	error("%s: Heap rejected the first %d records one by one and nothing "
	    "was delivered (HTTP 400: %s); stopping: check the app id and the "
	    "records", object_path(type), SINGLE_400S_TO_STOP, message);
	release_held(s, true);
	fail_unsent(s);
}

/* Reject the single record in R that Heap answered with a 400.  Heap's
 * answer does not say whether the record or the request is wrong (a
 * wrong app id gets a 400 too), so while nothing has been delivered in
 * this run the record is held, and SINGLE_400S_TO_STOP of them stop the
 * run.  Once a record was delivered the requests are known to be good,
 * and bisection goes on to find each bad record.
 * NOTE: input whose first SINGLE_400S_TO_STOP records are all bad stops
 * every run the same way, since heap-diff offers them again; the rejects
 * file lists each with Heap's message so they can be fixed. */
static void
reject_single(struct sender *s, const struct request *r,
    const char *message)
{
	const struct batch *b = &r->batch;
	struct held_400 *h;

	if (s->n->delivered > 0) {
		show_reject(s, b->items[0].file, b->items[0].line,
		    "rejected by Heap", message);
		fail_records(s, r, 400, message);
		return;
	}

	reject_line(s, b->body.data + b->items[0].offset, b->items[0].len,
	    400, b->items[0].file, b->items[0].line, message);
	h = &s->held[s->held_count++];
	h->file = b->items[0].file;
	h->line = b->items[0].line;
	snprintf(h->message, sizeof h->message, "%s", message);
	if (s->held_count == SINGLE_400S_TO_STOP)
		stop_sending(s, b->type, message);
}

static void
handle_result(struct sender *s, const struct http_result *res)
{
	struct request *r = res->arg;
	enum heap_object type = r->batch.type;
	char message[300];
	char why[400];

	s->in_flight[type]--;
	if (r->admitted) {
		rate_done(&s->rate, now_seconds(), r->ids, r->id_count,
		    r->batch.count);
		r->admitted = false;
	}
	if (res->status)
		note("%s: HTTP %ld, %zu record%s, %.3f s", object_path(type),
		    res->status, r->batch.count, plural(r->batch.count),
		    res->elapsed);
	else
		note("%s: %s, %zu record%s, %.3f s", object_path(type),
		    res->error, r->batch.count, plural(r->batch.count),
		    res->elapsed);
	if (send_interrupted && (res->status < 200 || res->status > 299)) {
		free_request(r);
		return;
	}

	if (res->status >= 200 && res->status <= 299) {
		print_accepted(s, r);
		if (s->parallel[type] < s->opts->jobs &&
		    ++s->successes[type] >= 4 * s->parallel[type]) {
			s->parallel[type]++;
			s->successes[type] = 0;
		}
		free_request(r);
		return;
	}

	server_message(s, message, sizeof message, res->body,
	    res->status);
	if (s->whole_400) {
		if (res->status == 0)
			snprintf(why, sizeof why, "%s", res->error);
		else if (res->status == 400)
			snprintf(why, sizeof why, "%s", message);
		else
			snprintf(why, sizeof why, "HTTP %ld: %s", res->status,
			    message);
		fail_records(s, r, res->status, why);
		free_request(r);
		return;
	}
	if ((res->status == 400 || res->status == 413) && r->batch.count > 1) {
		split_request(s, r);
		free_request(r);
		return;
	}
	if (res->status == 400) {
		reject_single(s, r, message);
		free_request(r);
		return;
	}

	r->attempts++;
	if (res->status == 0)
		snprintf(why, sizeof why, "%s", res->error);
	else
		snprintf(why, sizeof why, "HTTP %ld: %s", res->status, message);
	if (res->status == 413 || !retryable(res)) {
		error("%s: %zu record%s not delivered: %s", object_path(type),
		    r->batch.count, plural(r->batch.count), why);
		fail_records(s, r, res->status, why);
		free_request(r);
		return;
	}
	retry_later(s, r, res, why);
}

/* Dispatch. */

/* Cut R after its first COUNT records; the rest follows it in the queue. */
static void
cut_request(struct sender *s, struct request *r, size_t count)
{
	struct request *rest = xcalloc(1, sizeof *rest);
	struct batch head;

	batch_slice(&head, &r->batch, s->prefix[r->batch.type], 0, count);
	batch_slice(&rest->batch, &r->batch, s->prefix[r->batch.type], count,
	    r->batch.count - count);
	batch_release(&r->batch);
	r->batch = head;
	free(r->ids);
	count_identities(r);
	count_identities(rest);
	rest->attempts = r->attempts;
	rest->not_before = r->not_before;

	rest->next = r->next;
	r->next = rest;
	if (s->tail == r)
		s->tail = rest;
	s->queued++;
}

static bool
admit_events(struct sender *s, struct request *r, double now)
{
	unsigned long room;
	double app_wait;
	double wait;

	if (!s->pacing || r->admitted)
		return true;
	wait = rate_admit(&s->rate, now, r->ids, r->id_count, r->batch.count,
	    &app_wait);
	room = rate_room(&s->rate, now);
	/* Send what fits in the app's window now: whole batches alone
	 * would leave the rest of the window unused when the limit is not
	 * a multiple of the batch size. */
	if (wait > 0 && room > 0 && room < r->batch.count) {
		cut_request(s, r, room);
		wait = rate_admit(&s->rate, now, r->ids, r->id_count,
		    r->batch.count, &app_wait);
	}
	if (wait > 0) {
		/* When the app limit is what delays the request, wake once a
		 * twentieth of the window is free and send that part, rather
		 * than wait until the whole request fits. */
		unsigned long part = s->opts->events_per_window / 20;

		part = part < 1 ? 1 : part;
		if (app_wait >= wait && part < r->batch.count)
			wait = fmax(rate_app_wait(&s->rate, now, part), 0.001);
		r->not_before = now + wait;
		return false;
	}
	r->admitted = true;
	return true;
}

static void
start_requests(struct sender *s, double now)
{
	struct request *prev = NULL;
	struct request *r = s->head;
	struct request *next;
	bool events_held = false;

	while (r != NULL && http_active(s->http) < s->opts->jobs) {
		enum heap_object type = r->batch.type;

		/* Events leave in input order, so a big batch held back by
		 * the pacer is not starved by smaller ones behind it. */
		if (r->not_before > now || s->paused_until[type] > now ||
		    s->in_flight[type] >= s->parallel[type] ||
		    (type == OBJECT_EVENTS && events_held)) {
			events_held |= type == OBJECT_EVENTS;
			prev = r;
			r = r->next;
			continue;
		}
		if (type == OBJECT_EVENTS && !admit_events(s, r, now)) {
			events_held = true;
			prev = r;
			r = r->next;
			continue;
		}

		next = r->next;
		unlink_request(s, prev, r);
		s->in_flight[type]++;
		s->n->requests++;
		http_post(s->http, s->url[type], r->batch.body.data,
		    r->batch.body.len, r);
		r = next;
	}
}

/* Return how long the loop may sleep before something is due. */
static int
next_wait_ms(const struct sender *s, double now)
{
	double due = now + TICK_MS / 1000.0;
	bool seen_events = false;

	/* A request that waits for a free connection is started when a
	 * transfer ends, and that wakes the poll; only timers count here.
	 * Events go in order, so only the first one's timer matters. */
	for (const struct request *r = s->head; r; r = r->next) {
		enum heap_object type = r->batch.type;

		if (type == OBJECT_EVENTS && seen_events)
			continue;
		seen_events |= type == OBJECT_EVENTS;
		if (http_active(s->http) >= s->opts->jobs ||
		    s->in_flight[type] >= s->parallel[type])
			continue;
		due = fmin(due, fmax(r->not_before, s->paused_until[type]));
	}
	for (int t = 0; t < OBJECT_COUNT; t++)
		if (s->pending[t].count > 0)
			due = fmin(due, s->pending[t].opened +
			    (double)s->opts->linger_ms / 1000);
	return due <= now ? 0 : (int)ceil((due - now) * 1000);
}

static void
show_progress(struct sender *s, double now)
{
	double elapsed = now - s->started;

	if (!s->opts->progress || now - s->last_progress < 1)
		return;
	s->last_progress = now;
	fprintf(stderr, "\rheap-send: %lu delivered, %.0f records/s, "
	    "%lu retried, %lu rejected   ", s->n->delivered,
	    elapsed > 0 ? (double)s->n->delivered / elapsed : 0,
	    s->n->retried, s->n->rejected + s->n->failed);
	s->progress_shown = true;
}

static bool
finished(const struct sender *s)
{
	if (send_interrupted)
		return s->http == NULL || http_active(s->http) == 0;
	for (int t = 0; t < OBJECT_COUNT; t++)
		if (s->pending[t].count > 0)
			return false;
	return s->input_done && s->head == NULL &&
	    (s->http == NULL || http_active(s->http) == 0);
}

static void
setup(struct sender *s, const struct send_options *o,
    const struct send_input *in, struct send_counters *n)
{
	memset(s, 0, sizeof *s);
	s->opts = o;
	s->n = n;
	s->in = in;
	s->input_done = in->count == 0;
	s->ids = xcalloc(1, sizeof *s->ids);
	s->pacing = o->events_per_window || o->events_per_identity;
	rate_init(&s->rate, o->events_per_window, o->events_per_identity,
	    o->limit_window);
	s->random = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
	    0x9e3779b97f4a7c15ULL;

	for (int t = 0; t < OBJECT_COUNT; t++) {
		struct buf url = BUF_INIT;

		s->prefix[t] = batch_prefix((enum heap_object)t, o->app_id);
		buf_adds(&url, o->endpoint);
		buf_adds(&url, object_path((enum heap_object)t));
		s->url[t] = url.data;
		batch_init(&s->pending[t], (enum heap_object)t, s->prefix[t]);
		s->batch_limit[t] = o->batch_size;
		s->parallel[t] = o->jobs;
	}
	/* A batch bigger than the per-app window could never be sent. */
	if (o->events_per_window && o->events_per_window < o->batch_size)
		s->batch_limit[OBJECT_EVENTS] =
		    (unsigned)o->events_per_window;

	if (!o->dry_run) {
		struct http_options h = {
			.max_requests = o->jobs, .timeout_ms = o->timeout_ms,
			.user_agent = "heapsync/" HEAPSYNC_VERSION,
			.verbose = o->curl_trace,
		};

		s->http = http_new(&h);
	}
	s->started = s->last_progress = now_seconds();
}

static void
cleanup(struct sender *s)
{
	while (s->head) {
		struct request *r = s->head;

		s->head = r->next;
		free_request(r);
	}
	for (int t = 0; t < OBJECT_COUNT; t++) {
		batch_release(&s->pending[t]);
		free(s->prefix[t]);
		free(s->url[t]);
	}
	if (s->http)
		http_free(s->http);
	rate_release(&s->rate);
	buf_release(&s->input);
	free(s->ids);
	free(s->whole_400);
}

/* After a signal: stop taking input and drop what was not sent yet,
 * since heap-diff sends those records again on the next run. */
static void
drop_unsent(struct sender *s)
{
	while (s->head) {
		struct request *r = s->head;

		s->head = r->next;
		free_request(r);
	}
	s->tail = NULL;
	s->queued = 0;
	for (int t = 0; t < OBJECT_COUNT; t++) {
		batch_release(&s->pending[t]);
		batch_init(&s->pending[t], (enum heap_object)t, s->prefix[t]);
	}
}

static int
exit_status(const struct sender *s)
{
	if (send_interrupted)
		return EXIT_INTERRUPTED;
	if (s->input_error)
		return EXIT_INPUT;
	if (s->n->delivered == 0 && s->n->failed > 0)
		return EXIT_UNDELIVERED;
	if (s->n->rejected + s->n->failed > 0)
		return EXIT_REJECTED;
	return EXIT_OK;
}

int
send_run(const struct send_options *o, const struct send_input *in,
    struct send_counters *n)
{
	struct sender s;
	double deadline = 0;
	int status;

	setup(&s, o, in, n);
	msg_before_each(clear_progress, &s);
	while (!finished(&s)) {
		double now = now_seconds();
		const struct http_result *res;
		bool readable = false;
		int fd;

		if (send_interrupted && deadline == 0) {
			deadline = now + o->grace;
			drop_unsent(&s);
		}
		if (deadline && now >= deadline && s.http) {
			warn("gave up on %u request%s in flight after %.1f s",
			    http_active(s.http), plural(http_active(s.http)),
			    o->grace);
			http_abort_all(s.http, drop_request);
			break;
		}

		take_lines(&s);
		flush_old_batches(&s, now);
		if (o->dry_run) {
			if (needs_read(&s))
				read_input(&s);
			continue;
		}
		start_requests(&s, now);

		fd = needs_read(&s) ? in->fds[s.file] : -1;
		http_wait(s.http, next_wait_ms(&s, now), fd, &readable);
		if (readable)
			read_input(&s);
		while ((res = http_next_done(s.http)) != NULL)
			handle_result(&s, res);
		show_progress(&s, now_seconds());
	}
	clear_progress(&s);
	release_held(&s, false);

	if (s.rejects_shown > SHOWN_REJECTS)
		error("... and %lu more rejection%s; %s",
		    s.rejects_shown - SHOWN_REJECTS,
		    plural(s.rejects_shown - SHOWN_REJECTS), o->rejects->stream ?
		    "see the rejects file" : "use -r FILE to keep them");
	status = exit_status(&s);
	msg_before_each(NULL, NULL);
	cleanup(&s);
	return status;
}
