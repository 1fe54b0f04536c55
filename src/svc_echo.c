/* SPDX-License-Identifier: MIT */
/*
 * svc_echo.c: the echo service (RFC 862 over TCP): every byte a client
 * sends comes back, in order, on a bufferevent per connection.
 *
 * Memory per connection stays bounded whatever the client does: once its
 * unsent output passes ECHO_HIGH_WATER, reading from it stops until the
 * output drains below ECHO_LOW_WATER; the kernel's socket buffers are
 * fixed small (tcp_conn_setup), so they cannot grow for it either. An idle
 * timeout closes clients that send nothing, and the bufferevent's write
 * timeout one whose echo stops draining, even while it keeps sending. A
 * client's EOF ends the connection once everything it sent has been sent
 * back.
 *
 * The bufferevent owns the output (its buffer, write event and timeout);
 * input comes through a plain read event, and is written back at once
 * from one shared read buffer when nothing is waiting (svc_echo_pump()).
 * libevent 2.1's bufferevent read path costs an ioctl(FIONREAD) and at
 * most 4 KiB per read: a quarter of the system calls of a small echo, and
 * four reads for every 16 KiB.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "service.h"
#include "hash.h"
#include "log.h"
#include "service.h"
#include "sock.h"
#include "tcp.h"
#include "stats.h"

/*
 * A client that sends and never reads holds at most ECHO_HIGH_WATER of the
 * daemon's memory (the socket buffers are the kernel's). 32 KiB keeps that
 * well under 64 KiB a client with the evbuffer's overhead, and is still
 * twice a 16 KiB message, so echoing those never stops reading.
 */
#define ECHO_HIGH_WATER		(32 * 1024)
#define ECHO_LOW_WATER		(16 * 1024)
#define ECHO_READ_CHUNK		(64 * 1024)


struct echo_conn {
	LIST_ENTRY(echo_conn)	 entry;
	struct svc_echo		*s;
	struct bufferevent	*bev;		/* output */
	struct event		*rd;		/* input, with the idle timeout */
	struct sockaddr_storage	 peer;		/* counted in s->gate */
	int			 closing;	/* free once output is flushed */
};

struct svc_echo {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	const struct svc_conf	*staged_conf;
	struct tcp_listeners	 ls;
	struct tcp_listeners	 staged_ls;	/* a reload's new listen list */
	char			*buf;		/* ECHO_READ_CHUNK: every read */
	LIST_HEAD(, echo_conn)	 conns;
	size_t			 nconns;
	struct tcp_gate		 gate;
	uint64_t		 accepted, timed_out, bytes;
	uint64_t		 bytes_out;	/* queued to echo back */
	int			 stopping;
};

static const struct conf_key echo_keys[] = {
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "max_connections", CONF_UINT, "10000", 1, 1000000,
	    offsetof(struct svc_conf, max_connections) },
	{ "per_source", CONF_UINT, "0", 0, 1000000,
	    offsetof(struct svc_conf, per_source) },
	CONF_SOURCE_PREFIXES,
	{ "idle_timeout", CONF_UINT, "300", 0, 604800,
	    offsetof(struct svc_conf, idle_timeout) },
	CONF_KEY_END
};

static void
svc_echo_conn_free(struct echo_conn *c)
{
	struct svc_echo *s = c->s;

	LIST_REMOVE(c, entry);
	tcp_gate_release(&s->gate, (struct sockaddr *)&c->peer);
	event_free(c->rd);
	bufferevent_free(c->bev);
	free(c);
	s->nconns--;
	if (s->stopping)
		s->ctx->drained(s->ctx->owner);
}

/*
 * Waits for the socket to take the output. The write timeout runs from the
 * first wait and restarts only when a write makes progress (libevent
 * re-arms a persistent event's timeout when it fires): enabling again
 * would restart it, so a client sending more could keep alive a
 * connection whose echo no longer drains.
 */
static void
svc_echo_wait_writable(struct echo_conn *c)
{
	if ((bufferevent_get_enabled(c->bev) & EV_WRITE) == 0)
		bufferevent_enable(c->bev, EV_WRITE);
}

