/* SPDX-License-Identifier: MIT */
/* tcp.h: a listening TCP socket for a service, as an evconnlistener. */
#ifndef NETDEMO_TCP_H
#define NETDEMO_TCP_H

#include <event2/listener.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "tcp_conn_limit.h"

struct addr;
struct svc_conf;
struct svc_ctx;

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

/*
 * Who a TCP service lets in: allow_from, max_connections and per_source
 * at accept, with the counters of those it turned away (each service
 * emits them under its own stats keys).
 */
struct tcp_gate {
	struct conn_limit	 per_source;	/* open connections per source */
	struct log_limit	 deny_log;
	uint64_t		 denied;	/* not in allow_from */
	uint64_t		 refused;	/* max_connections open */
	uint64_t		 refused_source; /* per_source open */
};

int			 tcp_gate_init(struct tcp_gate *,
			    const struct svc_conf *);
int			 tcp_gate_admit(struct tcp_gate *,
			    const struct svc_conf *, size_t, evutil_socket_t,
			    const struct sockaddr *);
void			 tcp_gate_release(struct tcp_gate *,
			    const struct sockaddr *);
void			 tcp_gate_drop(struct tcp_gate *,
			    const struct svc_conf *, const struct sockaddr *);
void			 tcp_gate_free(struct tcp_gate *);
int			 tcp_own_port(const struct svc_conf *, const char *, char *,
			    size_t);
void			 tcp_conn_setup(evutil_socket_t, const char *);
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
