/* Reports that every heapsync program writes besides its records: the
 * rejects file, with one NDJSON object per dropped row or record, and the
 * --stats counters that scripts/heap-sync adds up. */
#ifndef HEAPSYNC_REPORT_H
#define HEAPSYNC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A rejects file opened for appending; a NULL stream means no -r. */
struct rejects {
	FILE *stream;
	const char *path;
	unsigned long count;
};

/* One rejected row or record.  FILE, LINE, COLUMN and STATUS are left
 * out of the JSON when NULL or 0; RAW is the input text of the row. */
struct reject_entry {
	const char *file;
	unsigned long line;
	unsigned column;
	int status;
	const char *reason;
	const char *raw;
	size_t raw_len;
};

/* Open PATH for appending (PATH may be NULL); exits with EXIT_INPUT on
 * failure, because losing rejects would drop rows silently. */
void rejects_open(struct rejects *r, const char *path);
/* Append one entry and count it, whether or not a file is open. */
void rejects_add(struct rejects *r, const struct reject_entry *entry);
/* Close the file; returns false after reporting a write error. */
bool rejects_close(struct rejects *r);

/* Counters written by --stats FILE as "name=value" lines. */
struct stat_counter {
	const char *name;
	const unsigned long *value;
};

/* Write COUNT counters to PATH (replacing it); PATH may be NULL.
 * Returns false after reporting an error. */
bool stats_write(const char *path, const struct stat_counter *counters,
    size_t count);

#endif
