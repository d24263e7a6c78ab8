#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "tap.h"

#define S(lit) lit, sizeof lit - 1

static int
compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A fixed pseudo-random sequence, so failures can be reproduced. */
static uint64_t
next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* heap-diff stores these hashes, so a change here invalidates every
 * state file in use: these values must never change. */
static void
test_stable_values(void)
{
	char hex[33];

	CHECK(hash64(S(""), 0) == 0xcbdb77eb72789b57ULL);
	CHECK(hash64(S("heapsync"), 0) == 0x57a8c5b8ab622bb4ULL);
	CHECK(hash64(S("{\"identity\":\"u1\",\"properties\":{}}"), 7) ==
	    0x439d34bf6a0f73a3ULL);
	hash128_hex(S(""), hex);
	CHECK_STR(hex, "a6277a9ba55127bf36d24955c35e293d");
	hash128_hex(S("heapsync"), hex);
	CHECK_STR(hex, "14ef23debbed1672be636d37f3b057d1");
}

static void
test_basic_properties(void)
{
	unsigned char block[80];
	char hex[33], other[33];
	uint64_t h[65];
	bool distinct = true, lowercase = true;

	/* Zero-filled inputs of every length from 0 to 64 all differ. */
	memset(block, 0, sizeof block);
	for (int n = 0; n <= 64; n++)
		h[n] = hash64(block, (size_t)n, 0);
	qsort(h, 65, sizeof h[0], compare_u64);
	for (int i = 1; i < 65; i++)
		if (h[i] == h[i - 1])
			distinct = false;
	CHECK(distinct);

	CHECK(hash64("abc", 3, 0) == hash64("abc", 3, 0));
	CHECK(hash64("abc", 3, 0) != hash64("abc", 3, 1));
	CHECK(hash64("abc", 3, 0) != hash64("acb", 3, 0));
	CHECK(hash64("abcdefgh12345678", 16, 0) != hash64("12345678abcdefgh", 16, 0));

	/* The result does not depend on the alignment of the data. */
	memcpy(block + 1, "an unaligned string of some length", 34);
	CHECK(hash64(block + 1, 34, 5) ==
	    hash64("an unaligned string of some length", 34, 5));

	hash128_hex("abc", 3, hex);
	CHECK(strlen(hex) == 32);
	for (int i = 0; i < 32; i++)
		if (!strchr("0123456789abcdef", hex[i]))
			lowercase = false;
	CHECK(lowercase);
	CHECK(memcmp(hex, hex + 16, 16) != 0);
	hash128_hex("abd", 3, other);
	CHECK(strcmp(hex, other) != 0);
}

/* Flip each input bit of random inputs: every output bit should flip
 * about half the time. */
static void
test_avalanche(void)
{
	static const size_t lengths[] = { 3, 8, 13, 32, 100 };
	uint64_t state = 0x123456789abcdefULL;
	double worst_gap = 0, worst_rate = 0.5;
	int worst_bit = 0, worst_length = 0;

	for (size_t l = 0; l < sizeof lengths / sizeof lengths[0]; l++) {
		size_t len = lengths[l];
		unsigned char data[100];
		long flips[64] = { 0 };
		long trials = 0;

		for (int round = 0; round < 1000; round++) {
			uint64_t base;

			for (size_t i = 0; i < len; i++)
				data[i] = (unsigned char)next_random(&state);
			base = hash64(data, len, 0);
			for (size_t bit = 0; bit < len * 8; bit++) {
				uint64_t diff;

				data[bit / 8] ^= (unsigned char)(1u << bit % 8);
				diff = base ^ hash64(data, len, 0);
				data[bit / 8] ^= (unsigned char)(1u << bit % 8);
				for (int o = 0; o < 64; o++)
					flips[o] += (diff >> o) & 1;
				trials++;
			}
		}

		for (int o = 0; o < 64; o++) {
			double rate = (double)flips[o] / (double)trials;
			double gap = rate > 0.5 ? rate - 0.5 : 0.5 - rate;

			if (gap > worst_gap) {
				worst_gap = gap;
				worst_rate = rate;
				worst_bit = o;
				worst_length = (int)len;
			}
		}
	}
	printf("# worst flip rate %.4f at output bit %d, input length %d\n",
	    worst_rate, worst_bit, worst_length);
	CHECK(worst_gap < 0.02);
}

/* Keys that differ in a few characters, like record ids, must not
 * collide in 64 bits, and their hashes must set every bit about evenly. */
static void
test_similar_keys(void)
{
	enum { KEYS = 200000 };
	uint64_t *h = malloc(KEYS * sizeof *h);
	long ones[64] = { 0 };
	int collisions = 0, unbalanced = 0;

	if (h == NULL)
		exit(1);
	for (int i = 0; i < KEYS; i++) {
		char key[32];
		int n = snprintf(key, sizeof key, "user-%d", i);

		h[i] = hash64(key, (size_t)n, 0);
		for (int b = 0; b < 64; b++)
			ones[b] += (h[i] >> b) & 1;
	}
	qsort(h, KEYS, sizeof h[0], compare_u64);
	for (int i = 1; i < KEYS; i++)
		if (h[i] == h[i - 1])
			collisions++;
	for (int b = 0; b < 64; b++)
		if (ones[b] < KEYS * 0.49 || ones[b] > KEYS * 0.51)
			unbalanced++;
	CHECK(collisions == 0);
	CHECK(unbalanced == 0);
	free(h);
}

int
main(void)
{
	test_stable_values();
	test_basic_properties();
	test_avalanche();
	test_similar_keys();
	return tap_done();
}
