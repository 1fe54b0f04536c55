/* tcp.c: binding a TCP service's listen address and logging where it listens. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "service.h"
#include "sock.h"
#include "tcp.h"

/* allow_from at accept: 0 (logged at most once a second) to refuse. */
int
tcp_admit(const struct svc_conf *conf, struct log_limit *lim,
    const struct sockaddr *sa)
{
	char peer[ADDR_STRLEN];

	if (cidrs_match(&conf->allow_from, sa))
		return 1;
	log_limited(lim, LOG_LVL_WARNING, "%s: connection from %s refused: not"
	    " in allow_from", conf->name, addr_format(sa, peer, sizeof peer));
	return 0;
}

/*
 * Listens on a for conf's service; cb gets each accepted (non-blocking,
 * close-on-exec) socket. NULL with the reason in err on failure.
 */
struct evconnlistener *
tcp_listen(struct daemon *d, const struct svc_conf *conf, const struct addr *a,
    evconnlistener_cb cb, void *arg, char *err, size_t errlen)
{
	struct evconnlistener *l;
	char name[ADDR_STRLEN];
	int fd;

	if ((fd = sock_listen_tcp(a, err, errlen)) == -1)
		return NULL;
	/* Backlog 0: sock_listen_tcp has called listen() already. */
	l = evconnlistener_new(d->base, cb, arg,
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

/*
 * Listens on every address of conf; errcb (if any) gets accept errors.
 * On failure returns -1 with "listen: ADDR: reason" in err; what was
 * opened stays in ls for tcp_close_all().
 */
int
tcp_listen_all(struct daemon *d, const struct svc_conf *conf,
    evconnlistener_cb cb, evconnlistener_errorcb errcb, void *arg,
    struct tcp_listeners *ls, char *err, size_t errlen)
{
	struct evconnlistener *l;
	char why[512];
	size_t i;

	if ((ls->v = calloc(conf->listen.n, sizeof *ls->v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < conf->listen.n; i++) {
		l = tcp_listen(d, conf, &conf->listen.v[i], cb, arg, why, sizeof why);
		if (l == NULL) {
			snprintf(err, errlen, "listen: %s", why);
			return -1;
		}
		if (errcb != NULL)
			evconnlistener_set_error_cb(l, errcb);
		ls->v[ls->n++] = l;
	}
	return 0;
}

void
tcp_set_accepting(struct tcp_listeners *ls, int on)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		(on ? evconnlistener_enable : evconnlistener_disable)(ls->v[i]);
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
}
