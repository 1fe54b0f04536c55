/* SPDX-License-Identifier: MIT */
/*
 * tcp.c: a TCP service's listeners: opening them on the registry's
 * sockets (listen_fds.c), logging where they listen, allow_from at accept,
 * pausing them when accept fails, and swapping them on a reload; and the
 * gate a connection passes at accept (allow_from, max_connections,
 * per_source).
 */
#include <event2/event.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hash.h"
#include "listen_fds.h"
#include "log.h"
#include "service.h"
#include "sock.h"
#include "tcp.h"

#define ACCEPT_RETRY_MSEC	100

/*
 * Left alone, Linux grows a send buffer up to tcp_wmem's max (4 MiB) for a
 * client that never reads (every write still "progresses", so no timeout
 * fires), and a receive buffer as far. Fixed at this (the kernel doubles
 * it for its bookkeeping), a stalled client holds at most a few hundred
 * KiB of kernel memory, and two 16 KiB messages still fit in flight:
 * bench/run's echo loads lost no throughput.
 */
#define TCP_CONN_SOCKBUF	(32 * 1024)

/*
 * allow_from at accept: 0 (logged at most once a second) to refuse. At
 * debug level an admitted connection is logged too, under the same limit.
 */
int
tcp_admit(const struct svc_conf *conf, struct log_limit *lim,
    const struct sockaddr *sa)
{
	char peer[ADDR_STRLEN];

	if (cidrs_match(&conf->allow_from, sa)) {
		if (log_enabled(LOG_LVL_DEBUG))
			log_limited(lim, LOG_LVL_DEBUG, "%s: connection from %s"
			    " accepted", conf->name,
			    addr_format(sa, peer, sizeof peer));
		return 1;
	}
	log_limited(lim, LOG_LVL_WARNING, "%s: connection from %s refused: not"
	    " in allow_from", conf->name, addr_format(sa, peer, sizeof peer));
	return 0;
}

/*
 * A gate for conf's service, its per_source table sized for up to 4096 of
 * its max_connections. Returns 0, or -1 out of memory.
 */
/*
 * An accepted connection's socket options, the same for every TCP kind:
 * TCP_NODELAY (a reply must not wait ~40 ms on Nagle against delayed ACK)
 * and kernel buffers fixed at TCP_CONN_SOCKBUF, so that a client that
 * sends and never reads pins that much kernel memory, not the 4 MiB
 * Linux would grow them to.
 */
void
tcp_conn_setup(evutil_socket_t fd, const char *name)
{
	int on = 1, size = TCP_CONN_SOCKBUF;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
		log_debug("%s: TCP_NODELAY: %s", name, strerror(errno));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) == -1)
		log_debug("%s: socket buffers: %s", name, strerror(errno));
}

int
tcp_gate_init(struct tcp_gate *g, const struct svc_conf *conf)
{
	memset(g, 0, sizeof *g);
	return conn_limit_init(&g->per_source, conf->max_connections < 4096 ?
	    conf->max_connections : 4096, conf->source_prefix4,
	    conf->source_prefix6, hash_random_seed());
}

/*
 * Lets the connection on fd from sa in, counted against its source (undo
 * with tcp_gate_release() when it closes), when allow_from admits sa and
 * fewer than max_connections (nconns) and per_source are open; returns 1.
 * Otherwise counts and logs why, closes fd and returns 0.
 */
