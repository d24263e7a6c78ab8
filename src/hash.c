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

/* Load 8 bytes as little-endian, so every machine gets the same hash.
 * On a little-endian machine that is one plain load; the byte loop is
 * not always turned into one by the compiler. */
static inline uint64_t
load64(const unsigned char *p)
{
	uint64_t x = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&x, p, 8);
#else
	for (int i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
#endif
	return x;
}

/* One step of hash64: absorb a spread word into STATE. */
static inline uint64_t
absorb(uint64_t state, uint64_t word)
{
	return rotate_left(state ^ word, 27) * MUL_B + MUL_C;
}

/* Multiply and fold a loaded word before it is absorbed. */
static inline uint64_t
spread(uint64_t word)
{
	word *= MUL_A;
	return word ^ (word >> 31);
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
	unsigned char tail[8];
	size_t rest = len;

	for (; rest >= 8; p += 8, rest -= 8)
		state = absorb(state, spread(load64(p)));
	if (rest > 0) {
		memset(tail, 0, sizeof tail);
		memcpy(tail, p, rest);
		state = absorb(state, spread(load64(tail)));
	}
	return mix(state);
}

/* The two halves are hash64 with two seeds, computed in one pass so
 * each word is loaded and spread once. */
void
hash128_hex(const void *data, size_t len, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	uint64_t high = (SEED_HIGH ^ MUL_C) + (uint64_t)len * MUL_A;
	uint64_t low = (SEED_LOW ^ MUL_C) + (uint64_t)len * MUL_A;
	uint64_t halves[2];
	unsigned char tail[8];
	size_t rest = len;

	for (; rest >= 8; p += 8, rest -= 8) {
		uint64_t word = spread(load64(p));

		high = absorb(high, word);
		low = absorb(low, word);
	}
	if (rest > 0) {
		uint64_t word;

		memset(tail, 0, sizeof tail);
		memcpy(tail, p, rest);
		word = spread(load64(tail));
		high = absorb(high, word);
		low = absorb(low, word);
	}
	halves[0] = mix(high);
	halves[1] = mix(low);

	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 16; i++)
			out[h * 16 + i] = hex[(halves[h] >> (60 - 4 * i)) & 0xf];
	out[32] = '\0';
}