/* Frees c now if nothing is left to send, else once it has been sent. */
static void
svc_echo_conn_close(struct echo_conn *c)
{
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		svc_echo_conn_free(c);
		return;
	}
	c->closing = 1;
	event_del(c->rd);
	svc_echo_wait_writable(c);
}

/*
 * The idle timeout, NULL for none. Every connection shares it, so it is
 * one of libevent's common timeouts: re-arming it on each read is a queue
 * append instead of a heap update.
 */
static const struct timeval *
svc_echo_idle(const struct svc_echo *s, struct timeval *tv)
{
	const struct timeval *common;

	tv->tv_sec = (time_t)s->conf->idle_timeout;
	tv->tv_usec = 0;
	if (tv->tv_sec == 0)
		return NULL;
	common = event_base_init_common_timeout(s->ctx->base, tv);
	return common != NULL ? common : tv;
}

/* Reading on (with the idle timeout, from now) or off (backpressure). */
static void
svc_echo_reading(struct echo_conn *c, int on)
{
	struct timeval tv;

	if (on)
		event_add(c->rd, svc_echo_idle(c->s, &tv));
	else
		event_del(c->rd);
}

/*
 * Reads what the socket holds, ECHO_READ_CHUNK at a time, into the
 * service's one read buffer and sends it back at once: while nothing waits
 * in the output, straight from that buffer (one read and one write per
 * chunk, nothing allocated); what the socket does not take, or all of it
 * when output is already waiting, goes to the bufferevent's output. Stops
 * at a short read or the high-water mark, which no read may pass. Returns
 * 0, or -1 at EOF (*eof set) or on error.
 */
static int
svc_echo_pump(struct echo_conn *c, struct evbuffer *out, int *eof)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	char *buf = c->s->buf;
	size_t room;
	ssize_t n, w;

	while (evbuffer_get_length(out) < ECHO_HIGH_WATER) {
		room = ECHO_HIGH_WATER - evbuffer_get_length(out);
		if (room > ECHO_READ_CHUNK)
			room = ECHO_READ_CHUNK;
		if ((n = read(fd, buf, room)) <= 0) {
			if (n == 0) {
				*eof = 1;
				return -1;
			}
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		}
		c->s->bytes += (uint64_t)n;
		c->s->bytes_out += (uint64_t)n;
		w = 0;
		if (evbuffer_get_length(out) == 0 &&
		    (w = send(fd, buf, (size_t)n, MSG_NOSIGNAL)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			w = 0;
		}
		if (w < n && evbuffer_add(out, buf + w, (size_t)(n - w)) == -1)
			return -1;
		if ((size_t)n < room)
			break;		/* the socket is most likely empty now */
	}
	return 0;
}

/*
 * Writes the output now rather than a loop turn later: only what the
 * socket will not take waits for a write event (with its timeout).
 */
static int
svc_echo_flush(struct echo_conn *c, struct evbuffer *out)
{
	int n = 0;

	/* A socket bufferevent freezes its output's start for its own writes. */
	if (evbuffer_get_length(out) > 0) {
		evbuffer_unfreeze(out, 1);
		n = evbuffer_write(out, bufferevent_getfd(c->bev));
		evbuffer_freeze(out, 1);
	}
	if (n == -1 && errno != EAGAIN && errno != EINTR)
		return -1;
	if (evbuffer_get_length(out) == 0) {
		if (bufferevent_get_enabled(c->bev) & EV_WRITE)
			bufferevent_disable(c->bev, EV_WRITE);
		return 0;
	}
	svc_echo_wait_writable(c);
	if (evbuffer_get_length(out) >= ECHO_HIGH_WATER)
		svc_echo_reading(c, 0);
	return 0;
}

static void
svc_echo_readable_cb(evutil_socket_t fd, short what, void *arg)
{
	struct echo_conn *c = arg;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int eof = 0, rc;

	(void)fd;
	if (what & EV_TIMEOUT) {
		c->s->timed_out++;
		log_debug("%s: connection idle, closed", c->s->conf->name);
		svc_echo_conn_free(c);
		return;
	}
	rc = svc_echo_pump(c, out, &eof);
	if (svc_echo_flush(c, out) == -1 || (rc == -1 && !eof)) {
		svc_echo_conn_free(c);
		return;
	}
	if (eof)
		svc_echo_conn_close(c);
}

