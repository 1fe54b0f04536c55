/* SPDX-License-Identifier: MIT */
/* ratelimit.h: per-source token buckets in a table of fixed size. */
#ifndef NETDEMO_RATELIMIT_H
#define NETDEMO_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

#define RATELIMIT_SLOTS	4096

struct ratelimit_slot {
	uint8_t		key[ADDR_HOST_KEYLEN];
	double		tokens;
	int64_t		last_ns;
};

struct ratelimit {
	unsigned		rate, burst;	/* per second; bucket size */
	unsigned		prefix4, prefix6; /* bits that name a source */
	uint64_t		seed;
	struct ratelimit_slot	slots[RATELIMIT_SLOTS];
};

void	ratelimit_init(struct ratelimit *rl, unsigned rate, unsigned burst,
	    unsigned prefix4, unsigned prefix6, uint64_t seed);
int	ratelimit_allow(struct ratelimit *, const struct sockaddr *, int64_t);

#endif
