/* SPDX-License-Identifier: MIT */
/*
 * tcp.c: a TCP service's listeners: binding them, logging where they
 * listen, allow_from at accept, and pausing them when accept fails.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "service.h"
#include "sock.h"
#include "tcp.h"

#define ACCEPT_RETRY_MSEC	100

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
 * Listens on a for conf's service; cb gets each accepted (non-blocking,
 * close-on-exec) socket. NULL with the reason in err on failure.
 */
static struct evconnlistener *
tcp_listen(struct event_base *base, const struct svc_conf *conf, const struct addr *a,
    evconnlistener_cb cb, void *arg, char *err, size_t errlen)
{
	struct evconnlistener *l;
	char name[ADDR_STRLEN];
	int fd;

	if ((fd = sock_listen_tcp(a, conf->reuseport, err, errlen)) == -1)
		return NULL;
	/* Backlog 0: sock_listen_tcp has called listen() already. */
	l = evconnlistener_new(base, cb, arg,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (l == NULL) {
		snprintf(err, errlen, "cannot create a listener");
		close(fd);
		return NULL;
	}
	log_info("%s: %s listening on tcp %s", conf->name, conf->kind->kind,
	    sock_local_name(fd, name, sizeof name));
	return l;
}

static void
tcp_set_accepting(struct tcp_listeners *ls, int on)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		(on ? evconnlistener_enable : evconnlistener_disable)(ls->v[i]);
}

static void
tcp_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tcp_set_accepting(arg, 1);
}

/*
 * Listens on every address of conf; errcb gets accept errors, and must
 * call tcp_pause_accepting(). On failure returns -1 with "listen: ADDR:
 * reason" in err; what was opened stays in ls for tcp_close_all().
 */
int
tcp_listen_all(struct event_base *base, const struct svc_conf *conf,
    evconnlistener_cb cb, evconnlistener_errorcb errcb, void *arg,
    struct tcp_listeners *ls, char *err, size_t errlen)
{
	struct evconnlistener *l;
	char why[512];
	size_t i;

	if ((ls->v = calloc(conf->listen.n, sizeof *ls->v)) == NULL ||
	    (ls->retry = evtimer_new(base, tcp_retry_cb, ls)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < conf->listen.n; i++) {
		l = tcp_listen(base, conf, &conf->listen.v[i], cb, arg, why, sizeof why);
		if (l == NULL) {
			snprintf(err, errlen, "listen: %s", why);
			return -1;
		}
		evconnlistener_set_error_cb(l, errcb);
		ls->v[ls->n++] = l;
	}
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

	for (i = 0; i < ls->n; i++)
		evconnlistener_free(ls->v[i]);
	free(ls->v);
	ls->v = NULL;
	ls->n = 0;
	if (ls->retry != NULL)
		event_free(ls->retry);
	ls->retry = NULL;
}