int
tcp_gate_admit(struct tcp_gate *g, const struct svc_conf *conf,
    size_t nconns, evutil_socket_t fd, const struct sockaddr *sa)
{
	char peer[ADDR_STRLEN];

	if (!tcp_admit(conf, &g->deny_log, sa)) {
		g->denied++;
		goto refuse;
	}
	if (nconns >= conf->max_connections) {
		g->refused++;
		log_debug("%s: %s refused: %zu connections open", conf->name,
		    addr_format(sa, peer, sizeof peer), nconns);
		goto refuse;
	}
	switch (conn_limit_take(&g->per_source, sa, conf->per_source)) {
	case 1:
		return 1;
	case 0:
		g->refused_source++;
		log_debug("%s: %s refused: per_source limit of %u reached",
		    conf->name, addr_format(sa, peer, sizeof peer),
		    conf->per_source);
		break;
	default:
		log_warnx("%s: %s dropped: out of memory", conf->name,
		    addr_format(sa, peer, sizeof peer));
		break;
	}
refuse:
	close(fd);
	return 0;
}

/* A connection tcp_gate_admit() let in has closed. */
void
tcp_gate_release(struct tcp_gate *g, const struct sockaddr *sa)
{
	conn_limit_give(&g->per_source, sa);
}

/* An admitted connection could not be set up (out of memory). */
void
tcp_gate_drop(struct tcp_gate *g, const struct svc_conf *conf,
    const struct sockaddr *sa)
{
	char peer[ADDR_STRLEN];

	tcp_gate_release(g, sa);
	log_warnx("%s: %s dropped: out of memory", conf->name,
	    addr_format(sa, peer, sizeof peer));
}

void
tcp_gate_free(struct tcp_gate *g)
{
	conn_limit_free(&g->per_source);
}

/*
 * Listens on socket i of conf's service (lent by ctx's registry); cb gets
 * each accepted (non-blocking, close-on-exec) socket. -1 + err on failure.
 */
static int
tcp_listen(struct tcp_listeners *ls, const struct svc_conf *conf, size_t i,
    evconnlistener_cb cb, void *arg, unsigned flags, char *err, size_t errlen)
{
	struct evconnlistener *l;
	char name[ADDR_STRLEN];
	int fd;

	fd = listen_fds_get(ls->ctx->listen_fds, conf, SOCK_STREAM, i, err,
	    errlen);
	if (fd == -1)
		return -1;
	/*
	 * Backlog 0: listen() was called (by sock.c or the service manager).
	 * The registry owns the socket: freeing the listener leaves it open.
	 */
	l = evconnlistener_new(ls->ctx->base, cb, arg, LEV_OPT_CLOSE_ON_EXEC |
	    flags, 0, fd);
	if (l == NULL) {
		snprintf(err, errlen, "cannot create a listener");
		listen_fds_put(ls->ctx->listen_fds, fd);
		return -1;
	}
	ls->v[ls->n] = l;
	ls->fds[ls->n++] = fd;
	log_info("%s: %s listening on tcp %s", conf->name, conf->kind->kind,
	    sock_local_name(fd, name, sizeof name));
	return 0;
}

static void
tcp_set_accepting(struct tcp_listeners *ls, int on)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i] != NULL)
			(on ? evconnlistener_enable :
			    evconnlistener_disable)(ls->v[i]);
}

static void
tcp_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tcp_set_accepting(arg, 1);
}

