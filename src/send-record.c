/* The checks heap-send runs on each input record before it is batched:
 * the same rules Heap documents for its bulk endpoints, so a record
 * Heap would reject never costs a request. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "batch.h"
#include "utf8.h"

#define MAX_IDENTITY_CHARS 255
#define MAX_STRING_CHARS 1023  /* Heap: strings under 1024 characters */

static bool
fail(char *reason, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, size, fmt, ap);
	va_end(ap);
	return false;
}

static uint64_t
fnv1a(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h ? h : 1;
}

/* Hash the identity as text, so "42" and 42 count as one person. */
static uint64_t
identity_hash(const json_t *id)
{
	char text[64];
	int n;

	if (json_is_string(id))
		return fnv1a(json_string_value(id), json_string_length(id));
	n = snprintf(text, sizeof text, "%.17g", json_number_value(id));
	return fnv1a(text, (size_t)n);
}

static bool
check_identity(const json_t *id, const char *name, char *reason,
    size_t size)
{
	if (json_is_number(id))
		return true;
	if (!json_is_string(id))
		return fail(reason, size, "%s must be a string or a number",
		    name);
	if (json_string_length(id) == 0)
		return fail(reason, size, "%s is empty", name);
	if (utf8_count(json_string_value(id), json_string_length(id)) >
	    MAX_IDENTITY_CHARS)
		return fail(reason, size, "%s is longer than %d characters",
		    name, MAX_IDENTITY_CHARS);
	return true;
}

static bool
check_properties(const json_t *props, char *reason, size_t size)
{
	const char *key;
	json_t *value;

	if (!json_is_object(props))
		return fail(reason, size, "properties must be an object");
	json_object_foreach((json_t *)props, key, value) {
		if (json_is_number(value))
			continue;
		if (!json_is_string(value))
			return fail(reason, size, "property '%s' must be a "
			    "string or a number", key);
		if (utf8_count(json_string_value(value),
		    json_string_length(value)) > MAX_STRING_CHARS)
			return fail(reason, size, "property '%s' is 1024 "
			    "characters or longer", key);
	}
	return true;
}

static bool
digits(const char **p, int n)
{
	for (int i = 0; i < n; i++, (*p)++)
		if (!isdigit((unsigned char)**p))
			return false;
	return true;
}

/* Accept YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z or a +-HH[:]MM zone. */
static bool
iso8601(const char *s)
{
	const char *p = s;

	if (!digits(&p, 4) || *p++ != '-' || !digits(&p, 2) ||
	    *p++ != '-' || !digits(&p, 2) || *p++ != 'T' ||
	    !digits(&p, 2) || *p++ != ':' || !digits(&p, 2))
		return false;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2))
			return false;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
		}
	}
	if (*p == 'Z')
		return p[1] == '\0';
	if (*p != '+' && *p != '-')
		return false;
	p++;
	if (!digits(&p, 2))
		return false;
	if (*p == ':')
		p++;
	return digits(&p, 2) && *p == '\0';
}

static bool
check_event(const json_t *rec, char *reason, size_t size)
{
	const json_t *event = json_object_get(rec, "event");
	const json_t *ts = json_object_get(rec, "timestamp");
	const json_t *key = json_object_get(rec, "idempotency_key");

	if (!json_is_string(event) || json_string_length(event) == 0)
		return fail(reason, size, "event must be a non-empty string");
	if (utf8_count(json_string_value(event), json_string_length(event)) >
	    MAX_STRING_CHARS)
		return fail(reason, size, "event is 1024 characters or longer");
	if (ts != NULL && (!json_is_string(ts) ||
	    !iso8601(json_string_value(ts))))
		return fail(reason, size, "timestamp is not an ISO 8601 "
		    "date-time");
	if (key != NULL && !json_is_string(key))
		return fail(reason, size, "idempotency_key must be a string");
	return true;
}

static bool
check_keys(const json_t *rec, const char *const *allowed, char *reason,
    size_t size)
{
	const char *key;
	json_t *value;

	json_object_foreach((json_t *)rec, key, value) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (allowed[i] == NULL)
			return fail(reason, size, "unknown key '%s'", key);
	}
	return true;
}

static bool
check_object(const json_t *rec, struct record_info *info, char *reason,
    size_t size)
{
	static const char *const user_keys[] = {
		"identity", "properties", NULL };
	static const char *const account_keys[] = {
		"account_id", "properties", NULL };
	static const char *const event_keys[] = {
		"identity", "event", "timestamp", "idempotency_key",
		"properties", NULL };
	const json_t *props = json_object_get(rec, "properties");
	const json_t *id;

	if (json_object_get(rec, "event")) {
		info->type = OBJECT_EVENTS;
		id = json_object_get(rec, "identity");
		if (!check_keys(rec, event_keys, reason, size) ||
		    !check_event(rec, reason, size))
			return false;
	} else if (json_object_get(rec, "account_id")) {
		info->type = OBJECT_ACCOUNTS;
		id = json_object_get(rec, "account_id");
		if (!check_keys(rec, account_keys, reason, size))
			return false;
	} else if (json_object_get(rec, "identity")) {
		info->type = OBJECT_USERS;
		id = json_object_get(rec, "identity");
		if (!check_keys(rec, user_keys, reason, size))
			return false;
	} else {
		return fail(reason, size, "record has no 'identity', "
		    "'account_id' or 'event'");
	}

	if (id == NULL)
		return fail(reason, size, "identity is missing");
	if (!check_identity(id, info->type == OBJECT_ACCOUNTS ? "account_id" :
	    "identity", reason, size))
		return false;
	if (props != NULL && !check_properties(props, reason, size))
		return false;
	info->identity = identity_hash(id);
	return true;
}

bool
record_check(const char *line, size_t len, struct record_info *info,
    char *reason, size_t size)
{
	json_error_t err;
	json_t *rec;
	bool ok;

	/* Integers as reals: identities and property values beyond 64 bits
	 * are still numbers to Heap, and the text is sent unchanged. */
	rec = json_loadb(line, len, JSON_DECODE_INT_AS_REAL |
	    JSON_REJECT_DUPLICATES, &err);
	if (rec == NULL)
		return fail(reason, size, "invalid JSON at column %d: %s",
		    err.column, err.text);
	if (!json_is_object(rec))
		ok = fail(reason, size, "record is not a JSON object");
	else
		ok = check_object(rec, info, reason, size);
	json_decref(rec);
	return ok;
}
