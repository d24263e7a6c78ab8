#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "timestamp.h"

#define SECONDS_PER_DAY 86400
#define MAX_OFFSET (18 * 3600)

/* An epoch number whose absolute value is at or above this is in
 * milliseconds, and one below it in seconds.  1e11 seconds is in the year
 * 5138, and 1e11 milliseconds is 1973-03-03. */
#define EPOCH_MS_THRESHOLD 100000000000LL

struct cursor {
	const char *p;
	const char *end;
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Days from 1970-01-01 to the given date, for years 1 to 9999.  Counting
 * years from March puts the leap day last, so the days before a month
 * follow the 153-days-per-5-months pattern of the March-based calendar. */
static int64_t
days_from_civil(int year, int month, int day)
{
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t m = month <= 2 ? month + 9 : month - 3;
	int64_t days_before_year = 365 * y + y / 4 - y / 100 + y / 400;

	/* 719468 is this count for 1970-01-01, so the result is 0 there. */
	return days_before_year + (153 * m + 2) / 5 + day - 1 - 719468;
}

/* The date of day DAYS since 1970-01-01, the inverse of the above. */
static void
civil_from_days(int64_t days, int *year, int *month, int *day)
{
	int64_t march_days = days + 719468;     /* days since 0000-03-01 */
	int64_t y = march_days * 400 / 146097;  /* 146097 days per 400 years */
	int64_t day_of_year, m;

	/* The estimate can be one year off either way near year ends. */
	while (365 * (y + 1) + (y + 1) / 4 - (y + 1) / 100 + (y + 1) / 400 <= march_days)
		y++;
	while (365 * y + y / 4 - y / 100 + y / 400 > march_days)
		y--;

	day_of_year = march_days - (365 * y + y / 4 - y / 100 + y / 400);
	m = (5 * day_of_year + 2) / 153;
	*day = (int)(day_of_year - (153 * m + 2) / 5 + 1);
	*month = (int)(m < 10 ? m + 3 : m - 9);
	*year = (int)(*month <= 2 ? y + 1 : y);
}

static bool
is_leap_year(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int
days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Read exactly COUNT digits. */
static bool
read_digits(struct cursor *c, int count, int *value)
{
	*value = 0;
	if (c->end - c->p < count)
		return false;
	for (int i = 0; i < count; i++) {
		if (!is_digit(c->p[i]))
			return false;
		*value = *value * 10 + (c->p[i] - '0');
	}
	c->p += count;
	return true;
}

static bool
accept(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool
accept_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

/* Read an offset: +HH, +HHMM, +HH:MM or +HH:MM:SS (psql prints seconds
 * for zones whose historic local mean time was not whole minutes). */
static bool
read_offset(struct cursor *c, int *offset)
{
	int sign, hours, minutes = 0, seconds = 0;

	if (accept(c, '+'))
		sign = 1;
	else if (accept(c, '-'))
		sign = -1;
	else
		return false;

	if (!read_digits(c, 2, &hours))
		return false;
	if (accept(c, ':')) {
		if (!read_digits(c, 2, &minutes))
			return false;
		if (accept(c, ':') && !read_digits(c, 2, &seconds))
			return false;
	} else if (c->p < c->end && is_digit(*c->p) && !read_digits(c, 2, &minutes)) {
		return false;
	}

	if (minutes > 59 || seconds > 59)
		return false;
	*offset = sign * (hours * 3600 + minutes * 60 + seconds);
	return *offset >= -MAX_OFFSET && *offset <= MAX_OFFSET;
}

/* Read a zone after the time: Z, UTC, GMT or an offset, optionally after
 * one space ("2024-05-01 10:00:00 UTC" is how BigQuery prints). */
static bool
read_zone(struct cursor *c, bool *has_zone, int *offset)
{
	*has_zone = false;
	*offset = 0;
	if (c->p == c->end)
		return true;

	accept(c, ' ');
	*has_zone = true;
	if (accept(c, 'Z') || accept(c, 'z') || accept_word(c, "UTC") ||
	    accept_word(c, "GMT"))
		return true;
	return read_offset(c, offset);
}

/* Read HH:MM[:SS[.fraction]] into seconds of the day and milliseconds.
 * A 60th second is the next minute's first, so 23:59:60 is midnight. */
static bool
read_time(struct cursor *c, int64_t *seconds, int *ms)
{
	int hour, minute, second = 0;

	*ms = 0;
	if (!read_digits(c, 2, &hour) || !accept(c, ':') ||
	    !read_digits(c, 2, &minute))
		return false;
	if (accept(c, ':')) {
		if (!read_digits(c, 2, &second))
			return false;
		if (accept(c, '.') || accept(c, ',')) {
			const char *start = c->p;

			/* Digits past the third are cut, never rounded, so
			 * 59.9999 stays in the same second. */
			for (; c->p < c->end && is_digit(*c->p); c->p++)
				if (c->p - start < 3)
					*ms = *ms * 10 + (*c->p - '0');
			if (c->p == start)
				return false;
			for (long i = c->p - start; i < 3; i++)
				*ms *= 10;
		}
	}

	if (hour > 23 || minute > 59 || second > 60)
		return false;
	*seconds = hour * 3600 + minute * 60 + second;
	return true;
}

static bool
read_date(struct cursor *c, int64_t *days)
{
	int year, month, day;

	if (!read_digits(c, 4, &year) || !accept(c, '-') ||
	    !read_digits(c, 2, &month) || !accept(c, '-') ||
	    !read_digits(c, 2, &day))
		return false;
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
	    day > days_in_month(year, month))
		return false;
	*days = days_from_civil(year, month, day);
	return true;
}

static bool
in_range(int64_t epoch_ms)
{
	return epoch_ms >= TIMESTAMP_MIN_MS && epoch_ms <= TIMESTAMP_MAX_MS;
}

/* Read [+|-]digits[.digits], seconds or milliseconds since the epoch. */
static bool
parse_epoch(const char *s, size_t len, int64_t *epoch_ms)
{
	const char *end = s + len, *frac = NULL, *frac_end = NULL;
	bool negative = false;
	int64_t whole = 0, ms;
	int frac_ms = 0;
	bool frac_rest = false;
	int count = 0;

	if (s < end && (*s == '+' || *s == '-'))
		negative = *s++ == '-';
	for (; s < end && is_digit(*s); s++, count++)
		if (count < 18)
			whole = whole * 10 + (*s - '0');
	if (count == 0 || count > 18)
		return false;

	if (s < end && *s == '.') {
		frac = ++s;
		while (s < end && is_digit(*s))
			s++;
		frac_end = s;
		if (frac == frac_end)
			return false;
	}
	if (s != end)
		return false;

	for (const char *p = frac; p && p < frac_end; p++) {
		if (p - frac < 3)
			frac_ms = frac_ms * 10 + (*p - '0');
		else if (*p != '0')
			frac_rest = true;
	}
	for (long i = frac ? frac_end - frac : 0; i < 3; i++)
		frac_ms *= 10;

	if (whole >= EPOCH_MS_THRESHOLD) {
		ms = whole;
		frac_rest = frac_ms != 0 || frac_rest;
	} else {
		ms = whole * 1000 + frac_ms;
	}

	/* Cut digits move toward the past, as they do for ISO text. */
	if (negative)
		ms = -ms - (frac_rest ? 1 : 0);
	if (!in_range(ms))
		return false;
	*epoch_ms = ms;
	return true;
}

/* Return the UTC offset of the process's zone at instant T. */
static int
offset_at(int64_t t)
{
	time_t when = (time_t)t;
	struct tm tm;

	if (localtime_r(&when, &tm) == NULL)
		return 0;
	return (int)tm.tm_gmtoff;
}

/* A cached offset for a local day whose offset is the same all day.  Days
 * with a transition are not cached but resolved per timestamp. */
struct day_offset {
	int64_t day;
	int offset;
	bool valid;
};

static char current_zone[sizeof ((struct time_zone *)0)->name];
static struct day_offset day_cache[256];

/* NOTE: a named zone is read through the C library's tz database, which
 * only works on the process's zone, so this sets TZ in the environment.
 * That affects localtime() for the whole process and is not thread-safe.
 * The heapsync programs are single-threaded and print no local times. */
static void
use_zone(const char *name)
{
	char value[sizeof current_zone + 1];

	if (strcmp(current_zone, name) == 0)
		return;
	snprintf(value, sizeof value, ":%s", name);
	setenv("TZ", value, 1);
	tzset();
	snprintf(current_zone, sizeof current_zone, "%s", name);
	memset(day_cache, 0, sizeof day_cache);
}

/* Find the offset that turns local time LOCAL in the current zone into
 * UTC.  A wall time that occurs twice when clocks go back is read as the
 * later instant, with the offset after the change.  A wall time that
 * clocks skip is read with the offset before the change, so 02:30 in a
 * 02:00-to-03:00 jump becomes 03:30.  PostgreSQL 15 resolves both cases
 * the same way. */
static int
resolve_local(int64_t local)
{
	int64_t day = local >= 0 ? local / SECONDS_PER_DAY : -((-local - 1) / SECONDS_PER_DAY) - 1;
	struct day_offset *slot = &day_cache[(uint64_t)day % 256];
	int before, after;

	if (slot->valid && slot->day == day)
		return slot->offset;

	/* Offsets stay within ±18 hours, so the UTC instants of this local
	 * day lie between these two probes.  If the offset is the same at
	 * both, the day is taken to have no transition, which assumes that
	 * no zone changes its offset and changes it back within three days. */
	before = offset_at((day - 1) * SECONDS_PER_DAY);
	after = offset_at((day + 2) * SECONDS_PER_DAY);
	if (before == after) {
		*slot = (struct day_offset){ day, before, true };
		return before;
	}

	if (offset_at(local - after) == after)
		return after;
	return before;
}

enum timestamp_status
timestamp_parse(const char *text, size_t len, const struct time_zone *tz,
    int64_t *epoch_ms)
{
	struct cursor c;
	int64_t days, seconds = 0, local, result;
	int ms = 0, offset;
	bool has_zone;

	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;

	if (parse_epoch(text, len, epoch_ms))
		return TIMESTAMP_OK;

	c = (struct cursor){ text, text + len };
	if (!read_date(&c, &days))
		return TIMESTAMP_INVALID;
	has_zone = false;
	offset = 0;
	if (c.p < c.end) {
		if (!(accept(&c, 'T') || accept(&c, 't') || accept(&c, ' ')))
			return TIMESTAMP_INVALID;
		if (!read_time(&c, &seconds, &ms) ||
		    !read_zone(&c, &has_zone, &offset) || c.p != c.end)
			return TIMESTAMP_INVALID;
	}

	local = days * SECONDS_PER_DAY + seconds;
	if (!has_zone && tz != NULL) {
		if (tz->kind == TIME_ZONE_NAMED) {
			use_zone(tz->name);
			offset = resolve_local(local);
		} else {
			offset = tz->offset;
		}
	}

	result = (local - offset) * 1000 + ms;
	if (!in_range(result))
		return TIMESTAMP_INVALID;
	*epoch_ms = result;
	return has_zone ? TIMESTAMP_OK : TIMESTAMP_NO_ZONE;
}

static void
put_digits(char *out, int64_t value, int count)
{
	for (int i = count - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

void
timestamp_format(int64_t epoch_ms, char out[TIMESTAMP_LEN + 1])
{
	int64_t days, ms_of_day;
	int year, month, day;

	if (epoch_ms < TIMESTAMP_MIN_MS)
		epoch_ms = TIMESTAMP_MIN_MS;
	if (epoch_ms > TIMESTAMP_MAX_MS)
		epoch_ms = TIMESTAMP_MAX_MS;

	days = epoch_ms / 86400000;
	ms_of_day = epoch_ms % 86400000;
	if (ms_of_day < 0) {
		days--;
		ms_of_day += 86400000;
	}
	civil_from_days(days, &year, &month, &day);

	memcpy(out, "0000-00-00T00:00:00.000Z", TIMESTAMP_LEN + 1);
	put_digits(out, year, 4);
	put_digits(out + 5, month, 2);
	put_digits(out + 8, day, 2);
	put_digits(out + 11, ms_of_day / 3600000, 2);
	put_digits(out + 14, ms_of_day / 60000 % 60, 2);
	put_digits(out + 17, ms_of_day / 1000 % 60, 2);
	put_digits(out + 20, ms_of_day % 1000, 3);
}

/* Return whether NAME is a safe relative path to a zone file of the tz
 * database, which starts with the TZif magic. */
static bool
zone_file_exists(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[4096], magic[4];
	int fd;
	ssize_t n;

	if (name[0] == '\0' || name[0] == '/' || strstr(name, "..") != NULL)
		return false;
	for (const char *p = name; *p; p++)
		if (!(is_digit(*p) || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= 'a' && *p <= 'z') || strchr("/_+-", *p)))
			return false;

	if (dir == NULL || dir[0] == '\0')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
		return false;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, magic, sizeof magic);
	close(fd);
	return n == 4 && memcmp(magic, "TZif", 4) == 0;
}

bool
time_zone_parse(const char *zone, struct time_zone *tz, char *err,
    size_t err_size)
{
	struct cursor c = { zone, zone + strlen(zone) };
	int offset;

	memset(tz, 0, sizeof *tz);
	tz->kind = TIME_ZONE_FIXED;
	if (strcasecmp(zone, "UTC") == 0 || strcasecmp(zone, "Z") == 0)
		return true;

	if (zone[0] == '+' || zone[0] == '-') {
		if (read_offset(&c, &offset) && c.p == c.end) {
			tz->offset = offset;
			return true;
		}
		snprintf(err, err_size, "invalid time zone offset '%s'; "
		    "expected +HH:MM, +HHMM or +HH between -18:00 and +18:00",
		    zone);
		return false;
	}

	if (strlen(zone) >= sizeof tz->name || !zone_file_exists(zone)) {
		snprintf(err, err_size, "unknown time zone '%s'; expected UTC, "
		    "an offset like +05:30 or an IANA name like Europe/Paris",
		    zone);
		return false;
	}
	tz->kind = TIME_ZONE_NAMED;
	snprintf(tz->name, sizeof tz->name, "%s", zone);
	return true;
}
