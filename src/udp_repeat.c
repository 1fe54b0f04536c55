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
 * A peer that relays what we send it with something added in front (two
 * chats, each a member of the other, each prefixing "HOST:PORT# ") never
 * repeats itself. So the table also remembers the last datagram we sent
 * each peer, and a datagram from that peer within the window that ends
 * with it is a reflection, dropped too: that stops echo-style reflectors
 * as well. The price: a client whose next request, within 500 ms, ends
 * with the reply it just got (at least UDP_REFLECT_MIN bytes of it) is
 * not answered.
 *
 * A fixed set-associative table chosen by a seeded hash: no allocation.
 * A new peer takes a free way of its set, or the least recently used one
 * if that is older than the window; if all are younger, the peer is not
 * remembered for now. LRU alone would fail exactly when it matters: many
 * loops cycling through more peers than the table holds would push each
 * other out before any repeat is seen. Keeping the young entries instead,
 * the loops the table holds die, their ways age out, and the next ones are
 * caught; a flood of new sources only delays the guard for as long as it
 * lasts. Time comes from the caller, so the logic is pure and testable.
 */
#include <netinet/in.h>
#include <string.h>

#include "hash.h"
#include "udp_repeat.h"

/*
 * r must be zeroed already (calloc, static): clearing it here would make
 * all of its pages resident, where only those peers touch need be.
 */
void
udp_repeat_init(struct udp_repeat *r, uint64_t seed)
{
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

/* When the slot was last used, either way; 0: never. */
static int64_t
slot_used_ns(const struct udp_repeat_slot *s)
{
	return s->at_ns > s->out_ns ? s->at_ns : s->out_ns;
}

/*
 * sa's slot, or a way taken for it (see the top of the file); NULL when
 * every way of its set was used within the window.
 */
static struct udp_repeat_slot *
repeat_slot(struct udp_repeat *r, const struct sockaddr *sa, int64_t now_ns)
{
	uint8_t key[UDP_REPEAT_KEYLEN];
	struct udp_repeat_slot *set, *old = NULL;
	size_t i;

	repeat_key(sa, key);
	set = r->slots[hash_seeded(key, sizeof key, r->seed) % UDP_REPEAT_SETS];
	for (i = 0; i < UDP_REPEAT_WAYS; i++) {
		if (slot_used_ns(&set[i]) != 0 &&
		    memcmp(set[i].key, key, sizeof key) == 0)
			return &set[i];
		if (old == NULL || slot_used_ns(&set[i]) < slot_used_ns(old))
			old = &set[i];
	}
	if (slot_used_ns(old) != 0 &&
	    now_ns - slot_used_ns(old) < UDP_REPEAT_WINDOW_NS)
		return NULL;
	memset(old, 0, sizeof *old);
	memcpy(old->key, key, sizeof key);
	return old;
}

/* Another seed for the contents: a digest says nothing of the slot. */
static uint64_t
repeat_digest(const struct udp_repeat *r, const void *buf, size_t len)
{
	return hash_seeded(buf, len, ~r->seed);
}

/* Whether buf ends with what we sent s's peer within the window. */
static int
reflects(const struct udp_repeat *r, const struct udp_repeat_slot *s,
    const void *buf, size_t len, int64_t now_ns)
{
	return s->out_len != 0 && s->out_len <= len &&
	    now_ns - s->out_ns < UDP_REPEAT_WINDOW_NS &&
	    repeat_digest(r, (const char *)buf + (len - s->out_len),
	    s->out_len) == s->out_digest;
}

/*
 * UDP_SEEN_REFLECTION if buf ends with what we last sent sa, and
 * UDP_SEEN_REPEAT if it is what sa sent last, less than
 * UDP_REPEAT_WINDOW_NS before now_ns (drop it); else remembers buf as sa's
 * last datagram and returns UDP_SEEN_NEW. A dropped datagram does not
 * restart the window: a sender repeating itself steadily still gets an
 * answer every window.
 */
int
udp_repeat_seen(struct udp_repeat *r, const struct sockaddr *sa,
    const void *buf, size_t len, int64_t now_ns)
{
	struct udp_repeat_slot *s = repeat_slot(r, sa, now_ns);
	uint64_t digest;

	if (s == NULL)
		return UDP_SEEN_NEW;
	if (reflects(r, s, buf, len, now_ns))
		return UDP_SEEN_REFLECTION;
	digest = repeat_digest(r, buf, len);
	if (s->at_ns != 0 && s->digest == digest &&
	    now_ns - s->at_ns < UDP_REPEAT_WINDOW_NS)
		return UDP_SEEN_REPEAT;
	s->digest = digest;
	s->at_ns = now_ns;
	return UDP_SEEN_NEW;
}

/* Remembers buf as the last datagram we sent sa, if long enough to tell. */
void
udp_repeat_sent(struct udp_repeat *r, const struct sockaddr *sa,
    const void *buf, size_t len, int64_t now_ns)
{
	struct udp_repeat_slot *s;

	if (len < UDP_REFLECT_MIN) {
		/* A shorter one still replaces what the peer could reflect. */
		if ((s = repeat_slot(r, sa, now_ns)) != NULL)
			s->out_len = 0;
		return;
	}
	if ((s = repeat_slot(r, sa, now_ns)) == NULL)
		return;
	s->out_len = (uint32_t)len;
	s->out_digest = repeat_digest(r, buf, len);
	s->out_ns = now_ns;
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
	struct udp_repeat_slot *s = repeat_slot(r, sa, now_ns);
	uint64_t digest;

	if (s == NULL)
		return 0;
	digest = repeat_digest(r, buf, len);
	if ((s->at_ns != 0 && s->digest == digest &&
	    now_ns - s->at_ns < UDP_REPEAT_WINDOW_NS) ||
	    (s->prev_at_ns != 0 && s->prev_digest == digest &&
	    now_ns - s->prev_at_ns < UDP_REPEAT_WINDOW_NS))
		return 1;
	s->prev_digest = s->digest;
	s->prev_at_ns = s->at_ns;
	s->digest = digest;
	s->at_ns = now_ns;
	return 0;
}
