/* SPDX-License-Identifier: MIT */
/*
 * sock.c: non-blocking, close-on-exec sockets bound to one address.
 *
 * IPv6 sockets set IPV6_V6ONLY explicitly so that 0.0.0.0:P and [::]:P can
 * both be listed whatever net.ipv6.bindv6only says. Like redis's anet.c,
 * these write their error into a buffer: the caller knows which config key
 * the address came from and names it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sock.h"

#define LISTEN_BACKLOG	1024

static int
sock_open(const struct addr *a, int type, int reuseport, char *err,
    size_t errlen)
{
	int fd, on = 1;
	char name[ADDR_STRLEN];
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	addr_format(sa, name, sizeof name);
	fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		snprintf(err, errlen, "%s: socket: %s", name, strerror(errno));
		return -1;
	}
	if ((sa->sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof on) == -1) || (type == SOCK_STREAM &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1) ||
	    (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) == -1)) {
		snprintf(err, errlen, "%s: setsockopt: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, sa, a->len) == -1 || (type == SOCK_STREAM &&
	    listen(fd, LISTEN_BACKLOG) == -1)) {
		snprintf(err, errlen, "%s: %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* reuseport: share the port with other sockets of this user (SO_REUSEPORT). */
int
sock_bind_udp(const struct addr *a, int reuseport, char *err, size_t errlen)
{
	return sock_open(a, SOCK_DGRAM, reuseport, err, errlen);
}

int
sock_listen_tcp(const struct addr *a, int reuseport, char *err, size_t errlen)
{
	return sock_open(a, SOCK_STREAM, reuseport, err, errlen);
}

/* The port fd is bound to (the kernel's choice for port 0), or 0. */
uint16_t
sock_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
		return 0;
	return addr_port((struct sockaddr *)&ss);
}

/* The address fd is bound to, formatted (shows the kernel's port for 0). */
char *
sock_local_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
		snprintf(buf, len, "(unknown: %s)", strerror(errno));
		return buf;
	}
	return addr_format((struct sockaddr *)&ss, buf, len);
}
