#include "config.h"

#include "tap.h"
#include "utf8.h"

#define S(lit) lit, sizeof lit - 1

int
main(void)
{
	CHECK(utf8_valid(S("")));
	CHECK(utf8_valid(S("plain ascii")));
	CHECK(utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
	CHECK(utf8_valid(S("nul\0inside")));
	CHECK(!utf8_valid(S("\xc3")));              /* truncated */
	CHECK(!utf8_valid(S("\x80")));              /* stray continuation */
	CHECK(!utf8_valid(S("\xc0\xaf")));          /* overlong '/' */
	CHECK(!utf8_valid(S("\xe0\x80\xaf")));      /* overlong, 3 bytes */
	CHECK(!utf8_valid(S("\xed\xa0\x80")));      /* surrogate U+D800 */
	CHECK(!utf8_valid(S("\xf4\x90\x80\x80")));  /* above U+10FFFF */
	CHECK(!utf8_valid(S("\xff")));
	CHECK(!utf8_valid(S("latin1 caf\xe9")));

	CHECK(utf8_count(S("caf\xc3\xa9")) == 4);
	CHECK(utf8_count(S("\xf0\x9f\x98\x80x")) == 2);

	CHECK(utf8_prefix(S("caf\xc3\xa9s"), 4) == 5);
	CHECK(utf8_prefix(S("caf\xc3\xa9s"), 3) == 3);
	CHECK(utf8_prefix(S("ab"), 5) == 2);
	CHECK(utf8_prefix(S("\xe2\x82\xac\xe2\x82\xac"), 1) == 3);
	return tap_done();
}
