/* SPDX-License-Identifier: MIT */
/*
 * chat_fed.h: one chat room over several netdemo instances, through Redis
 * pub/sub (messages) and keys with a TTL (presence, nicks). The chat
 * service drives it through these calls and hears back through hooks;
 * nothing here waits: while Redis is away each call is a no-op or says so.
 */
#ifndef NETDEMO_CHAT_FED_H
#define NETDEMO_CHAT_FED_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct stats;
struct svc_conf;
struct udp_peer;
struct chat_fed;
struct chat_fed_names;

struct chat_fed_hooks {
	/* A line ("NAME# TEXT") another instance published, checked. */
	void	(*deliver)(void *, const char *, size_t);
	/* Connected: call chat_fed_join for every local member. */
	void	(*resync)(void *);
	/* The other instances' members for a who; NULL: Redis did not answer. */
	void	(*who)(void *, const struct udp_peer *,
		    const struct chat_fed_names *);
	/*
	 * A nick claim's outcome (its tag, the nick, taken): when not taken,
	 * the name is in this instance's presence until chat_fed_leave.
	 */
	void	(*nick)(void *, const struct udp_peer *, uint64_t,
		    const char *, int);
	/* Federation came up (1) or went down (0). */
	void	(*status)(void *, int);
};

int		 chat_fed_check(const struct svc_conf *, char *, size_t);
int		 chat_fed_same(const struct svc_conf *, const struct svc_conf *);
struct chat_fed	*chat_fed_new(struct event_base *base,
		    const struct svc_conf *conf, uint64_t id,
		    const struct chat_fed_hooks *hooks, void *arg, char *err,
		    size_t errlen);
void		 chat_fed_start(struct chat_fed *);
int		 chat_fed_up(const struct chat_fed *);
void		 chat_fed_publish(struct chat_fed *, const char *, size_t);
void		 chat_fed_join(struct chat_fed *, const char *);
void		 chat_fed_leave(struct chat_fed *, const char *);
int		 chat_fed_who(struct chat_fed *, const struct udp_peer *);
int		 chat_fed_nick(struct chat_fed *, const struct udp_peer *,
		    uint64_t, const char *);
size_t		 chat_fed_names_count(const struct chat_fed_names *);
const char	*chat_fed_names_get(const struct chat_fed_names *, size_t,
		    size_t *);
void		 chat_fed_stats(const struct chat_fed *, struct stats *,
		    const char *);
void		 chat_fed_free(struct chat_fed *);

#endif
