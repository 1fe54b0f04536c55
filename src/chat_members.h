/* SPDX-License-Identifier: MIT */
/* chat_members.h: chat's member table: O(1) by binary address, oldest first. */
#ifndef NETDEMO_CHAT_MEMBERS_H
#define NETDEMO_CHAT_MEMBERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "udp.h"

#define CHAT_NICK_MAX	32	/* characters */

struct chat_member {
	struct chat_member		*hnext;		/* same bucket */
	TAILQ_ENTRY(chat_member)	 lru;		/* least recently seen first */
	struct udp_peer			 peer;		/* its address is the key */
	uint64_t			 hash;
	time_t				 last_seen;
	uint64_t			 nick_claim;	/* pending in Redis: its tag */
	char				 nick[CHAT_NICK_MAX * 4 + 1];
};

TAILQ_HEAD(chat_lru, chat_member);

struct chat_members {
	struct chat_member	**buckets;
	size_t			  mask;
	size_t			  count, max;
	uint64_t		  seed;
	struct chat_lru		  lru;
};

struct chat_members	*members_new(size_t, uint64_t);
struct chat_member	*members_find(const struct chat_members *,
			    const struct sockaddr *);
struct chat_member	*members_add(struct chat_members *,
			    const struct udp_peer *, time_t);
void			 members_touch(struct chat_members *,
			    struct chat_member *, time_t);
void			 members_remove(struct chat_members *,
			    struct chat_member *);
struct chat_member	*members_find_nick(const struct chat_members *,
			    const char *);
void			 members_free(struct chat_members *);

#endif
