/* SPDX-License-Identifier: MIT */
/* sock.h: opening bound sockets; errors go into the caller's buffer. */
#ifndef NETDEMO_SOCK_H
#define NETDEMO_SOCK_H

#include <stddef.h>

#include "addr.h"

int	 sock_bind_udp(const struct addr *, int, char *, size_t);
int	 sock_listen_tcp(const struct addr *, int, char *, size_t);
char	*sock_local_name(int, char *, size_t);
uint16_t sock_local_port(int);

#endif
