#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "canon_json.h"
#include "tap.h"

/* Return canon_append of TEXT as jansson reads it, the reference form. */
static const char *
slow(const char *text)
{
	static struct buf out = BUF_INIT;
	json_t *value = json_loadb(text, strlen(text), JSON_ALLOW_NUL, NULL);

	buf_reset(&out);
	if (value == NULL)
		return "(invalid JSON)";
	canon_append(&out, value);
	json_decref(value);
	return out.data;
}

/* Return canon_append_flat of TEXT, or "(declined)" when it declines
 * and leaves the buffer as it was. */
static const char *
fast(const char *text)
{
	static struct buf out = BUF_INIT;

	buf_reset(&out);
	buf_adds(&out, "<");
	if (!canon_append_flat(&out, text, strlen(text)))
		return strcmp(out.data, "<") == 0 ? "(declined)" : "(changed)";
	return out.data + 1;
}

static void
check_same(const char *text, const char *want, int line)
{
	char what[300];

	snprintf(what, sizeof what, "fast path of %s", text);
	tap_check_str(fast(text), want, what, __FILE__, line);
	snprintf(what, sizeof what, "jansson path of %s", text);
	tap_check_str(slow(text), want, what, __FILE__, line);
}

static void
check_declined(const char *text, int line)
{
	char what[300];

	snprintf(what, sizeof what, "fast path declines %s", text);
	tap_check_str(fast(text), "(declined)", what, __FILE__, line);
}

static void
test_cases(void)
{
	check_same("{}", "{}", __LINE__);
	check_same("{\"b\":1,\"a\":\"x\"}", "{\"a\":\"x\",\"b\":1}", __LINE__);
	check_same("{\"amount\":30.00,\"sku\":\"A\"}",
	    "{\"amount\":30,\"sku\":\"A\"}", __LINE__);
	check_same("{\"a\":3e1,\"b\":3.0E+1,\"c\":-0,\"d\":-0.0}",
	    "{\"a\":30,\"b\":30,\"c\":0,\"d\":0}", __LINE__);
	check_same("{\"p\":19.99,\"q\":-1.5e-7}",
	    "{\"p\":19.989999999999998,\"q\":-1.4999999999999999e-07}",
	    __LINE__);
	check_same("{\"n\":-9223372036854775808}",
	    "{\"n\":-9223372036854775808}", __LINE__);
	check_same("{\"ab\":1,\"a\":2,\"b\":3,\"\xc3\xa9\":4,\"B\":5}",
	    "{\"B\":5,\"a\":2,\"ab\":1,\"b\":3,\"\xc3\xa9\":4}", __LINE__);
	check_same("{\"s\":\"say \\\"hi\\\"\\n\\\\ \\u0001\"}",
	    "{\"s\":\"say \\\"hi\\\"\\n\\\\ \\u0001\"}", __LINE__);

	check_declined("{\"a\\u0062\":1}", __LINE__);
	check_declined("{\"a\":\"caf\\u00e9\"}", __LINE__);
	check_declined("{\"a\":\"\\/\"}", __LINE__);
	check_declined("{\"a\":\"\\u000a\"}", __LINE__);
	check_declined("{\"a\":\"\\u001F\"}", __LINE__);
	check_declined("{\"a\":1,\"a\":2}", __LINE__);
	check_declined("{ \"a\":1}", __LINE__);
	check_declined("{\"a\":{}}", __LINE__);
	check_declined("{\"a\":[1]}", __LINE__);
	check_declined("{\"a\":true}", __LINE__);
	check_declined("{\"a\":null}", __LINE__);
	check_declined("{\"a\":01}", __LINE__);
	check_declined("{\"a\":1.}", __LINE__);
	check_declined("{\"a\":+1}", __LINE__);
	check_declined("{\"a\":99999999999999999999}", __LINE__);
	check_declined("{\"a\":1e400}", __LINE__);
	check_declined("{\"a\":1,}", __LINE__);
	check_declined("{\"a\":1}x", __LINE__);
	check_declined("[]", __LINE__);
	check_declined("", __LINE__);
}

static uint64_t
next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Objects as heap-map writes them, from a small pool of names, strings
 * and number spellings, must give the same form on both paths. */
static void
test_random_objects(void)
{
	static const char *const names[] = {
		"a", "ab", "b", "B", "amount", "amount2", "z", "\xc3\xa9t\xc3\xa9",
		"\xe2\x82\xac", "meta.sku", "A b", "_",
	};
	static const char *const strings[] = {
		"", "x", "30", "caf\xc3\xa9", "say \"hi\"", "a\\b", "line\nbreak",
		"tab\tcr\r", "\x01\x1f", "\xf0\x9f\x98\x80",
	};
	static const char *const numbers[] = {
		"0", "-0", "30", "30.0", "30.00", "3e1", "3.0E+1", "0.1", "19.99",
		"-1.5e-7", "1e300", "9007199254740993", "-9223372036854775808",
		"12.5", "1e22", "5e-324", "0.0",
	};
	uint64_t state = 0x243f6a8885a308d3ULL;
	int mismatches = 0, taken = 0, declined = 0;
	struct buf text = BUF_INIT;

	for (int i = 0; i < 20000; i++) {
		int members = (int)(next_random(&state) % 8);
		const char *got;
		char want[2048];

		buf_reset(&text);
		buf_addc(&text, '{');
		for (int k = 0; k < members; k++) {
			const char *name = names[next_random(&state) % 12];

			if (k > 0)
				buf_addc(&text, ',');
			buf_add_json_string(&text, name, strlen(name));
			buf_addc(&text, ':');
			if (next_random(&state) % 2) {
				const char *s = strings[next_random(&state) % 10];

				buf_add_json_string(&text, s, strlen(s));
			} else {
				buf_adds(&text, numbers[next_random(&state) % 17]);
			}
		}
		buf_addc(&text, '}');

		snprintf(want, sizeof want, "%s", slow(text.data));
		got = fast(text.data);
		if (strcmp(got, "(declined)") == 0) {
			declined++;
			continue;
		}
		taken++;
		if (strcmp(got, want) != 0 && mismatches++ < 5)
			printf("# %s: fast %s, jansson %s\n", text.data, got, want);
	}
	buf_release(&text);
	printf("# %d objects on the fast path, %d declined\n", taken,
	    declined);
	CHECK(mismatches == 0);
	CHECK(taken > 10000);
	CHECK(declined > 100);
}

int
main(void)
{
	test_cases();
	test_random_objects();
	return tap_done();
}
