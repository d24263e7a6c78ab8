#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "timestamp.h"

static const char *status_names[] = { "ok", "no-zone", "invalid" };

static struct time_zone utc;

/* Check that TEXT read in TZ gives status WANT and, unless invalid, the
 * instant WANT_ISO. */
static void
check_in(const struct time_zone *tz, const char *text,
    enum timestamp_status want, const char *want_iso)
{
	int64_t ms = 0;
	enum timestamp_status got;
	char what[512], iso[TIMESTAMP_LEN + 1];
	const char *zone;

	got = timestamp_parse(text, strlen(text), tz, &ms);
	if (tz == NULL)
		zone = "no zone";
	else if (tz->kind == TIME_ZONE_NAMED)
		zone = tz->name;
	else
		zone = "fixed offset";
	snprintf(what, sizeof what, "'%s' in %s is %s", text, zone,
	    status_names[want]);
	tap_check(got == want, what, __FILE__, __LINE__);
	if (got != want)
		printf("# got: %s\n", status_names[got]);
	if (want == TIMESTAMP_INVALID || got == TIMESTAMP_INVALID)
		return;
	timestamp_format(ms, iso);
	snprintf(what, sizeof what, "'%s' is %s", text, want_iso);
	tap_check_str(iso, want_iso, what, __FILE__, __LINE__);
}

static void
check(const char *text, enum timestamp_status want, const char *want_iso)
{
	check_in(&utc, text, want, want_iso);
}

static void
check_ms(const char *text, int64_t want)
{
	int64_t ms = 0;
	char what[256];

	snprintf(what, sizeof what, "'%s' is %lld ms", text, (long long)want);
	tap_check(timestamp_parse(text, strlen(text), &utc, &ms) == TIMESTAMP_OK &&
	    ms == want, what, __FILE__, __LINE__);
	if (ms != want)
		printf("# got: %lld\n", (long long)ms);
}

static void
skip(const char *why)
{
	printf("ok %d # skip %s\n", ++tap_count, why);
}

