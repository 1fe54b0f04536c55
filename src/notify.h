/* SPDX-License-Identifier: MIT */
/* notify.h: the sd_notify protocol: one datagram to $NOTIFY_SOCKET. */
#ifndef NETDEMO_NOTIFY_H
#define NETDEMO_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "log.h"

struct notify {
	int			fd;		/* -1: not under a notifying manager */
	struct sockaddr_un	addr;
	socklen_t		addrlen;
	uint64_t		watchdog_usec;	/* 0: no watchdog */
};

void	notify_init(struct notify *);
void	notify_send(struct notify *, const char *, ...) PRINTFLIKE(2, 3);
void	notify_reloading(struct notify *);
void	notify_close(struct notify *);

#endif
