/* Pacing of Heap's track endpoint.  Heap documents two limits on events:
 * per app and per identity, each counted over a minute.  heap-send keeps
 * its own sliding-window log of what it sent and keeps a request back
 * until both limits leave room for it, so that a backfill does not
 * trigger a 429 from those limits.
 */
#ifndef HEAPSYNC_RATE_H
#define HEAPSYNC_RATE_H

#include <stddef.h>
#include <stdint.h>

/* Events sent in the last SPAN seconds, as (time, count) entries. */
struct window {
	double *times;
	unsigned long *counts;
	size_t head;
	size_t len;
	size_t cap;
	unsigned long total;
	unsigned long in_flight;     /* admitted, not yet logged */
};

struct identity_slot;

struct rate_limiter {
	unsigned long per_app;       /* 0: no limit */
	unsigned long per_identity;  /* 0: no limit */
	double span;                 /* window plus safety margin, seconds */
	struct window app;
	struct identity_slot *slots; /* open addressing by identity hash */
	size_t slot_count;
	size_t slot_used;
};

/* Events of one identity inside a request. */
struct identity_count {
	uint64_t identity;
	unsigned long count;
};

/* Set up the limits for a window of WINDOW seconds.  The log keeps each
 * request for WINDOW plus a margin, to allow for the gap between the
 * time Heap counts a request and the time heap-send sees it end. */
void rate_init(struct rate_limiter *r, unsigned long per_app,
    unsigned long per_identity, double window);
/* Return 0 and count the events as in flight when a request of TOTAL
 * events with
 * these per-identity counts may go at NOW; else return the seconds to
 * wait before asking again.  *APP_WAIT (unless NULL) gets the part of
 * the wait that the per-app limit alone requires. */
double rate_admit(struct rate_limiter *r, double now,
    const struct identity_count *ids, size_t id_count, unsigned long total,
    double *app_wait);
/* Log the events of an admitted request once it has ended, with or
 * without success, at NOW.  Heap counted them on arrival, at or before
 * NOW, so the log never expires them before Heap does. */
void rate_done(struct rate_limiter *r, double now,
    const struct identity_count *ids, size_t id_count, unsigned long total);
/* Return the seconds until the per-app limit allows N more events. */
double rate_app_wait(struct rate_limiter *r, double now, unsigned long n);
/* Return how many more events the per-app limit allows at NOW. */
unsigned long rate_room(struct rate_limiter *r, double now);
void rate_release(struct rate_limiter *r);

#endif
