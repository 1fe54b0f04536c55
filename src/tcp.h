/* tcp.h: a listening TCP socket for a service, as an evconnlistener. */
#ifndef NETDEMO_TCP_H
#define NETDEMO_TCP_H

#include <event2/listener.h>
#include <stddef.h>

struct addr;
struct daemon;
struct svc_conf;

struct log_limit;

int			 tcp_admit(const struct svc_conf *, struct log_limit *,
			    const struct sockaddr *);
struct evconnlistener	*tcp_listen(struct daemon *, const struct svc_conf *,
			    const struct addr *, evconnlistener_cb, void *,
			    char *, size_t);

#endif
