#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "rate.h"
#include "tap.h"

/* Check LINE and return its type, or -1 with the reason in REASON. */
static int
check(const char *line, char *reason)
{
	struct record_info info;

	reason[0] = '\0';
	if (!record_check(line, strlen(line), &info, reason, 200))
		return -1;
	return (int)info.type;
}

static void
test_records(void)
{
	char why[200];

	CHECK(check("{\"identity\":\"u1\",\"properties\":{\"a\":1}}", why) ==
	    OBJECT_USERS);
	CHECK(check("{\"identity\":42,\"properties\":{}}", why) ==
	    OBJECT_USERS);
	CHECK(check("{\"account_id\":\"a1\",\"properties\":{}}", why) ==
	    OBJECT_ACCOUNTS);
	CHECK(check("{\"identity\":\"u1\",\"event\":\"E\",\"timestamp\":"
	    "\"2024-05-01T10:00:00.000Z\",\"idempotency_key\":\"k\","
	    "\"properties\":{}}", why) == OBJECT_EVENTS);
	CHECK(check("{\"identity\":\"u1\",\"event\":\"E\",\"timestamp\":"
	    "\"2024-05-01T10:00:00+02:00\"}", why) == OBJECT_EVENTS);

	CHECK(check("{\"identity\":\"\",\"properties\":{}}", why) == -1);
	CHECK_STR(why, "identity is empty");
	CHECK(check("{\"identity\":true}", why) == -1);
	CHECK_STR(why, "identity must be a string or a number");
	CHECK(check("{\"identity\":\"u\",\"properties\":{\"a\":null}}", why) ==
	    -1);
	CHECK_STR(why, "property 'a' must be a string or a number");
	CHECK(check("{\"identity\":\"u\",\"event\":\"E\",\"timestamp\":"
	    "\"2024-05-01\"}", why) == -1);
	CHECK_STR(why, "timestamp is not an ISO 8601 date-time");
	CHECK(check("{\"identity\":\"u\",\"event\":\"\"}", why) == -1);
	CHECK_STR(why, "event must be a non-empty string");
	CHECK(check("{\"account_id\":\"a\",\"identity\":\"u\"}", why) == -1);
	CHECK_STR(why, "unknown key 'identity'");
	CHECK(check("{\"properties\":{}}", why) == -1);
	CHECK(check("[1]", why) == -1);
	CHECK_STR(why, "record is not a JSON object");
	CHECK(check("{\"identity\":\"u\",\"identity\":\"v\"}", why) == -1);
}

static void
test_lengths(void)
{
	char why[200];
	char line[2200];
	char value[1100];

	memset(value, 'x', 1023);
	value[1023] = '\0';
	snprintf(line, sizeof line,
	    "{\"identity\":\"u\",\"properties\":{\"s\":\"%s\"}}", value);
	CHECK(check(line, why) == OBJECT_USERS);
	strcat(value, "x");
	snprintf(line, sizeof line,
	    "{\"identity\":\"u\",\"properties\":{\"s\":\"%s\"}}", value);
	CHECK(check(line, why) == -1);

	/* 255 two-byte characters are 255 characters, not 510. */
	line[0] = '\0';
	strcat(line, "{\"identity\":\"");
	for (int i = 0; i < 255; i++)
		strcat(line, "\xc3\xa9");
	strcat(line, "\"}");
	CHECK(check(line, why) == OBJECT_USERS);
}

static void
test_batch(void)
{
	struct batch b;
	struct batch half;
	char *prefix = batch_prefix(OBJECT_USERS, "app\"1");

	CHECK_STR(prefix, "{\"app_id\":\"app\\\"1\",\"users\":[");
	batch_init(&b, OBJECT_USERS, prefix);
	batch_add(&b, "{\"identity\":1}", 14, 1, 0);
	CHECK(batch_size_with(&b, 14) == strlen(prefix) + 14 + 1 + 14 + 2);
	batch_add(&b, "{\"identity\":2}", 14, 2, 0);
	batch_add(&b, "{\"identity\":3}", 14, 3, 0);
	b.items[2].file = 1;
	batch_close(&b);
	CHECK_STR(b.body.data, "{\"app_id\":\"app\\\"1\",\"users\":["
	    "{\"identity\":1},{\"identity\":2},{\"identity\":3}]}");

	batch_slice(&half, &b, prefix, 1, 2);
	CHECK_STR(half.body.data, "{\"app_id\":\"app\\\"1\",\"users\":["
	    "{\"identity\":2},{\"identity\":3}]}");
	CHECK(half.items[0].line == 2);
	CHECK(half.items[0].file == 0);
	CHECK(half.items[1].file == 1);
	batch_release(&half);
	batch_release(&b);
	free(prefix);
}

static void
test_rate(void)
{
	struct rate_limiter r;
	struct identity_count one = { 7, 60 };
	struct identity_count more = { 7, 50 };
	double app_wait;

	/* 100 per app and 100 per identity per 6 s window. */
	rate_init(&r, 100, 100, 6);
	CHECK(rate_admit(&r, 0, &one, 1, 60, &app_wait) == 0);
	CHECK(rate_room(&r, 0) == 40);
	/* Until the request ends, its events are only in flight. */
	CHECK(rate_admit(&r, 0, &more, 1, 50, &app_wait) > 0);
	CHECK(app_wait < 1);
	rate_done(&r, 0, &one, 1, 60);
	CHECK(rate_room(&r, 0) == 40);
	CHECK(rate_admit(&r, 1, &more, 1, 50, &app_wait) > 0);
	CHECK(app_wait > 5);
	CHECK(app_wait <= 5.25 + 1e-9);
	/* The log keeps the send for the window plus 0.25 s. */
	CHECK(rate_admit(&r, 6.1, &more, 1, 50, NULL) > 0);
	CHECK(rate_admit(&r, 6.3, &more, 1, 50, NULL) == 0);
	CHECK(rate_room(&r, 6.3) == 50);
	rate_release(&r);

	/* The identity limit delays a request that the app limit allows. */
	rate_init(&r, 1000, 10, 60);
	one.count = 10;
	CHECK(rate_admit(&r, 0, &one, 1, 10, &app_wait) == 0);
	rate_done(&r, 0.5, &one, 1, 10);
	one.count = 1;
	CHECK(rate_admit(&r, 1, &one, 1, 1, &app_wait) > 0);
	CHECK(app_wait == 0);
	rate_release(&r);
}

int
main(void)
{
	test_records();
	test_lengths();
	test_batch();
	test_rate();
	return tap_done();
}
