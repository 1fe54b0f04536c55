/* SPDX-License-Identifier: MIT */
/*
 * udp_repeat.h: the loop guard's memory: for each recent peer, the last
 * datagram it sent us and the last one we sent it.
 */
#ifndef NETDEMO_UDP_REPEAT_H
#define NETDEMO_UDP_REPEAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "clock.h"

/*
 * 16,384 peers in sets of 8 (56 bytes each: 896 KiB per UDP front,
 * calloc'd, so only the pages peers touch become resident). Enough for
 * every peer of a busy front within one window (a chat of 1000 members
 * uses 1000); past that, new peers wait for a way to age out (see
 * udp_repeat.c), so no number of loops can push each other out.
 */
#define UDP_REPEAT_WAYS		8
#define UDP_REPEAT_SETS		2048
/* Shorter than any client's retry (netdemo-cli waits 2 s), far longer than a loop's turn. */
#define UDP_REPEAT_WINDOW_NS	(500 * NSEC_PER_MSEC)
/* A shorter reply is not remembered: it may end a next request by chance. */
#define UDP_REFLECT_MIN		8
/* The host key, then the port. */
#define UDP_REPEAT_KEYLEN	(ADDR_HOST_KEYLEN + 2)

/* What udp_repeat_seen() says of a datagram. */
#define UDP_SEEN_NEW		0
#define UDP_SEEN_REPEAT		1	/* the same as the peer's last one */
#define UDP_SEEN_REFLECTION	2	/* ends with what we last sent it */

struct udp_repeat_slot {
	uint8_t		key[UDP_REPEAT_KEYLEN];
	uint32_t	out_len;	/* of our last one to key; 0: none */
	uint64_t	digest;		/* of the last datagram from key */
	uint64_t	out_digest;	/* of the last datagram to key */
	int64_t		at_ns;		/* when it came; 0: never */
	int64_t		out_ns;		/* when ours went; 0: never */
	uint64_t	prev_digest;	/* the one before (udp_repeat_cycle_seen) */
	int64_t		prev_at_ns;
};

struct udp_repeat {
	uint64_t		seed;
	struct udp_repeat_slot	slots[UDP_REPEAT_SETS][UDP_REPEAT_WAYS];
};

void	udp_repeat_init(struct udp_repeat *, uint64_t);
int	udp_repeat_seen(struct udp_repeat *r, const struct sockaddr *sa,
	    const void *buf, size_t len, int64_t now_ns);
void	udp_repeat_sent(struct udp_repeat *r, const struct sockaddr *sa,
	    const void *buf, size_t len, int64_t now_ns);
int	udp_repeat_cycle_seen(struct udp_repeat *, const struct sockaddr *,
	    const void *, size_t, int64_t);

#endif
