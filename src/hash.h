/* Content hashes for change detection.  heap-diff stores them in its
 * state file, so the output for a given input must never change between
 * versions or machines. */
#ifndef HEAPSYNC_HASH_H
#define HEAPSYNC_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A fast 64-bit non-cryptographic hash with good avalanche. */
uint64_t hash64(const void *data, size_t len, uint64_t seed);

/* 128 bits as 32 lowercase hex digits plus NUL, from two independent seeds. */
void hash128_hex(const void *data, size_t len, char out[33]);

#endif
