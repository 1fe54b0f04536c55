/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c: `rate` datagrams per second per source network (an IPv4
 * address, an IPv6 /64 by default), with bursts of `burst`, for the UDP
 * services.
 *
 * The table has a fixed number of slots, each holding one source's bucket:
 * a source whose slot another source took starts again with a full bucket.
 * So a flood from many spoofed addresses costs no memory beyond the table,
 * at the price of forgetting some sources early. The slot is chosen by a
 * seeded hash, so a sender cannot aim many addresses at a victim's slot.
 * Time comes from the caller: the logic stays pure and testable.
 */
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "hash.h"
#include "ratelimit.h"

/* A source is its address's first prefix4 or prefix6 bits. */
void
ratelimit_init(struct ratelimit *rl, unsigned rate, unsigned burst,
    unsigned prefix4, unsigned prefix6, uint64_t seed)
{
	memset(rl, 0, sizeof *rl);
	rl->rate = rate;
	rl->burst = burst ? burst : 1;
	rl->prefix4 = prefix4;
	rl->prefix6 = prefix6;
	rl->seed = seed;
}

static size_t
slot_of(const struct ratelimit *rl, const uint8_t key[ADDR_HOST_KEYLEN])
{
	return (size_t)(hash_seeded(key, ADDR_HOST_KEYLEN, rl->seed) %
	    RATELIMIT_SLOTS);
}

/* 1 if a datagram from sa may pass at now_ns, else 0. rate 0: always 1. */
int
ratelimit_allow(struct ratelimit *rl, const struct sockaddr *sa, int64_t now_ns)
{
	struct ratelimit_slot *s;
	uint8_t key[ADDR_HOST_KEYLEN];
	double refill;

	if (rl->rate == 0)
		return 1;
	addr_source_key(sa, rl->prefix4, rl->prefix6, key);
	s = &rl->slots[slot_of(rl, key)];
	if (memcmp(s->key, key, sizeof key) != 0 || s->last_ns == 0) {
		memcpy(s->key, key, sizeof key);
		s->tokens = rl->burst;
		s->last_ns = now_ns;
	}
	refill = (double)(now_ns - s->last_ns) / 1e9 * rl->rate;
	s->tokens = s->tokens + refill > rl->burst ? rl->burst : s->tokens + refill;
	s->last_ns = now_ns;
	if (s->tokens < 1.0)
		return 0;
	s->tokens -= 1.0;
	return 1;
}
