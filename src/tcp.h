/* SPDX-License-Identifier: MIT */
/* tcp.h: a listening TCP socket for a service, as an evconnlistener. */
#ifndef NETDEMO_TCP_H
#define NETDEMO_TCP_H

#include <event2/listener.h>
#include <stddef.h>

struct addr;
struct svc_conf;
struct svc_ctx;

struct log_limit;

/*
 * A TCP service's listeners, one per socket (listen address or passed
 * socket); the sockets are borrowed from ctx->listen_fds (listen_fds.h).
 */
struct tcp_listeners {
	struct svc_ctx		 *ctx;
	struct evconnlistener	**v;		/* NULL: freed by evhttp */
	int			 *fds;
	size_t			  n;
	struct event		 *retry;	/* re-enables them after a pause */
};

int			 tcp_admit(const struct svc_conf *, struct log_limit *,
			    const struct sockaddr *);
int			 tcp_listen_all(struct svc_ctx *, const struct svc_conf *,
			    evconnlistener_cb, evconnlistener_errorcb, void *,
			    struct tcp_listeners *, char *, size_t);
int			 tcp_stage_all(struct svc_ctx *, const struct svc_conf *,
			    evconnlistener_cb, evconnlistener_errorcb, void *,
			    struct tcp_listeners *, char *, size_t);
void			 tcp_replace(struct tcp_listeners *,
			    struct tcp_listeners *);
void			 tcp_pause_accepting(struct tcp_listeners *,
			    const char *, size_t);
int			 tcp_listen_changed(const struct svc_conf *,
			    const struct svc_conf *);
void			 tcp_close_all(struct tcp_listeners *);

#endif
