/* SPDX-License-Identifier: MIT */
/*
 * epoll-echo.c: the floor for echo: a minimal single-threaded epoll echo
 * server (read up to 64 KiB, write it back). No limits, no timeouts, no
 * backpressure: as fast as one core can echo. Usage: epoll-echo PORT
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct epoll_event ev, evs[256];
	static char buf[65536];
	int lfd, ep, n, i, fd, on = 1;
	ssize_t got;

	if (argc != 2)
		return 2;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    listen(lfd, 1024) == -1 || (ep = epoll_create1(0)) == -1) {
		perror("epoll-echo");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				if ((fd = accept(lfd, NULL, NULL)) == -1)
					continue;
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
				ev.data.fd = fd;
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				continue;
			}
			if ((got = read(fd, buf, sizeof buf)) <= 0 ||
			    write(fd, buf, (size_t)got) != got)
				close(fd);
		}
	}
}
