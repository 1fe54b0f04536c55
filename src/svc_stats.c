/* SPDX-License-Identifier: MIT */
/*
 * svc_stats.c: the stats service: a TCP connection gets every counter as
 * "service.counter value" lines, then the connection closes. For monitoring
 * scripts (`nc 127.0.0.1 8085`); keep it on loopback.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include "config.h"
#include "service.h"
#include "log.h"
#include "service.h"
#include "stats.h"
#include "tcp.h"

#define STATS_WRITE_TIMEOUT	5	/* seconds for a reader to take the lines */
#define STATS_BUF		(STATS_MAX * 96)

/* A connection still sending its snapshot: the service frees what it owns. */
struct stats_conn {
	LIST_ENTRY(stats_conn)	 entry;
	struct svc_stats	*s;
	struct bufferevent	*bev;
};

struct svc_stats {
	const struct svc_conf	*conf;		/* first: reloads swap it */
	struct svc_ctx		*ctx;
	struct tcp_listeners	 ls;
	LIST_HEAD(, stats_conn)	 conns;
	size_t			 nconns;
	uint64_t		 served;
	struct log_limit	 deny_log;
	int			 stopping;
};

static const struct conf_key stats_keys[] = {
	CONF_ALLOW_FROM(CONF_LOOPBACK),
	CONF_KEY_END
};

static void
svc_stats_conn_free(struct stats_conn *c)
{
	struct svc_stats *s = c->s;

	LIST_REMOVE(c, entry);
	bufferevent_free(c->bev);
	free(c);
	s->nconns--;
	if (s->stopping)
		s->ctx->drained(s->ctx->owner);
}

static void
svc_stats_write_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		svc_stats_conn_free(arg);
}

static void
svc_stats_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	svc_stats_conn_free(arg);
}

/* Writes a snapshot to the new connection; it closes once that is sent. */
static void
svc_stats_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct timeval tv = { STATS_WRITE_TIMEOUT, 0 };
	struct svc_stats *s = arg;
	struct bufferevent *bev;
	struct stats_conn *c = malloc(sizeof *c);
	struct stats *st = malloc(sizeof *st);
	char *buf = malloc(STATS_BUF);

	(void)l;
	(void)salen;
	if (!tcp_admit(s->conf, &s->deny_log, sa)) {
		close(fd);
		free(c);
		free(st);
		free(buf);
		return;
	}
	bev = bufferevent_socket_new(s->ctx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c == NULL || st == NULL || buf == NULL || bev == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		else
			close(fd);
		free(c);
		free(st);
		free(buf);
		return;
	}
	s->ctx->collect(s->ctx->owner, st);
	bufferevent_write(bev, buf, stats_format(st, buf, STATS_BUF));
	free(st);
	free(buf);
	c->s = s;
	c->bev = bev;
	LIST_INSERT_HEAD(&s->conns, c, entry);
	s->nconns++;
	s->served++;
	bufferevent_setcb(bev, NULL, svc_stats_write_cb, svc_stats_event_cb, c);
	bufferevent_set_timeouts(bev, NULL, &tv);
	bufferevent_enable(bev, EV_WRITE);
}

static void
svc_stats_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct svc_stats *s = arg;

	(void)l;
	tcp_pause_accepting(&s->ls, s->conf->name, s->nconns);
}

static void *
svc_stats_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_stats *s = calloc(1, sizeof *s);

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	LIST_INIT(&s->conns);
	service_warn_exposure(conf, "anyone who can connect reads the counters");
	return s;
}

static int
svc_stats_start(void *arg, char *err, size_t errlen)
{
	struct svc_stats *s = arg;

	return tcp_listen_all(s->ctx, s->conf, svc_stats_accept_cb,
	    svc_stats_accept_error_cb, s, &s->ls, err, errlen);
}

static void
svc_stats_stop(void *arg)
{
	struct svc_stats *s = arg;

	s->stopping = 1;
	tcp_close_all(&s->ls);
}

static size_t
svc_stats_pending(void *arg)
{
	return ((struct svc_stats *)arg)->nconns;
}

/*
 * Frees the connections too: a reload that drops the section frees it
 * while a slow reader may still hold one, whose write timeout would
 * otherwise fire on the freed service.
 */
static void
svc_stats_free(void *arg)
{
	struct svc_stats *s = arg;

	svc_stats_stop(s);
	s->stopping = 0;
	while (!LIST_EMPTY(&s->conns))
		svc_stats_conn_free(LIST_FIRST(&s->conns));
	free(s);
}

static void
svc_stats_stats(void *arg, struct stats *st)
{
	struct svc_stats *s = arg;

	stats_put(st, s->conf->name, "connections_accepted", s->served);
	stats_put(st, s->conf->name, "connections", s->nconns);
}

static int
svc_stats_check(const struct svc_conf *conf, char *err, size_t errlen)
{
	return tcp_own_port(conf, "stats", err, errlen);
}

const struct service svc_stats = {
	.kind = "stats",
	.proto = "tcp",
	.enabled_default = 1,
	.keys = stats_keys,
	.check = svc_stats_check,
	.create = svc_stats_create,
	.start = svc_stats_start,
	.stop = svc_stats_stop,
	.pending = svc_stats_pending,
	.free = svc_stats_free,
	.stats = svc_stats_stats,
};
