/* Timestamps as exports write them, turned into the ISO 8601 UTC form
 * that Heap requires ("2024-05-01T10:00:00.000Z"). */
#ifndef HEAPSYNC_TIMESTAMP_H
#define HEAPSYNC_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIMESTAMP_LEN 24     /* "2024-05-01T10:00:00.000Z" */

/* 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z in epoch ms. */
#define TIMESTAMP_MIN_MS (-62135596800000LL)
#define TIMESTAMP_MAX_MS 253402300799999LL

/* The zone in which a timestamp without an offset is read. */
struct time_zone {
	enum { TIME_ZONE_FIXED, TIME_ZONE_NAMED } kind;
	int offset;          /* seconds east of UTC, for TIME_ZONE_FIXED */
	char name[256];      /* IANA name such as "Europe/Paris", for TIME_ZONE_NAMED */
};

/* Parse ZONE: "UTC", a fixed offset like "+05:30" / "-0800", or an IANA name like "Europe/Paris".
 * An IANA name must be a file of the system's tz database (TZDIR, or
 * /usr/share/zoneinfo).  On failure, write a message naming ZONE to ERR. */
bool time_zone_parse(const char *zone, struct time_zone *tz, char *err, size_t err_size);

enum timestamp_status { TIMESTAMP_OK, TIMESTAMP_NO_ZONE, TIMESTAMP_INVALID };

/* Parse TEXT into milliseconds since the epoch. TIMESTAMP_NO_ZONE means the text had no zone and was read in TZ.
 *
 * Accepted, with ASCII spaces and tabs around TEXT ignored:
 *   - YYYY-MM-DD, midnight in TZ;
 *   - YYYY-MM-DD, then 'T' or one space, then HH:MM, HH:MM:SS or
 *     HH:MM:SS.fraction (or ",fraction") with any number of digits, cut
 *     to milliseconds without rounding;
 *   - then optionally a zone, directly or after one space: Z, UTC, GMT,
 *     or an offset +HH, +HHMM, +HH:MM or +HH:MM:SS up to 18 hours;
 *   - an epoch number [+|-]DIGITS[.DIGITS]: seconds when its absolute
 *     value is under 1e11 (the year 5138), milliseconds at or above.  A
 *     bare "2024" or "20240501" is therefore an epoch number, not a date.
 * Fields are range-checked (month 1-12, the day against the month and
 * leap years, hour 0-23, minute 0-59, second 0-60), and so is the result
 * (years 1 to 9999 in UTC).  Second 60 is a leap second, read as the
 * first second of the next minute, as PostgreSQL 15 reads 23:59:60.
 *
 * In a named zone, a wall time that occurs twice when clocks go back is
 * read as the later instant, so 01:30 on the night New York leaves
 * daylight saving time is 01:30 EST.  A wall time that clocks skip is
 * read with the offset in force before the change, so 02:30 on a night
 * when clocks jump from 02:00 to 03:00 is read as 03:30.  PostgreSQL 15
 * reads both the same way.  A NULL TZ is UTC. */
enum timestamp_status timestamp_parse(const char *text, size_t len, const struct time_zone *tz, int64_t *epoch_ms);

/* Write EPOCH_MS as "YYYY-MM-DDTHH:MM:SS.mmmZ".  A value outside
 * TIMESTAMP_MIN_MS..TIMESTAMP_MAX_MS, which timestamp_parse never
 * returns, is clamped to that range. */
void timestamp_format(int64_t epoch_ms, char out[TIMESTAMP_LEN + 1]);

#endif