/* Called when the output has drained to ECHO_LOW_WATER or below. */
static void
svc_echo_write_cb(struct bufferevent *bev, void *arg)
{
	struct echo_conn *c = arg;
	int empty = evbuffer_get_length(bufferevent_get_output(bev)) == 0;

	if (empty)
		bufferevent_disable(bev, EV_WRITE);
	if (c->closing) {
		if (empty)
			svc_echo_conn_free(c);
		return;
	}
	if (!event_pending(c->rd, EV_READ, NULL))
		svc_echo_reading(c, 1);
}

static void
svc_echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct echo_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		c->s->timed_out++;
		log_debug("%s: connection timed out", c->s->conf->name);
		svc_echo_conn_free(c);
	} else if (what & BEV_EVENT_ERROR) {
		log_debug("%s: connection error: %s", c->s->conf->name,
		    strerror(EVUTIL_SOCKET_ERROR()));
		svc_echo_conn_free(c);
	} else if (what & BEV_EVENT_EOF)
		svc_echo_conn_close(c);
}

/* The read event's timeout is the idle one; the bufferevent's, writes'. */
static void
svc_echo_set_timeouts(struct echo_conn *c)
{
	struct timeval tv;
	const struct timeval *idle = svc_echo_idle(c->s, &tv);

	bufferevent_set_timeouts(c->bev, NULL, idle);
	if (event_pending(c->rd, EV_READ, NULL))
		event_add(c->rd, idle);
}

/* Sets up a bufferevent for an accepted socket, which it owns from here. */
static int
svc_echo_conn_new(struct svc_echo *s, evutil_socket_t fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct echo_conn *c;
	struct timeval tv;

	tcp_conn_setup(fd, s->conf->name);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return -1;
	}
	c->bev = bufferevent_socket_new(s->ctx->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->rd = event_new(s->ctx->base, fd, EV_READ | EV_PERSIST, svc_echo_readable_cb,
	    c);
	if (c->bev == NULL || c->rd == NULL) {
		if (c->rd != NULL)
			event_free(c->rd);
		if (c->bev != NULL)
			bufferevent_free(c->bev);	/* closes fd */
		else
			close(fd);
		free(c);
		return -1;
	}
	c->s = s;
	memcpy(&c->peer, sa, (size_t)salen < sizeof c->peer ?
	    (size_t)salen : sizeof c->peer);
	bufferevent_setcb(c->bev, NULL, svc_echo_write_cb, svc_echo_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, ECHO_LOW_WATER, 0);
	/* Writes go out directly; the write event waits only for leftovers. */
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	svc_echo_set_timeouts(c);
	if (event_add(c->rd, svc_echo_idle(s, &tv)) == -1) {
		event_free(c->rd);
		bufferevent_free(c->bev);	/* closes fd */
		free(c);
		return -1;
	}
	LIST_INSERT_HEAD(&s->conns, c, entry);
	s->nconns++;
	return 0;
}

static void
svc_echo_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct svc_echo *s = arg;

	(void)l;
	if (!tcp_gate_admit(&s->gate, s->conf, s->nconns, fd, sa))
		return;
	if (svc_echo_conn_new(s, fd, sa, (socklen_t)salen) == -1) {
		tcp_gate_drop(&s->gate, s->conf, sa);
		return;
	}
	s->accepted++;
}

static void
svc_echo_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct svc_echo *s = arg;

	(void)l;
	tcp_pause_accepting(&s->ls, s->conf->name, s->nconns);
}

static void *
svc_echo_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_echo *s = calloc(1, sizeof *s);

	if (s == NULL || tcp_gate_init(&s->gate, conf) == -1 ||
	    (s->buf = malloc(ECHO_READ_CHUNK)) == NULL) {
		snprintf(err, errlen, "out of memory");
		if (s != NULL) {
			tcp_gate_free(&s->gate);
			free(s->buf);
		}
		free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	LIST_INIT(&s->conns);
	return s;
}

static int
svc_echo_start(void *arg, char *err, size_t errlen)
{
	struct svc_echo *s = arg;

	return tcp_listen_all(s->ctx, s->conf, svc_echo_accept_cb,
	    svc_echo_accept_error_cb, s, &s->ls, err, errlen);
}

