/* Timestamps as exports write them, turned into the ISO 8601 UTC form
 * that Heap requires ("2024-05-01T10:00:00.000Z"). */
#ifndef HEAPSYNC_TIMESTAMP_H
#define HEAPSYNC_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_LEN 24     /* "2024-05-01T10:00:00.000Z" */

/* The zone in which a timestamp without an offset is read. */
struct time_zone {
	enum { TIME_ZONE_FIXED, TIME_ZONE_NAMED } kind;
	int offset;          /* seconds east of UTC, for TIME_ZONE_FIXED */
	char name[256];      /* IANA name such as "Europe/Paris", for TIME_ZONE_NAMED */
};

/* Parse ZONE: "UTC", a fixed offset like "+05:30" / "-0800", or an IANA name like "Europe/Paris". */
bool time_zone_parse(const char *zone, struct time_zone *tz, char *err, size_t err_size);

enum timestamp_status { TIMESTAMP_OK, TIMESTAMP_NO_ZONE, TIMESTAMP_INVALID };

/* Parse TEXT into milliseconds since the epoch. TIMESTAMP_NO_ZONE means the text had no zone and was read in TZ. */
enum timestamp_status timestamp_parse(const char *text, size_t len, const struct time_zone *tz, int64_t *epoch_ms);

void timestamp_format(int64_t epoch_ms, char out[TIMESTAMP_LEN + 1]);

#endif