static void
test_iso(void)
{
	check("2024-05-01T10:00:00Z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01T10:00:00z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01t10:00:00Z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01T10:00:00.000Z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01T10:00Z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01T10:00:00+05:30", TIMESTAMP_OK, "2024-05-01T04:30:00.000Z");
	check("2024-05-01T10:00:00+0530", TIMESTAMP_OK, "2024-05-01T04:30:00.000Z");
	check("2024-05-01T10:00:00+05", TIMESTAMP_OK, "2024-05-01T05:00:00.000Z");
	check("2024-05-01T10:00:00-08:00", TIMESTAMP_OK, "2024-05-01T18:00:00.000Z");
	check("2024-05-01T10:00:00+18:00", TIMESTAMP_OK, "2024-04-30T16:00:00.000Z");
	check("2024-05-01T10:00:00-18:00", TIMESTAMP_OK, "2024-05-02T04:00:00.000Z");
	check("2024-05-01T10:00:00+00:09:21", TIMESTAMP_OK, "2024-05-01T09:50:39.000Z");
	check("2024-05-01T00:30:00+01:00", TIMESTAMP_OK, "2024-04-30T23:30:00.000Z");
	check("2024-12-31T23:30:00-01:00", TIMESTAMP_OK, "2025-01-01T00:30:00.000Z");

	/* psql, MySQL and BigQuery output. */
	check("2024-05-01 10:00:00+00", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01 10:00:00.123456+05:30", TIMESTAMP_OK, "2024-05-01T04:30:00.123Z");
	check("2024-05-01 10:00:00.5-07", TIMESTAMP_OK, "2024-05-01T17:00:00.500Z");
	check("2024-05-01 10:00:00 UTC", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01 10:00:00.123 UTC", TIMESTAMP_OK, "2024-05-01T10:00:00.123Z");
	check("2024-05-01 10:00:00.123456 UTC", TIMESTAMP_OK, "2024-05-01T10:00:00.123Z");
	check("2024-05-01 10:00:00 utc", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01 10:00:00 GMT", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("2024-05-01 10:00:00 +02:00", TIMESTAMP_OK, "2024-05-01T08:00:00.000Z");
	check("2024-05-01 10:00:00", TIMESTAMP_NO_ZONE, "2024-05-01T10:00:00.000Z");
	check("2024-05-01 10:00:00.000001", TIMESTAMP_NO_ZONE, "2024-05-01T10:00:00.000Z");
	check("2024-05-01", TIMESTAMP_NO_ZONE, "2024-05-01T00:00:00.000Z");
	check("  2024-05-01T10:00:00Z\t", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");

	/* Fractions are cut to milliseconds, never rounded up. */
	check("2024-05-01T10:00:00.1Z", TIMESTAMP_OK, "2024-05-01T10:00:00.100Z");
	check("2024-05-01T10:00:00.12Z", TIMESTAMP_OK, "2024-05-01T10:00:00.120Z");
	check("2024-05-01T10:00:00,25Z", TIMESTAMP_OK, "2024-05-01T10:00:00.250Z");
	check("2024-05-01T10:00:00.9999999Z", TIMESTAMP_OK, "2024-05-01T10:00:00.999Z");
	check("2024-12-31T23:59:59.999999999Z", TIMESTAMP_OK, "2024-12-31T23:59:59.999Z");

	/* A leap second is the first second of the next minute. */
	check("2016-12-31T23:59:60Z", TIMESTAMP_OK, "2017-01-01T00:00:00.000Z");
	check("2016-12-31 23:59:60.5+00", TIMESTAMP_OK, "2017-01-01T00:00:00.500Z");
}

static void
test_calendar(void)
{
	check("2000-02-29", TIMESTAMP_NO_ZONE, "2000-02-29T00:00:00.000Z");
	check("2024-02-29", TIMESTAMP_NO_ZONE, "2024-02-29T00:00:00.000Z");
	check("1600-02-29", TIMESTAMP_NO_ZONE, "1600-02-29T00:00:00.000Z");
	check("1900-02-29", TIMESTAMP_INVALID, NULL);
	check("2023-02-29", TIMESTAMP_INVALID, NULL);
	check("2100-02-29", TIMESTAMP_INVALID, NULL);
	check("2023-02-28", TIMESTAMP_NO_ZONE, "2023-02-28T00:00:00.000Z");
	check("2024-04-31", TIMESTAMP_INVALID, NULL);
	check("2024-04-30", TIMESTAMP_NO_ZONE, "2024-04-30T00:00:00.000Z");
	check("2024-01-31", TIMESTAMP_NO_ZONE, "2024-01-31T00:00:00.000Z");
	check("2024-01-32", TIMESTAMP_INVALID, NULL);
	check("2024-00-10", TIMESTAMP_INVALID, NULL);
	check("2024-13-10", TIMESTAMP_INVALID, NULL);
	check("2024-05-00", TIMESTAMP_INVALID, NULL);
	check("1970-01-01T00:00:00Z", TIMESTAMP_OK, "1970-01-01T00:00:00.000Z");
	check("1969-12-31T23:59:59.999Z", TIMESTAMP_OK, "1969-12-31T23:59:59.999Z");
	check("0001-01-01T00:00:00Z", TIMESTAMP_OK, "0001-01-01T00:00:00.000Z");
	check("9999-12-31T23:59:59.999Z", TIMESTAMP_OK, "9999-12-31T23:59:59.999Z");
	check("0000-12-31T00:00:00Z", TIMESTAMP_INVALID, NULL);
	check("0001-01-01T00:00:00+01:00", TIMESTAMP_INVALID, NULL);
	check("9999-12-31T23:00:00-01:00", TIMESTAMP_INVALID, NULL);
	check("9999-12-31T23:59:60Z", TIMESTAMP_INVALID, NULL);
	check_ms("1970-01-01T00:00:00Z", 0);
	check_ms("2024-05-01T10:00:00.123Z", 1714557600123LL);
	check_ms("0001-01-01T00:00:00Z", TIMESTAMP_MIN_MS);
	check_ms("9999-12-31T23:59:59.999Z", TIMESTAMP_MAX_MS);
}

/* Compare every day of 1890-2110 and a sample of the rest of years 1 to
 * 9999 with timegm, which the library does not use. */
static void
test_against_timegm(void)
{
	int bad = 0, count = 0;
	struct tm tm = { 0 };

	for (int64_t day = -719162; day <= 2932896; day++) {
		time_t t = (time_t)day * 86400;
		char text[64], iso[TIMESTAMP_LEN + 1];
		int64_t ms;
		bool dense = day >= -29219 && day <= 51134;

		if (!dense && day % 97 != 0)
			continue;
		gmtime_r(&t, &tm);
		snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, 13, 14, 15);
		count++;
		if (timestamp_parse(text, strlen(text), NULL, &ms) != TIMESTAMP_OK ||
		    ms != ((int64_t)t + 13 * 3600 + 14 * 60 + 15) * 1000) {
			if (bad++ < 5)
				printf("# parse mismatch for %s\n", text);
			continue;
		}
		timestamp_format(ms, iso);
		if (strncmp(iso, text, 19) != 0 && bad++ < 5)
			printf("# format mismatch: %s for %s\n", iso, text);
	}
	printf("# compared %d days with gmtime\n", count);
	CHECK(bad == 0);
	CHECK(count > 100000);
}

static void
test_epoch(void)
{
	check("0", TIMESTAMP_OK, "1970-01-01T00:00:00.000Z");
	check("1714557600", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("1714557600.5", TIMESTAMP_OK, "2024-05-01T10:00:00.500Z");
	check("1714557600.123456", TIMESTAMP_OK, "2024-05-01T10:00:00.123Z");
	check("1714557600123", TIMESTAMP_OK, "2024-05-01T10:00:00.123Z");
	check("+1714557600", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check("-1", TIMESTAMP_OK, "1969-12-31T23:59:59.000Z");
	check("-1.5", TIMESTAMP_OK, "1969-12-31T23:59:58.500Z");
	check("-0.0005", TIMESTAMP_OK, "1969-12-31T23:59:59.999Z");
	/* The threshold: just under 1e11 is seconds, 1e11 is milliseconds. */
	check("99999999999", TIMESTAMP_OK, "5138-11-16T09:46:39.000Z");
	check("100000000000", TIMESTAMP_OK, "1973-03-03T09:46:40.000Z");
	check("-100000000000", TIMESTAMP_OK, "1966-10-31T14:13:20.000Z");
	check("1714557600123.9", TIMESTAMP_OK, "2024-05-01T10:00:00.123Z");
	check("253402300799999", TIMESTAMP_OK, "9999-12-31T23:59:59.999Z");
	check("253402300800000", TIMESTAMP_INVALID, NULL);
	check("-62135596800000", TIMESTAMP_OK, "0001-01-01T00:00:00.000Z");
	check("-62135596800001", TIMESTAMP_INVALID, NULL);
	check("99999999999999999999", TIMESTAMP_INVALID, NULL);
	check("1714557600.", TIMESTAMP_INVALID, NULL);
	check(".5", TIMESTAMP_INVALID, NULL);
	check("1e9", TIMESTAMP_INVALID, NULL);
	check("0x10", TIMESTAMP_INVALID, NULL);
}

static void
test_invalid(void)
{
	static const char *const bad[] = {
		"", " ", "now", "infinity", "-infinity", "NaN",
		"2024-05", "24-05-01", "2024/05/01", "2024-5-1",
		"2024-05-01T", "2024-05-01X10:00:00",
		"2024-05-01T10", "2024-05-01T10:0", "2024-05-01T10:00:0",
		"2024-05-01T24:00:00Z", "2024-05-01T23:60:00Z",
		"2024-05-01T23:59:61Z", "2024-05-01T-1:00:00Z",
		"2024-05-01T10:00:00.Z", "2024-05-01T10:00:00.",
		"2024-05-01T10:00:00+", "2024-05-01T10:00:00+5",
		"2024-05-01T10:00:00+053", "2024-05-01T10:00:00+05:3",
		"2024-05-01T10:00:00+18:01", "2024-05-01T10:00:00-19",
		"2024-05-01T10:00:00+05:60", "2024-05-01T10:00:00ZZ",
		"2024-05-01T10:00:00 UTCX", "2024-05-01T10:00:00  UTC",
		"2024-05-01T10:00:00 PST", "2024-05-01T10:00:00Z junk",
		"2024-05-01  10:00:00",
		"2024-05-01 10:00:00 BC", "May 1, 2024", "01/05/2024",
		"2024-05-01T10:00:00+05:30[Asia/Kolkata]",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		check(bad[i], TIMESTAMP_INVALID, NULL);
}

static void
test_fixed_zones(void)
{
	struct time_zone tz;
	char err[256];

	CHECK(time_zone_parse("UTC", &tz, err, sizeof err));
	CHECK(tz.kind == TIME_ZONE_FIXED);
	CHECK(tz.offset == 0);
	CHECK(time_zone_parse("+05:30", &tz, err, sizeof err));
	CHECK(tz.kind == TIME_ZONE_FIXED);
	CHECK(tz.offset == 19800);
	check_in(&tz, "2024-05-01 10:00:00", TIMESTAMP_NO_ZONE, "2024-05-01T04:30:00.000Z");
	check_in(&tz, "2024-05-01", TIMESTAMP_NO_ZONE, "2024-04-30T18:30:00.000Z");
	check_in(&tz, "2024-05-01 10:00:00Z", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	check_in(&tz, "1714557600", TIMESTAMP_OK, "2024-05-01T10:00:00.000Z");
	CHECK(time_zone_parse("-0800", &tz, err, sizeof err));
	CHECK(tz.offset == -28800);
	check_in(&tz, "2024-05-01 10:00:00", TIMESTAMP_NO_ZONE, "2024-05-01T18:00:00.000Z");
	CHECK(time_zone_parse("+05", &tz, err, sizeof err));
	CHECK(tz.offset == 18000);

	CHECK(!time_zone_parse("+19:00", &tz, err, sizeof err));
	CHECK(strstr(err, "'+19:00'") != NULL);
	CHECK(!time_zone_parse("+5", &tz, err, sizeof err));
	CHECK(!time_zone_parse("", &tz, err, sizeof err));
	CHECK(!time_zone_parse("Mars/Olympus_Mons", &tz, err, sizeof err));
	CHECK(strstr(err, "'Mars/Olympus_Mons'") != NULL);
	CHECK(!time_zone_parse("../../etc/passwd", &tz, err, sizeof err));
	CHECK(!time_zone_parse("/etc/localtime", &tz, err, sizeof err));
	CHECK(!time_zone_parse("America", &tz, err, sizeof err));
	CHECK(!time_zone_parse("PST", &tz, err, sizeof err));

	check_in(NULL, "2024-05-01 10:00:00", TIMESTAMP_NO_ZONE, "2024-05-01T10:00:00.000Z");
}

static void
test_named_zones(void)
{
	struct time_zone ny, paris, kolkata;
	char err[256];

	if (!time_zone_parse("America/New_York", &ny, err, sizeof err) ||
	    !time_zone_parse("Europe/Paris", &paris, err, sizeof err) ||
	    !time_zone_parse("Asia/Kolkata", &kolkata, err, sizeof err)) {
		skip("the tz database is not installed");
		return;
	}
	CHECK(ny.kind == TIME_ZONE_NAMED);
	CHECK_STR(ny.name, "America/New_York");

	/* Winter (EST, -5) and summer (EDT, -4). */
	check_in(&ny, "2024-01-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-01-15T15:00:00.000Z");
	check_in(&ny, "2024-07-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-07-15T14:00:00.000Z");
	check_in(&ny, "2024-07-15", TIMESTAMP_NO_ZONE, "2024-07-15T04:00:00.000Z");
	check_in(&ny, "2024-07-15 10:00:00.250", TIMESTAMP_NO_ZONE, "2024-07-15T14:00:00.250Z");
	/* An explicit zone wins over TZ. */
	check_in(&ny, "2024-07-15 10:00:00+00", TIMESTAMP_OK, "2024-07-15T10:00:00.000Z");

	/* Spring forward on 2024-03-10: 02:00 EST jumps to 03:00 EDT. */
	check_in(&ny, "2024-03-10 01:59:59", TIMESTAMP_NO_ZONE, "2024-03-10T06:59:59.000Z");
	check_in(&ny, "2024-03-10 02:30:00", TIMESTAMP_NO_ZONE, "2024-03-10T07:30:00.000Z");
	check_in(&ny, "2024-03-10 03:00:00", TIMESTAMP_NO_ZONE, "2024-03-10T07:00:00.000Z");
	check_in(&ny, "2024-03-10 10:00:00", TIMESTAMP_NO_ZONE, "2024-03-10T14:00:00.000Z");
	check_in(&ny, "2024-03-10", TIMESTAMP_NO_ZONE, "2024-03-10T05:00:00.000Z");

	/* Fall back on 2024-11-03: 01:00-01:59 happens twice, and the
	 * later one (EST) wins. */
	check_in(&ny, "2024-11-03 00:59:59", TIMESTAMP_NO_ZONE, "2024-11-03T04:59:59.000Z");
	check_in(&ny, "2024-11-03 01:00:00", TIMESTAMP_NO_ZONE, "2024-11-03T06:00:00.000Z");
	check_in(&ny, "2024-11-03 01:30:00", TIMESTAMP_NO_ZONE, "2024-11-03T06:30:00.000Z");
	check_in(&ny, "2024-11-03 01:59:59", TIMESTAMP_NO_ZONE, "2024-11-03T06:59:59.000Z");
	check_in(&ny, "2024-11-03 02:00:00", TIMESTAMP_NO_ZONE, "2024-11-03T07:00:00.000Z");
	check_in(&ny, "2024-11-03 23:00:00", TIMESTAMP_NO_ZONE, "2024-11-04T04:00:00.000Z");

	/* Switching zones must not reuse the other zone's cached offsets. */
	check_in(&paris, "2024-01-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-01-15T09:00:00.000Z");
	check_in(&paris, "2024-07-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-07-15T08:00:00.000Z");
	check_in(&paris, "2024-03-31 02:30:00", TIMESTAMP_NO_ZONE, "2024-03-31T01:30:00.000Z");
	check_in(&paris, "2024-10-27 02:30:00", TIMESTAMP_NO_ZONE, "2024-10-27T01:30:00.000Z");
	check_in(&kolkata, "2024-07-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-07-15T04:30:00.000Z");
	check_in(&ny, "2024-01-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-01-15T15:00:00.000Z");
	check_in(&ny, "2024-01-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-01-15T15:00:00.000Z");

	/* Far years still convert, by the zone's rules for them. */
	check_in(&ny, "1800-06-01 12:00:00", TIMESTAMP_NO_ZONE, "1800-06-01T16:56:02.000Z");
	check_in(&ny, "9999-12-31 18:00:00", TIMESTAMP_NO_ZONE, "9999-12-31T23:00:00.000Z");
	check_in(&ny, "9999-12-31 19:00:00", TIMESTAMP_INVALID, NULL);

	/* UTC and fixed offsets ignore the zone that the named zone set. */
	check("2024-07-15 10:00:00", TIMESTAMP_NO_ZONE, "2024-07-15T10:00:00.000Z");
	check("2024-07-15 10:00:00+01", TIMESTAMP_OK, "2024-07-15T09:00:00.000Z");
}

static void
test_format(void)
{
	char out[TIMESTAMP_LEN + 1];

	timestamp_format(0, out);
	CHECK_STR(out, "1970-01-01T00:00:00.000Z");
	timestamp_format(-1, out);
	CHECK_STR(out, "1969-12-31T23:59:59.999Z");
	timestamp_format(951782400000LL, out);
	CHECK_STR(out, "2000-02-29T00:00:00.000Z");
	timestamp_format(TIMESTAMP_MIN_MS, out);
	CHECK_STR(out, "0001-01-01T00:00:00.000Z");
	timestamp_format(TIMESTAMP_MAX_MS, out);
	CHECK_STR(out, "9999-12-31T23:59:59.999Z");
	timestamp_format(TIMESTAMP_MAX_MS + 1, out);
	CHECK_STR(out, "9999-12-31T23:59:59.999Z");
	timestamp_format(INT64_MIN, out);
	CHECK_STR(out, "0001-01-01T00:00:00.000Z");
	CHECK(strlen(out) == TIMESTAMP_LEN);
}

int
main(void)
{
	char err[256];

	/* Results must not depend on the machine's zone, so run with an odd
	 * one (UTC+12:45 in winter) set. */
	setenv("TZ", ":Pacific/Chatham", 1);
	tzset();
	if (!time_zone_parse("UTC", &utc, err, sizeof err))
		return 1;
	test_iso();
	test_calendar();
	test_against_timegm();
	test_epoch();
	test_invalid();
	test_fixed_zones();
	test_named_zones();
	test_format();
	return tap_done();
}
