/* SPDX-License-Identifier: MIT */
/*
 * dictd_conn.h: the dictd service's state, shared by svc_dictd.c (the
 * kind: keys, listeners, admission, reloads, stats), dictd_conn.c (one
 * connection: lines, commands in order, the output cap, MATCH in slices)
 * and dictd_answer.c (the answers that read the tables at once); nothing
 * else includes it.
 */
#ifndef NETDEMO_DICTD_CONN_H
#define NETDEMO_DICTD_CONN_H

#include <event2/util.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "config_scan.h"
#include "dictd_cmd.h"
#include "dictd_match.h"
#include "dictd_reply.h"
#include "tcp.h"

/* Buffered input without a line end that closes the connection. */
#define DICTD_IN_MAX		6144
/* Replies waiting for a slow reader: stop reading above, resume below. */
#define DICTD_OUT_HIGH		(64 * 1024)
#define DICTD_OUT_LOW		(16 * 1024)
/* Keys a MATCH looks at a loop turn (~0.3 ms for 120,000 keys' worth). */
#define DICTD_MATCH_STEP	5000
/* Matches listed per MATCH, over all its databases. */
#define DICTD_MATCH_MAX		1000
/* Keys one DEFINE answers with, per database (case variants). */
#define DICTD_DEFINE_MAX	8
#define DICTD_DB_MAX		64

struct bufferevent;
struct evbuffer;
struct event;
struct svc_ctx;

/* A MATCH under way: a table at a time, its lines gathered in body. */
struct dictd_job {
	struct dictd_match	 m;
	int			 strat;
	char			 db[CONFIG_NAME_MAX + 1]; /* what was asked */
	size_t			 next;		/* the next database to match */
	/* The one being matched ("": none yet): a copy, as a reload frees
	 * the conf whose databases list it came from. */
	char			 name[CONFIG_NAME_MAX + 1];
	uint64_t		 gen;		/* its table's, when started */
	int			 running;	/* m is set up on that table */
	size_t			 total;
	char			 word[DICTD_WORD_MAX];
	size_t			 wlen;
	struct evbuffer		*body;
	struct event		*ev;
	struct dictd_key	 out[DICTD_MATCH_MAX];
};

struct dictd_conn {
	LIST_ENTRY(dictd_conn)	 entry;
	struct svc_dictd	*s;
	struct bufferevent	*bev;
	struct sockaddr_storage	 peer;		/* counted in s->gate */
	struct dictd_job	*job;		/* a MATCH in progress */
	int			 mime;		/* OPTION MIME was sent */
	int			 closing;	/* free once output is flushed */
	int			 eof;		/* the client sent all it will */
};

struct svc_dictd {
	const struct svc_conf	*conf;
	const struct svc_conf	*staged_conf;
	struct svc_ctx		*ctx;
	struct tcp_listeners	 ls;
	struct tcp_listeners	 staged_ls;	/* a reload's new addresses */
	LIST_HEAD(, dictd_conn)	 conns;
	size_t			 nconns;
	struct tcp_gate		 gate;
	char			 host[256];
	char			 line[DICTD_LINE_MAX + 2];
	char			 args[DICTD_LINE_MAX + 3];
	unsigned long		 counter;	/* connections, for message ids */
	time_t			 started;
	uint64_t		 accepted, timed_out;
	uint64_t		 commands, defines, matches, errors, too_long;
	int			 stopping;
};

/* dictd_conn.c */
int		 dictd_conn_new(struct svc_dictd *, evutil_socket_t,
		    const struct sockaddr *, socklen_t);
void		 dictd_conn_set_timeouts(struct dictd_conn *);
void		 dictd_conn_close(struct dictd_conn *);
void		 dictd_conn_free(struct dictd_conn *);

/* dictd_answer.c */
struct dictd_out dictd_answer_out(struct evbuffer *);
const char	*dictd_answer_db(const struct svc_dictd *, const char *);
void		 dictd_answer_define(struct dictd_conn *, const char *,
		    const char *, size_t);
void		 dictd_answer_show_db(struct dictd_conn *);
void		 dictd_answer_show_strat(struct dictd_conn *);
void		 dictd_answer_show_info(struct dictd_conn *, const char *);
void		 dictd_answer_show_server(struct dictd_conn *);
void		 dictd_answer_client(struct dictd_conn *, const char *,
		    size_t);

#endif
