/* SPDX-License-Identifier: MIT */
/*
 * hash.c: hashing keys a sender chooses (source addresses and ports).
 *
 * FNV-1a started from a per-process random seed, then MurmurHash3's fmix64
 * finalizer so every output bit depends on every input bit: without the
 * seed nobody can aim many keys at one slot or bucket.
 */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hash.h"

uint64_t
hash_seeded(const void *key, size_t len, uint64_t seed)
{
	const uint8_t *p = key;
	uint64_t h = 14695981039346656037ULL ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* A seed from the kernel; if that fails, one nobody outside can guess easily. */
uint64_t
hash_random_seed(void)
{
	struct timespec ts;
	uint64_t seed;

	if (getrandom(&seed, sizeof seed, 0) == sizeof seed)
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^
	    ((uint64_t)getpid() << 40);
}
