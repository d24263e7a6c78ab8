#include "config.h"

#include "buf.h"
#include "tap.h"

static void
check_escape(const char *in, size_t len, const char *want)
{
	struct buf b = BUF_INIT;

	buf_add_json_string(&b, in, len);
	CHECK_STR(b.data, want);
	buf_release(&b);
}

int
main(void)
{
	struct buf b = BUF_INIT;

	check_escape("plain", 5, "\"plain\"");
	check_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_escape("l1\nl2\tx\r", 8, "\"l1\\nl2\\tx\\r\"");
	check_escape("\x01\x1f", 2, "\"\\u0001\\u001f\"");
	check_escape("nul\0byte", 8, "\"nul\\u0000byte\"");
	check_escape("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");

	buf_addf(&b, "%d-%s", 42, "x");
	buf_addc(&b, '!');
	CHECK_STR(b.data, "42-x!");
	CHECK(b.len == 5);
	buf_reset(&b);
	CHECK(b.len == 0);
	CHECK(b.data[0] == '\0');
	buf_release(&b);
	CHECK(b.data == NULL);
	return tap_done();
}
