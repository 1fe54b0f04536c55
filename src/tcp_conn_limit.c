/* SPDX-License-Identifier: MIT */
/*
 * tcp_conn_limit.c: how many connections each source has open, for a TCP
 * service's per_source limit (tcp.c's gate). A source is the first
 * prefix4 or prefix6 bits of its address (an IPv6 /64 by default: one host
 * may hold all of it).
 *
 * Unlike the rate limiter's lossy table this count must be exact, or a
 * client could open more by having its entry forgotten. It stays bounded
 * anyway: an entry exists only while its source has a connection open, so
 * there are never more entries than connections. The chained table is keyed
 * by a seeded hash, so a client cannot aim its addresses at one bucket.
 */
#include <stdlib.h>
#include <string.h>

#include "tcp_conn_limit.h"
#include "hash.h"

struct conn_source {
	struct conn_source	*next;
	uint8_t			 key[ADDR_HOST_KEYLEN];
	unsigned		 open;
};

/* A table for about `expected` sources. Returns 0, or -1 out of memory. */
int
conn_limit_init(struct conn_limit *cl, size_t expected, unsigned prefix4,
    unsigned prefix6, uint64_t seed)
{
	memset(cl, 0, sizeof *cl);
	cl->prefix4 = prefix4;
	cl->prefix6 = prefix6;
	cl->nbuckets = 64;
	while (cl->nbuckets < expected && cl->nbuckets < (1u << 20))
		cl->nbuckets *= 2;
	cl->seed = seed;
	cl->buckets = calloc(cl->nbuckets, sizeof *cl->buckets);
	return cl->buckets == NULL ? -1 : 0;
}

void
conn_limit_free(struct conn_limit *cl)
{
	struct conn_source *e, *next;
	size_t i;

	for (i = 0; i < cl->nbuckets; i++)
		for (e = cl->buckets[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(cl->buckets);
	memset(cl, 0, sizeof *cl);
}

static struct conn_source **
find(const struct conn_limit *cl, const uint8_t *key)
{
	struct conn_source **p;

	p = &cl->buckets[hash_seeded(key, ADDR_HOST_KEYLEN, cl->seed) %
	    cl->nbuckets];
	while (*p != NULL && memcmp((*p)->key, key, ADDR_HOST_KEYLEN) != 0)
		p = &(*p)->next;
	return p;
}

/*
 * Counts one more connection from sa unless it already has max open (max 0:
 * no limit). Returns 1 if counted, 0 if over the limit, -1 out of memory.
 */
int
conn_limit_take(struct conn_limit *cl, const struct sockaddr *sa, unsigned max)
{
	uint8_t key[ADDR_HOST_KEYLEN];
	struct conn_source **p;

	addr_source_key(sa, cl->prefix4, cl->prefix6, key);
	p = find(cl, key);
	if (*p != NULL) {
		if (max > 0 && (*p)->open >= max)
			return 0;
		(*p)->open++;
		return 1;
	}
	if ((*p = calloc(1, sizeof **p)) == NULL)
		return -1;
	memcpy((*p)->key, key, sizeof key);
	(*p)->open = 1;
	cl->nsources++;
	return 1;
}

/* One of sa's connections has closed. */
void
conn_limit_give(struct conn_limit *cl, const struct sockaddr *sa)
{
	uint8_t key[ADDR_HOST_KEYLEN];
	struct conn_source **p, *e;

	addr_source_key(sa, cl->prefix4, cl->prefix6, key);
	p = find(cl, key);
	if ((e = *p) == NULL || --e->open > 0)
		return;
	*p = e->next;
	free(e);
	cl->nsources--;
}

unsigned
conn_limit_count(const struct conn_limit *cl, const struct sockaddr *sa)
{
	uint8_t key[ADDR_HOST_KEYLEN];
	struct conn_source *const *p;

	addr_source_key(sa, cl->prefix4, cl->prefix6, key);
	p = find(cl, key);
	return *p == NULL ? 0 : (*p)->open;
}