static int
tcp_open_all(struct svc_ctx *ctx, const struct svc_conf *conf,
    evconnlistener_cb cb, evconnlistener_errorcb errcb, void *arg,
    unsigned flags, struct tcp_listeners *ls, char *err, size_t errlen)
{
	size_t i, n = listen_fds_count(ctx->listen_fds, conf);

	ls->ctx = ctx;
	if ((ls->v = calloc(n ? n : 1, sizeof *ls->v)) == NULL ||
	    (ls->fds = calloc(n ? n : 1, sizeof *ls->fds)) == NULL ||
	    (ls->retry = evtimer_new(ctx->base, tcp_retry_cb, ls)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (tcp_listen(ls, conf, i, cb, arg, flags, err, errlen) == -1)
			return -1;
		evconnlistener_set_error_cb(ls->v[ls->n - 1], errcb);
	}
	return 0;
}

/*
 * Listens on every socket of conf (listen_fds.h); errcb gets accept
 * errors, and must call tcp_pause_accepting(). On failure returns -1 with
 * "listen: ADDR: reason" in err; what was opened stays in ls for
 * tcp_close_all().
 */
int
tcp_listen_all(struct svc_ctx *ctx, const struct svc_conf *conf,
    evconnlistener_cb cb, evconnlistener_errorcb errcb, void *arg,
    struct tcp_listeners *ls, char *err, size_t errlen)
{
	return tcp_open_all(ctx, conf, cb, errcb, arg, 0, ls, err, errlen);
}

/*
 * A reload's half of tcp_listen_all: listeners for a changed listen list,
 * not accepting yet. An address the running ones have shares their socket.
 * tcp_replace() puts them in place, tcp_close_all() drops them.
 */
int
tcp_stage_all(struct svc_ctx *ctx, const struct svc_conf *conf,
    evconnlistener_cb cb, evconnlistener_errorcb errcb, void *arg,
    struct tcp_listeners *ls, char *err, size_t errlen)
{
	return tcp_open_all(ctx, conf, cb, errcb, arg, LEV_OPT_DISABLED, ls,
	    err, errlen);
}

/*
 * The staged listeners replace the running ones, which close (a socket
 * both have stays open, its queued connections with it). cur keeps its
 * retry timer, whose argument is cur.
 */
void
tcp_replace(struct tcp_listeners *cur, struct tcp_listeners *staged)
{
	struct event *retry = cur->retry;
	int paused = retry != NULL && evtimer_pending(retry, NULL);

	cur->retry = NULL;
	tcp_close_all(cur);
	*cur = *staged;
	if (staged->retry != NULL)
		event_free(staged->retry);
	cur->retry = retry;
	memset(staged, 0, sizeof *staged);
	if (!paused)
		tcp_set_accepting(cur, 1);
}

/* Whether b lists other addresses than a: a reload must open them. */
int
tcp_listen_changed(const struct svc_conf *a, const struct svc_conf *b)
{
	size_t i;

	if (a->listen.n != b->listen.n)
		return 1;
	for (i = 0; i < a->listen.n; i++)
		if (!addr_same(&a->listen.v[i], &b->listen.v[i]))
			return 1;
	return 0;
}

/*
 * accept() failed (EMFILE, ENOBUFS...): the pending connection stays in
 * the queue, so accepting again at once would spin. Stops accepting on
 * every listener of service name (nconns open) and retries on a timer.
 */
void
tcp_pause_accepting(struct tcp_listeners *ls, const char *name, size_t nconns)
{
	struct timeval tv = { 0, ACCEPT_RETRY_MSEC * 1000 };

	if (evtimer_pending(ls->retry, NULL))
		return;
	log_warnx("%s: accept: %s; pausing for %d ms (%zu connections open)",
	    name, strerror(EVUTIL_SOCKET_ERROR()), ACCEPT_RETRY_MSEC, nconns);
	tcp_set_accepting(ls, 0);
	evtimer_add(ls->retry, &tv);
}

void
tcp_close_all(struct tcp_listeners *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++) {
		if (ls->v[i] != NULL)
			evconnlistener_free(ls->v[i]);
		listen_fds_put(ls->ctx->listen_fds, ls->fds[i]);
	}
	free(ls->v);
	free(ls->fds);
	ls->v = NULL;
	ls->fds = NULL;
	ls->n = 0;
	if (ls->retry != NULL)
		event_free(ls->retry);
	ls->retry = NULL;
}

/*
 * For a kind that counts per process (metrics, stats): processes sharing
 * its port would answer in turn, and a series would mix their counters.
 */
int
tcp_own_port(const struct svc_conf *conf, const char *kind, char *err,
    size_t errlen)
{
	if (!conf->reuseport)
		return 0;
	snprintf(err, errlen, "reuseport: not for %s (each process has its own"
	    " counters; give each its own port)", kind);
	return -1;
}
