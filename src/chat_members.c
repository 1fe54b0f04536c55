/* SPDX-License-Identifier: MIT */
/*
 * chat_members.c: the chat member table.
 *
 * Members are found by their binary address (family, address, port) in a
 * chained hash table sized for max members, so join, leave and lookup are
 * O(1); a list keeps them least recently seen first, so idle expiry looks
 * only at the members that expire. Clients choose their source ports, so
 * the hash is keyed with a per-process random seed: nobody can aim many
 * addresses at one bucket without knowing it.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "chat_cmd.h"
#include "chat_members.h"
#include "hash.h"

/* The bytes that identify a peer: family, port, address (and v6 scope). */
static size_t
addr_key(const struct sockaddr *sa, uint8_t key[24])
{
	const struct sockaddr_in *sin = (const void *)sa;
	const struct sockaddr_in6 *sin6 = (const void *)sa;

	memset(key, 0, 24);
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(key + 2, &sin->sin_port, 2);
		memcpy(key + 4, &sin->sin_addr, 4);
		return 8;
	}
	memcpy(key + 2, &sin6->sin6_port, 2);
	memcpy(key + 4, &sin6->sin6_addr, 16);
	memcpy(key + 20, &sin6->sin6_scope_id, 4);
	return 24;
}

static uint64_t
members_hash(const struct chat_members *m, const struct sockaddr *sa)
{
	uint8_t key[24];
	size_t n = addr_key(sa, key);

	return hash_seeded(key, n, m->seed);
}

static int
same_peer(const struct sockaddr *a, const struct sockaddr *b)
{
	uint8_t ka[24], kb[24];
	size_t n = addr_key(a, ka);

	return n == addr_key(b, kb) && memcmp(ka, kb, n) == 0;
}

/* A table for at most max members; NULL when out of memory. */
struct chat_members *
members_new(size_t max, uint64_t seed)
{
	struct chat_members *m = calloc(1, sizeof *m);
	size_t n = 16;

	if (m == NULL)
		return NULL;
	while (n < max)
		n *= 2;
	if ((m->buckets = calloc(n, sizeof *m->buckets)) == NULL) {
		free(m);
		return NULL;
	}
	m->mask = n - 1;
	m->max = max;
	m->seed = seed;
	TAILQ_INIT(&m->lru);
	return m;
}

struct chat_member *
members_find(const struct chat_members *m, const struct sockaddr *sa)
{
	uint64_t h = members_hash(m, sa);
	struct chat_member *c;

	for (c = m->buckets[h & m->mask]; c != NULL; c = c->hnext)
		if (c->hash == h &&
		    same_peer((const struct sockaddr *)&c->peer.addr, sa))
			return c;
	return NULL;
}

/* Adds a member for peer (not a member yet); NULL when full or no memory. */
struct chat_member *
members_add(struct chat_members *m, const struct udp_peer *peer, time_t now)
{
	struct chat_member *c;
	size_t b;

	if (m->count >= m->max || (c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->peer = *peer;
	c->hash = members_hash(m, (const struct sockaddr *)&peer->addr);
	c->last_seen = now;
	b = c->hash & m->mask;
	c->hnext = m->buckets[b];
	m->buckets[b] = c;
	TAILQ_INSERT_TAIL(&m->lru, c, lru);
	m->count++;
	return c;
}

/* Marks c seen now: it moves to the end of the expiry order. */
void
members_touch(struct chat_members *m, struct chat_member *c, time_t now)
{
	c->last_seen = now;
	TAILQ_REMOVE(&m->lru, c, lru);
	TAILQ_INSERT_TAIL(&m->lru, c, lru);
}

void
members_remove(struct chat_members *m, struct chat_member *c)
{
	struct chat_member **p = &m->buckets[c->hash & m->mask];

	while (*p != c)
		p = &(*p)->hnext;
	*p = c->hnext;
	TAILQ_REMOVE(&m->lru, c, lru);
	m->count--;
	free(c);
}

/* Whether nicks a and b are the same, ASCII case ignored (Ann is ann). */
static int
same_nick(const char *a, const char *b)
{
	while (*a != '\0' && chat_ascii_lower(*a) == chat_ascii_lower(*b)) {
		a++;
		b++;
	}
	return *a == *b;
}

/*
 * The member using nick (in any ASCII case), or NULL. Nick changes are
 * rare: a scan will do.
 */
struct chat_member *
members_find_nick(const struct chat_members *m, const char *nick)
{
	struct chat_member *c;

	TAILQ_FOREACH(c, &m->lru, lru)
		if (same_nick(c->nick, nick))
			return c;
	return NULL;
}

void
members_free(struct chat_members *m)
{
	struct chat_member *c;

	if (m == NULL)
		return;
	while ((c = TAILQ_FIRST(&m->lru)) != NULL)
		members_remove(m, c);
	free(m->buckets);
	free(m);
}
