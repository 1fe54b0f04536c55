/* SPDX-License-Identifier: MIT */
/*
 * chat_fed_conn.h: chat federation's insides, shared by chat_fed.c (what
 * goes over Redis) and chat_fed_conn.c (the connections and their life).
 */
#ifndef NETDEMO_CHAT_FED_CONN_H
#define NETDEMO_CHAT_FED_CONN_H

#include <hiredis/async.h>

#include "chat_fed.h"
#include "chat_fed_msg.h"
#include "log.h"
#include "secret_file.h"
#include "udp.h"

#define CHAT_FED_INFLIGHT	64	/* PUBLISH commands awaiting Redis */
#define CHAT_FED_QUEUE		256	/* messages waiting behind them */
#define CHAT_FED_REQS		64	/* who and nick awaiting Redis */
#define CHAT_FED_CONNECT_MS	2000
/*
 * Redis is down when a command (or a probe) has waited this long for its
 * answer: a hung or cut-off Redis keeps its TCP connection, and keepalive
 * would notice a cut only after ~30 s, a hang never.
 */
#define CHAT_FED_ANSWER_MS	3000
#define CHAT_FED_TICK_MS	500	/* how often that is checked */
#define CHAT_FED_IDLE_MS	5000	/* probe both connections when idle */
#define CHAT_FED_BACKOFF_MIN_MS	100
#define CHAT_FED_BACKOFF_MAX_MS	5000
#define CHAT_FED_PASS_MAX	512	/* bytes of federation_password */

enum { CHAT_FED_WHO, CHAT_FED_NICK };

/* A who or a nick waiting for Redis: a slot, so a request allocates nothing. */
struct chat_fed_req {
	struct chat_fed		*fed;
	int			 used, kind;
	struct udp_peer		 peer;
	uint64_t		 tag;		/* the caller's, for a nick */
	char			 nick[CHAT_NICK_MAX * 4 + 1];
};

struct chat_fed {
	struct event_base		*base;
	const struct chat_fed_hooks	*hooks;
	void				*arg;
	char				*section;
	struct chat_fed_url		 url;
	struct secret			 pass;		/* no bytes: no AUTH */
	unsigned			 ttl;
	size_t				 max_text;
	uint64_t			 id;
	char				 idhex[17];
	char				*prefix, *channel, *instances, *mykey;
	char				*members;	/* + ID: its members */

	redisAsyncContext		*pub, *sub;
	int				 pub_ready, sub_ready;
	int				 up, ever_up, closing;
	int				 down_logged;	/* this outage */
	unsigned			 backoff_ms;
	struct event			*ev_retry, *ev_timeout, *ev_refresh;
	struct event			*ev_tick;	/* liveness, while up */
	int64_t				 pub_probe, sub_probe; /* sent; 0: none */
	int64_t				 last_probe;

	char				*enc;		/* one encoded message */
	char				*queue;		/* CHAT_FED_QUEUE slots */
	size_t				*qlens;
	size_t				 qslot, qhead, qlen;
	unsigned			 inflight;
	struct chat_fed_req		 reqs[CHAT_FED_REQS];

	uint64_t			 published, received, dropped_queue;
	uint64_t			 dropped_down, malformed, reconnects;
	uint64_t			 down_mark;	/* dropped_down then */
	uint64_t			 req_busy;
	struct log_limit		 bad_log, queue_log, down_log;
};

void	chat_fed_publish_cb(redisAsyncContext *, void *, void *);
void	chat_fed_refresh_cb(redisAsyncContext *, void *, void *);
void	chat_fed_message(struct chat_fed *, const char *, size_t);
void	chat_fed_resync(struct chat_fed *);

#endif
