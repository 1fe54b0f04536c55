/* SPDX-License-Identifier: MIT */
/*
 * udp_repeat.c: the loop guard for datagrams between two daemons.
 *
 * A spoofed datagram "from" another UDP daemon's port starts a ping-pong
 * of replies (dict's "unknown" against chat's "not online...", two
 * dictionaries translating a word back and forth). However long the cycle
 * of texts, the replies travel between the same two address:port pairs,
 * and each side soon receives from the other the very datagram it received
 * last time: within a millisecond, where a client's retry comes after its
 * timeout. So a datagram identical to the last one from the same source
 * address and port within UDP_REPEAT_WINDOW_NS is dropped, which ends the
 * loop after a few exchanges. A client's different requests, however
 * fast, and its retries all pass; no rate limit is involved.
 *
 * A fixed table of slots chosen by a seeded hash: no allocation, and a
 * source whose slot another source took is only forgotten early. Time
 * comes from the caller, so the logic is pure and testable.
 */
#include <netinet/in.h>
#include <string.h>

#include "hash.h"
#include "udp_repeat.h"

void
udp_repeat_init(struct udp_repeat *r, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	r->seed = seed;
}

/* Fills key with sa's address and port. */
static void
repeat_key(const struct sockaddr *sa, uint8_t key[UDP_REPEAT_KEYLEN])
{
	in_port_t port = 0;

	addr_host_key(sa, key);
	if (sa->sa_family == AF_INET)
		port = ((const struct sockaddr_in *)(const void *)sa)->sin_port;
	else if (sa->sa_family == AF_INET6)
		port = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port;
	memcpy(key + ADDR_HOST_KEYLEN, &port, sizeof port);
}

/*
 * 1 if buf is what sa sent last, less than UDP_REPEAT_WINDOW_NS before
 * now_ns (drop it); else remembers buf as sa's last datagram and returns 0.
 * A dropped repeat does not restart the window: a sender repeating itself
 * steadily still gets an answer every window.
 */
int
udp_repeat_seen(struct udp_repeat *r, const struct sockaddr *sa,
    const void *buf, size_t len, int64_t now_ns)
{
	uint8_t key[UDP_REPEAT_KEYLEN];
	struct udp_repeat_slot *s;
	uint64_t digest;

	repeat_key(sa, key);
	s = &r->slots[hash_seeded(key, sizeof key, r->seed) % UDP_REPEAT_SLOTS];
	/* Another seed for the contents: a digest says nothing of the slot. */
	digest = hash_seeded(buf, len, ~r->seed);
	if (s->at_ns != 0 && memcmp(s->key, key, sizeof key) == 0 &&
	    s->digest == digest && now_ns - s->at_ns < UDP_REPEAT_WINDOW_NS)
		return 1;
	memcpy(s->key, key, sizeof key);
	s->digest = digest;
	s->at_ns = now_ns;
	return 0;
}

/*
 * udp_repeat_seen() for a service that sends back what it gets (udpecho):
 * facing a dictionary that translates both ways, what it receives from
 * that source alternates between two texts, which the last one alone never
 * catches. So this also drops buf when it equals the datagram before the
 * last (within the window). A client alternating two requests within
 * 500 ms loses the third; an echo client has no reason to.
 */
int
udp_repeat_cycle_seen(struct udp_repeat *r, const struct sockaddr *sa,
    const void *buf, size_t len, int64_t now_ns)
{
	uint8_t key[UDP_REPEAT_KEYLEN];
	struct udp_repeat_slot *s;
	uint64_t digest;

	repeat_key(sa, key);
	s = &r->slots[hash_seeded(key, sizeof key, r->seed) % UDP_REPEAT_SLOTS];
	digest = hash_seeded(buf, len, ~r->seed);
	if (s->at_ns != 0 && memcmp(s->key, key, sizeof key) == 0) {
		if ((s->digest == digest &&
		    now_ns - s->at_ns < UDP_REPEAT_WINDOW_NS) ||
		    (s->prev_digest == digest && s->prev_at_ns != 0 &&
		    now_ns - s->prev_at_ns < UDP_REPEAT_WINDOW_NS))
			return 1;
		s->prev_digest = s->digest;
		s->prev_at_ns = s->at_ns;
	} else
		s->prev_at_ns = 0;
	memcpy(s->key, key, sizeof key);
	s->digest = digest;
	s->at_ns = now_ns;
	return 0;
}
