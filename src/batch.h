/* Heap records as heap-send reads them, and the request bodies built
 * from them.  A body is the records' input bytes joined with commas
 * between a prefix and a suffix, so a record is never re-serialised and
 * Heap receives exactly the text that heap-send prints when it succeeds.
 */
#ifndef HEAPSYNC_BATCH_H
#define HEAPSYNC_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Heap's bulk endpoints, one per object type. */
enum heap_object {
	OBJECT_USERS,
	OBJECT_ACCOUNTS,
	OBJECT_EVENTS,
	OBJECT_COUNT
};

#define BATCH_MAX_ITEMS 1000   /* Heap's limit per bulk request */

/* What the checks learn about one valid record. */
struct record_info {
	enum heap_object type;
	uint64_t identity;     /* hash of the identity, for event pacing */
};

/* Check that LINE is one Heap record of a known type and fill INFO.
 * Returns false with REASON set (a message without the position). */
bool record_check(const char *line, size_t len, struct record_info *info,
    char *reason, size_t reason_size);

const char *object_path(enum heap_object type);
/* The name of the items array in the body: "users", "accounts", "events". */
const char *object_key(enum heap_object type);

/* One record inside a batch body. */
struct batch_item {
	size_t offset;         /* into the batch body */
	size_t len;
	unsigned long line;    /* input line number */
	size_t file;           /* index of the input file, set by the caller */
	uint64_t identity;
};

/* Records of one type and the JSON body that sends them. */
struct batch {
	enum heap_object type;
	struct buf body;       /* prefix and items; the suffix is added by
	                          batch_close */
	struct batch_item *items;
	size_t count;
	size_t cap;
	bool closed;
	double opened;         /* monotonic time of the first item */
};

/* Start an empty batch whose body begins with PREFIX. */
void batch_init(struct batch *b, enum heap_object type, const char *prefix);
/* The body size once ITEM (of LEN bytes) is added and the batch closed. */
size_t batch_size_with(const struct batch *b, size_t len);
void batch_add(struct batch *b, const char *raw, size_t len,
    unsigned long line, uint64_t identity);
/* Append the suffix; the body is then ready to send. */
void batch_close(struct batch *b);
/* Fill DST with items FIRST..FIRST+COUNT-1 of SRC, closed. */
void batch_slice(struct batch *dst, const struct batch *src,
    const char *prefix, size_t first, size_t count);
void batch_release(struct batch *b);

/* The body prefix for TYPE: {"app_id":"APP","users":[ */
char *batch_prefix(enum heap_object type, const char *app_id);

#endif
