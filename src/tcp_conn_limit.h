/* SPDX-License-Identifier: MIT */
/* tcp_conn_limit.h: open connections counted per source network. */
#ifndef NETDEMO_TCP_CONN_LIMIT_H
#define NETDEMO_TCP_CONN_LIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"

struct conn_source;

struct conn_limit {
	struct conn_source	**buckets;
	size_t			  nbuckets;
	size_t			  nsources;
	unsigned		  prefix4, prefix6; /* bits that name a source */
	uint64_t		  seed;
};

int	conn_limit_init(struct conn_limit *cl, size_t expected,
	    unsigned prefix4, unsigned prefix6, uint64_t seed);
void	conn_limit_free(struct conn_limit *);
int	conn_limit_take(struct conn_limit *, const struct sockaddr *, unsigned);
void	conn_limit_give(struct conn_limit *, const struct sockaddr *);
unsigned conn_limit_count(const struct conn_limit *, const struct sockaddr *);

#endif
