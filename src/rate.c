#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "rate.h"

#define IN_FLIGHT_RECHECK 0.05     /* seconds */

struct identity_slot {
	uint64_t identity;           /* 0: free */
	struct window window;
};

static void
window_expire(struct window *w, double now, double span)
{
	while (w->len > 0 && w->times[w->head] <= now - span) {
		w->total -= w->counts[w->head];
		w->head = (w->head + 1) % w->cap;
		w->len--;
	}
}

/* Seconds to wait before asking again whether N more events fit under
 * LIMIT, or 0 when they fit now. */
static double
window_wait(const struct window *w, double now, double span,
    unsigned long limit, unsigned long n)
{
	unsigned long freed = 0;
	unsigned long excess;

	if (limit == 0 || w->total + w->in_flight + n <= limit)
		return 0;
	/* Events in flight are logged when their request ends, which is
	 * soon; only then can their expiry be known. */
	if (w->in_flight + n > limit)
		return IN_FLIGHT_RECHECK;
	excess = w->total + w->in_flight + n - limit;
	for (size_t i = 0; i < w->len; i++) {
		size_t at = (w->head + i) % w->cap;

		freed += w->counts[at];
		if (freed >= excess) {
			double wait = w->times[at] + span - now;

			return wait > 0.001 ? wait : 0.001;
		}
	}
	return span;
}

static void
window_add(struct window *w, double now, unsigned long n)
{
	if (w->len == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		double *times = xmalloc(cap * sizeof *times);
		unsigned long *counts = xmalloc(cap * sizeof *counts);

		for (size_t i = 0; i < w->len; i++) {
			times[i] = w->times[(w->head + i) % w->cap];
			counts[i] = w->counts[(w->head + i) % w->cap];
		}
		free(w->times);
		free(w->counts);
		w->times = times;
		w->counts = counts;
		w->head = 0;
		w->cap = cap;
	}
	w->times[(w->head + w->len) % w->cap] = now;
	w->counts[(w->head + w->len) % w->cap] = n;
	w->len++;
	w->total += n;
}

static void
window_release(struct window *w)
{
	free(w->times);
	free(w->counts);
	memset(w, 0, sizeof *w);
}

void
rate_init(struct rate_limiter *r, unsigned long per_app,
    unsigned long per_identity, double window)
{
	double margin = window / 60;

	memset(r, 0, sizeof *r);
	r->per_app = per_app;
	r->per_identity = per_identity;
	/* NOTE: the margin, one second per minute of window and at least
	 * 0.25 s, is an estimate of arrival jitter, not a measured bound.
	 * At 60 s it caps the sustained rate at 60/61 of the limit. */
	r->span = window + (margin > 0.25 ? margin : 0.25);
}

static struct identity_slot *
find_slot(struct identity_slot *slots, size_t count, uint64_t identity)
{
	size_t i = identity & (count - 1);

	while (slots[i].identity != 0 && slots[i].identity != identity)
		i = (i + 1) & (count - 1);
	return &slots[i];
}

/* Drop identities with nothing left in their window; grow the table
 * when what remains would fill more than half of it. */
static void
rehash(struct rate_limiter *r, double now)
{
	size_t live = 0;
	size_t count;
	struct identity_slot *slots;

	for (size_t i = 0; i < r->slot_count; i++) {
		struct identity_slot *s = &r->slots[i];

		if (s->identity == 0)
			continue;
		window_expire(&s->window, now, r->span);
		if (s->window.len > 0 || s->window.in_flight > 0)
			live++;
	}
	count = r->slot_count ? r->slot_count : 1024;
	while (live * 2 >= count)
		count *= 2;

	slots = xcalloc(count, sizeof *slots);
	for (size_t i = 0; i < r->slot_count; i++) {
		struct identity_slot *s = &r->slots[i];

		if (s->identity == 0)
			continue;
		if (s->window.len == 0 && s->window.in_flight == 0)
			window_release(&s->window);
		else
			*find_slot(slots, count, s->identity) = *s;
	}
	free(r->slots);
	r->slots = slots;
	r->slot_count = count;
	r->slot_used = live;
}

static struct window *
identity_window(struct rate_limiter *r, double now, uint64_t identity)
{
	struct identity_slot *s;

	if ((r->slot_used + 1) * 2 > r->slot_count)
		rehash(r, now);
	s = find_slot(r->slots, r->slot_count, identity);
	if (s->identity == 0) {
		s->identity = identity;
		r->slot_used++;
	}
	window_expire(&s->window, now, r->span);
	return &s->window;
}

double
rate_admit(struct rate_limiter *r, double now,
    const struct identity_count *ids, size_t id_count, unsigned long total,
    double *app_wait)
{
	double wait;

	window_expire(&r->app, now, r->span);
	wait = window_wait(&r->app, now, r->span, r->per_app, total);
	if (app_wait)
		*app_wait = wait;
	for (size_t i = 0; r->per_identity && i < id_count; i++) {
		struct window *w = identity_window(r, now, ids[i].identity);
		double w_wait = window_wait(w, now, r->span, r->per_identity,
		    ids[i].count);

		if (w_wait > wait)
			wait = w_wait;
	}
	if (wait > 0)
		return wait;

	if (r->per_app)
		r->app.in_flight += total;
	for (size_t i = 0; r->per_identity && i < id_count; i++)
		identity_window(r, now, ids[i].identity)->in_flight +=
		    ids[i].count;
	return 0;
}

void
rate_done(struct rate_limiter *r, double now,
    const struct identity_count *ids, size_t id_count, unsigned long total)
{
	if (r->per_app) {
		r->app.in_flight -= total;
		window_add(&r->app, now, total);
	}
	for (size_t i = 0; r->per_identity && i < id_count; i++) {
		struct window *w = identity_window(r, now, ids[i].identity);

		w->in_flight -= ids[i].count;
		window_add(w, now, ids[i].count);
	}
}

double
rate_app_wait(struct rate_limiter *r, double now, unsigned long n)
{
	window_expire(&r->app, now, r->span);
	return window_wait(&r->app, now, r->span, r->per_app, n);
}

unsigned long
rate_room(struct rate_limiter *r, double now)
{
	if (r->per_app == 0)
		return (unsigned long)-1;
	unsigned long used;

	window_expire(&r->app, now, r->span);
	used = r->app.total + r->app.in_flight;
	return used < r->per_app ? r->per_app - used : 0;
}

void
rate_release(struct rate_limiter *r)
{
	for (size_t i = 0; i < r->slot_count; i++)
		if (r->slots[i].identity != 0)
			window_release(&r->slots[i].window);
	free(r->slots);
	window_release(&r->app);
}
