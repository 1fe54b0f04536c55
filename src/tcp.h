/* SPDX-License-Identifier: MIT */
/* tcp.h: a listening TCP socket for a service, as an evconnlistener. */
#ifndef NETDEMO_TCP_H
#define NETDEMO_TCP_H

#include <event2/listener.h>
#include <stddef.h>

struct addr;
struct event_base;
struct svc_conf;

struct log_limit;

/* A TCP service's listeners, one per listen address. */
struct tcp_listeners {
	struct evconnlistener	**v;
	size_t			  n;
	struct event		 *retry;	/* re-enables them after a pause */
};

int			 tcp_admit(const struct svc_conf *, struct log_limit *,
			    const struct sockaddr *);
int			 tcp_listen_all(struct event_base *base,
			    const struct svc_conf *conf, evconnlistener_cb cb,
			    evconnlistener_errorcb errcb, void *arg,
			    struct tcp_listeners *ls, char *err, size_t errlen);
void			 tcp_pause_accepting(struct tcp_listeners *,
			    const char *, size_t);
void			 tcp_close_all(struct tcp_listeners *);

#endif
