/* SPDX-License-Identifier: MIT */
/*
 * notify.c: telling systemd (Type=notify) what the daemon is doing.
 *
 * The protocol is one datagram of "KEY=VALUE" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a leading '@' means the abstract namespace);
 * systemd documents it as stable and reimplementable, which is cheaper than
 * linking libsystemd. The variables are removed from the environment at
 * start, so no child ever sees them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "notify.h"

/* Reads $WATCHDOG_USEC, if it is meant for this process. */
static uint64_t
watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");

	if (usec == NULL || (pid != NULL && strtol(pid, NULL, 10) != getpid()))
		return 0;
	return strtoull(usec, NULL, 10);
}

void
notify_init(struct notify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	memset(n, 0, sizeof *n);
	n->fd = -1;
	n->watchdog_usec = watchdog_usec();
	if (path != NULL && (path[0] == '/' || path[0] == '@') &&
	    (len = strlen(path)) < sizeof n->addr.sun_path) {
		n->addr.sun_family = AF_UNIX;
		memcpy(n->addr.sun_path, path, len);
		if (path[0] == '@')
			n->addr.sun_path[0] = '\0';
		n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (n->fd == -1)
			log_warn("NOTIFY_SOCKET: socket");
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* Sends one message; a failure is logged, never fatal. */
void
notify_send(struct notify *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int len;

	if (n->fd == -1)
		return;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof msg)
		len = sizeof msg - 1;
	if (sendto(n->fd, msg, (size_t)len, MSG_NOSIGNAL,
	    (struct sockaddr *)&n->addr, n->addrlen) == -1)
		log_debug("NOTIFY_SOCKET: %s", strerror(errno));
}

/* RELOADING=1 with the CLOCK_MONOTONIC time systemd asks for. */
void
notify_reloading(struct notify *n)
{
	notify_send(n, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)(clock_monotonic_ns() / NSEC_PER_USEC));
}

void
notify_close(struct notify *n)
{
	if (n->fd != -1)
		close(n->fd);
	n->fd = -1;
}
