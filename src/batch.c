#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "msg.h"

static const char suffix[] = "]}";

const char *
object_path(enum heap_object type)
{
	static const char *const paths[OBJECT_COUNT] = {
		"/api/add_user_properties",
		"/api/add_account_properties",
		"/api/track",
	};

	return paths[type];
}

const char *
object_key(enum heap_object type)
{
	static const char *const keys[OBJECT_COUNT] = {
		"users", "accounts", "events"
	};

	return keys[type];
}

char *
batch_prefix(enum heap_object type, const char *app_id)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, "{\"app_id\":");
	buf_add_json_string(&b, app_id, strlen(app_id));
	buf_addf(&b, ",\"%s\":[", object_key(type));
	return b.data;
}

void
batch_init(struct batch *b, enum heap_object type, const char *prefix)
{
	memset(b, 0, sizeof *b);
	b->type = type;
	buf_adds(&b->body, prefix);
}

size_t
batch_size_with(const struct batch *b, size_t len)
{
	return b->body.len + (b->count > 0) + len + sizeof suffix - 1;
}

void
batch_add(struct batch *b, const char *raw, size_t len, unsigned long line,
    uint64_t identity)
{
	if (b->count == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->items = xrealloc(b->items, b->cap * sizeof *b->items);
	}
	if (b->count > 0)
		buf_addc(&b->body, ',');
	b->items[b->count++] = (struct batch_item){
		.offset = b->body.len, .len = len, .line = line,
		.identity = identity,
	};
	buf_add(&b->body, raw, len);
}

void
batch_close(struct batch *b)
{
	if (!b->closed)
		buf_add(&b->body, suffix, sizeof suffix - 1);
	b->closed = true;
}

void
batch_slice(struct batch *dst, const struct batch *src, const char *prefix,
    size_t first, size_t count)
{
	batch_init(dst, src->type, prefix);
	for (size_t i = first; i < first + count; i++) {
		const struct batch_item *it = &src->items[i];

		batch_add(dst, src->body.data + it->offset, it->len, it->line,
		    it->identity);
		dst->items[dst->count - 1].file = it->file;
	}
	batch_close(dst);
}

void
batch_release(struct batch *b)
{
	buf_release(&b->body);
	free(b->items);
	b->items = NULL;
	b->count = b->cap = 0;
}
