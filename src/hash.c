#include "config.h"

#include <string.h>

#include "hash.h"

/* Odd 64-bit multipliers with bits spread evenly over the word.  The
 * first is 2^64 divided by the golden ratio. */
#define MUL_A 0x9e3779b97f4a7c15ULL
#define MUL_B 0xd6e8feb86659fd93ULL
#define MUL_C 0xa0761d6478bd642fULL

/* Seeds of the two halves of hash128_hex.  Stored hashes depend on them. */
#define SEED_HIGH 0x243f6a8885a308d3ULL
#define SEED_LOW 0x13198a2e03707344ULL

static uint64_t
rotate_left(uint64_t x, int n)
{
	return (x << n) | (x >> (64 - n));
}

/* Load 8 bytes as little-endian, so every machine gets the same hash. */
static uint64_t
load64(const unsigned char *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return x;
}

/* Spread every input bit over the whole word. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 32;
	x *= MUL_B;
	x ^= x >> 29;
	x *= MUL_C;
	x ^= x >> 32;
	return x;
}

/* Each 8-byte word is multiplied, folded and then absorbed into a state
 * that is rotated and multiplied, so the order of words matters.  The
 * length goes into the starting state, so inputs that differ only by
 * trailing zero bytes hash differently, and the constant added to the
 * seed keeps empty input with seed 0 away from mix's fixed point 0. */
uint64_t
hash64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t state = (seed ^ MUL_C) + (uint64_t)len * MUL_A;
	uint64_t word;
	unsigned char tail[8];
	size_t rest;

	for (; len - (size_t)(p - (const unsigned char *)data) >= 8; p += 8) {
		word = load64(p) * MUL_A;
		word ^= word >> 31;
		state = rotate_left(state ^ word, 27) * MUL_B + MUL_C;
	}

	rest = len - (size_t)(p - (const unsigned char *)data);
	if (rest > 0) {
		memset(tail, 0, sizeof tail);
		memcpy(tail, p, rest);
		word = load64(tail) * MUL_A;
		word ^= word >> 31;
		state = rotate_left(state ^ word, 27) * MUL_B + MUL_C;
	}
	return mix(state);
}

void
hash128_hex(const void *data, size_t len, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t halves[2] = {
		hash64(data, len, SEED_HIGH),
		hash64(data, len, SEED_LOW),
	};

	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 16; i++)
			out[h * 16 + i] = hex[(halves[h] >> (60 - 4 * i)) & 0xf];
	out[32] = '\0';
}
