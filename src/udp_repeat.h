/* SPDX-License-Identifier: MIT */
/* udp_repeat.h: the loop guard's memory: the last datagram from each source. */
#ifndef NETDEMO_UDP_REPEAT_H
#define NETDEMO_UDP_REPEAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"

#define UDP_REPEAT_SLOTS	1024
/* Shorter than any client's retry (netdemo-cli waits 2 s), far longer than a loop's turn. */
#define UDP_REPEAT_WINDOW_NS	(500 * NSEC_PER_MSEC)
/* The host key, then the port. */
#define UDP_REPEAT_KEYLEN	(ADDR_HOST_KEYLEN + 2)

struct udp_repeat_slot {
	uint8_t		key[UDP_REPEAT_KEYLEN];
	uint64_t	digest;		/* of the last datagram from key */
	int64_t		at_ns;		/* when it came; 0: never */
};

struct udp_repeat {
	uint64_t		seed;
	struct udp_repeat_slot	slots[UDP_REPEAT_SLOTS];
};

void	udp_repeat_init(struct udp_repeat *, uint64_t);
int	udp_repeat_seen(struct udp_repeat *r, const struct sockaddr *sa,
	    const void *buf, size_t len, int64_t now_ns);

#endif
