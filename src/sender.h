/* The heap-send engine: read records, batch them per endpoint, send the
 * batches with retries and pacing, and print each record Heap accepted.
 */
#ifndef HEAPSYNC_SENDER_H
#define HEAPSYNC_SENDER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

struct send_options {
	const char *app_id;
	const char *endpoint;          /* base URL without a trailing slash */
	unsigned jobs;                 /* concurrent requests */
	size_t max_request_bytes;
	unsigned batch_size;           /* items per request, at most 1000 */
	long linger_ms;                /* max age of a partial batch */
	unsigned long events_per_window;      /* 0: no pacing */
	unsigned long events_per_identity;    /* 0: no pacing */
	double limit_window;           /* seconds */
	long timeout_ms;
	unsigned max_retries;
	long retry_base_ms;
	long retry_max_ms;
	double grace;                  /* seconds for requests in flight after
	                                  a signal */
	FILE *dry_run;                 /* non-NULL: print requests here instead */
	bool progress;
	bool curl_trace;
	struct rejects *rejects;
};

struct send_counters {
	unsigned long read;
	unsigned long delivered;
	unsigned long rejected;        /* invalid input or a 400 from Heap */
	unsigned long failed;          /* still failing after retries */
	unsigned long requests;
	unsigned long retried;         /* requests sent again */
};

/* Input files, read one after the other. */
struct send_input {
	int *fds;
	const char **names;
	size_t count;
};

/* Return the suffix that makes a count word plural: "1 request",
 * "2 requests".  Every count word in heap-send's messages takes "s". */
static inline const char *
plural(unsigned long count)
{
	return count == 1 ? "" : "s";
}

/* Set from the SIGINT and SIGTERM handler. */
extern volatile sig_atomic_t send_interrupted;

/* Run the whole send and return the exit status (enum exit_status). */
int send_run(const struct send_options *opts, const struct send_input *in,
    struct send_counters *counters);

#endif