/*
 * A changed listen list opens its listeners now (sharing the sockets of the
 * addresses that stay), so that a port in use fails the reload; the open
 * connections are not touched either way.
 */
static int
svc_echo_prepare(void *arg, const struct svc_conf *conf, char *err, size_t errlen)
{
	struct svc_echo *s = arg;

	if (tcp_listen_changed(s->conf, conf) &&
	    tcp_stage_all(s->ctx, conf, svc_echo_accept_cb,
	    svc_echo_accept_error_cb, s, &s->staged_ls, err, errlen) == -1) {
		tcp_close_all(&s->staged_ls);
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

/*
 * New source prefixes: the open connections are counted again under the
 * new ones. Out of memory, the old table (and its prefixes) stays.
 */
static void
svc_echo_recount_sources(struct svc_echo *s, const struct svc_conf *conf)
{
	struct conn_limit cl;
	struct echo_conn *c;

	if (s->gate.per_source.prefix4 == conf->source_prefix4 &&
	    s->gate.per_source.prefix6 == conf->source_prefix6)
		return;
	if (conn_limit_init(&cl, s->gate.per_source.nbuckets,
	    conf->source_prefix4, conf->source_prefix6,
	    hash_random_seed()) == -1)
		goto fail;
	LIST_FOREACH(c, &s->conns, entry)
		if (conn_limit_take(&cl, (struct sockaddr *)&c->peer, 0) != 1) {
			conn_limit_free(&cl);
			goto fail;
		}
	conn_limit_free(&s->gate.per_source);
	s->gate.per_source = cl;
	return;
fail:
	log_warnx("%s: out of memory: source prefixes unchanged", conf->name);
}

/* New limits apply at once: idle_timeout to open connections too. */
static void
svc_echo_commit(void *arg, int apply)
{
	struct svc_echo *s = arg;
	struct echo_conn *c;

	if (apply) {
		svc_echo_recount_sources(s, s->staged_conf);
		s->conf = s->staged_conf;
		LIST_FOREACH(c, &s->conns, entry)
			svc_echo_set_timeouts(c);
		if (s->staged_ls.v != NULL)
			tcp_replace(&s->ls, &s->staged_ls);
	}
	tcp_close_all(&s->staged_ls);
	s->staged_conf = NULL;
}

/* Stops accepting and reading; connections go once their output is sent. */
static void
svc_echo_stop(void *arg)
{
	struct svc_echo *s = arg;
	struct echo_conn *c, *next;

	s->stopping = 1;
	tcp_close_all(&s->ls);
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		svc_echo_conn_close(c);
	}
}

static size_t
svc_echo_pending(void *arg)
{
	return ((struct svc_echo *)arg)->nconns;
}

static void
svc_echo_free(void *arg)
{
	struct svc_echo *s = arg;

	s->stopping = 0;
	while (!LIST_EMPTY(&s->conns))
		svc_echo_conn_free(LIST_FIRST(&s->conns));
	tcp_close_all(&s->ls);
	tcp_close_all(&s->staged_ls);
	tcp_gate_free(&s->gate);
	free(s->buf);
	free(s);
}

static void
svc_echo_stats(void *arg, struct stats *st)
{
	struct svc_echo *s = arg;

	stats_put(st, s->conf->name, "connections", s->nconns);
	stats_put(st, s->conf->name, "connections_accepted", s->accepted);
	stats_put(st, s->conf->name, "refused_max_connections",
	    s->gate.refused);
	stats_put(st, s->conf->name, "refused_per_source",
	    s->gate.refused_source);
	stats_put(st, s->conf->name, "closed_timeout", s->timed_out);
	stats_put(st, s->conf->name, "refused_allow_from", s->gate.denied);
	stats_put(st, s->conf->name, "bytes_in", s->bytes);
	stats_put(st, s->conf->name, "bytes_out", s->bytes_out);
}

const struct service svc_echo = {
	.kind = "echo",
	.proto = "tcp",
	.enabled_default = 1,
	.relisten = 1,
	.keys = echo_keys,
	.create = svc_echo_create,
	.start = svc_echo_start,
	.prepare = svc_echo_prepare,
	.commit = svc_echo_commit,
	.stop = svc_echo_stop,
	.pending = svc_echo_pending,
	.free = svc_echo_free,
	.stats = svc_echo_stats,
};
