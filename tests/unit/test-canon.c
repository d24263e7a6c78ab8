#include "config.h"

#include <string.h>

#include "canon.h"
#include "canon_json.h"
#include "msg.h"
#include "tap.h"

/* Return the canonical form of the JSON text TEXT. */
static const char *
canon(const char *text)
{
	static struct buf out = BUF_INIT;
	json_t *value = json_loads(text, JSON_DECODE_ANY, NULL);

	buf_reset(&out);
	if (value == NULL)
		return "(invalid JSON)";
	canon_append(&out, value);
	json_decref(value);
	return out.data;
}

static bool
same_hash(const char *a, const char *b)
{
	struct record_digest da = RECORD_DIGEST_INIT, db = RECORD_DIGEST_INIT;
	char why[300];
	bool same;

	if (!record_digest_parse(&da, a, strlen(a), why, sizeof why) ||
	    !record_digest_parse(&db, b, strlen(b), why, sizeof why))
		return false;
	same = strcmp(da.props_hex, db.props_hex) == 0 &&
	    da.props_hash == db.props_hash;
	record_digest_release(&da);
	record_digest_release(&db);
	return same;
}

static const char *
reason(const char *line)
{
	static char why[300];
	struct record_digest d = RECORD_DIGEST_INIT;

	if (record_digest_parse(&d, line, strlen(line), why, sizeof why))
		strcpy(why, "(accepted)");
	record_digest_release(&d);
	return why;
}

int
main(void)
{
	struct record_digest d = RECORD_DIGEST_INIT;
	char why[300];
	const char *ev = "{\"identity\":\"u1\",\"event\":\"E\","
	    "\"idempotency_key\":\"k-1\",\"properties\":{}}";

	msg_init("test-canon");

	CHECK_STR(canon("{\"b\":1,\"a\":\"x\"}"), "{\"a\":\"x\",\"b\":1}");
	CHECK_STR(canon("1.0"), "1");
	CHECK_STR(canon("1e0"), "1");
	CHECK_STR(canon("100e-2"), "1");
	CHECK_STR(canon("-0.0"), "0");
	CHECK_STR(canon("12.50"), "12.5");
	CHECK_STR(canon("0.1"), "0.10000000000000001");
	CHECK_STR(canon("1e300"), "1.0000000000000001e+300");
	CHECK_STR(canon("-9223372036854775808"), "-9223372036854775808");
	CHECK_STR(canon("9223372036854775807"), "9223372036854775807");
	CHECK_STR(canon("\"1\""), "\"1\"");
	CHECK_STR(canon("\"caf\\u00e9\\n\""), "\"caf\xc3\xa9\\n\"");
	CHECK_STR(canon("[1.0,{\"z\":null,\"a\":true}]"),
	    "[1,{\"a\":true,\"z\":null}]");
	CHECK_STR(canon("{ \"a\" : { \"d\":false, \"c\":[] } }"),
	    "{\"a\":{\"c\":[],\"d\":false}}");

	CHECK(same_hash("{\"identity\":\"u\",\"properties\":{\"a\":1,\"b\":2}}",
	    "{\"properties\":{\"b\":2.0,\"a\":1e0},\"identity\":\"v\"}"));
	CHECK(!same_hash("{\"identity\":\"u\",\"properties\":{\"a\":1}}",
	    "{\"identity\":\"u\",\"properties\":{\"a\":\"1\"}}"));
	CHECK(!same_hash("{\"identity\":\"u\",\"properties\":{\"a\":1}}",
	    "{\"identity\":\"u\",\"properties\":{\"a\":1,\"b\":1}}"));

	CHECK(record_digest_parse(&d, ev, strlen(ev), why, sizeof why));
	CHECK(d.type == OBJECT_EVENT);
	CHECK(d.key_len == 3);
	CHECK(memcmp(d.key, "k-1", 3) == 0);
	CHECK_STR(d.props_hex, "");
	record_digest_release(&d);

	CHECK_STR(reason("{\"account_id\":\"a\",\"properties\":{}}"),
	    "(accepted)");
	CHECK_STR(reason("{\"identity\":\"u\"}"), "record has no properties");
	CHECK_STR(reason("{\"identity\":\"u\",\"properties\":[]}"),
	    "properties is not an object");
	CHECK_STR(reason("{\"identity\":1,\"properties\":{}}"),
	    "identity is not a non-empty string");
	CHECK_STR(reason("{\"event\":\"E\",\"identity\":\"u\"}"),
	    "event has no idempotency_key");
	CHECK_STR(reason("{\"x\":1}"),
	    "record has no identity, account_id or idempotency_key");
	CHECK_STR(reason("[]"), "record is not a JSON object");
	CHECK(strncmp(reason("{\"identity\":\"u\",\"properties\":{\"n\":"
	    "99999999999999999999}}"), "invalid JSON: ", 14) == 0);

	CHECK(canon_hex_prefix("00000000000000ff0000") == 255);
	CHECK(canon_hex_prefix("FFFFFFFFFFFFFFFF") == UINT64_MAX);
	CHECK(object_type_parse("account") == OBJECT_ACCOUNT);
	CHECK(object_type_parse("users") == OBJECT_NONE);
	return tap_done();
}
