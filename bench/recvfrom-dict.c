/* SPDX-License-Identifier: MIT */
/*
 * recvfrom-dict.c: the floor for dict: a minimal blocking recvfrom/sendto
 * loop over the same dictionary table netdemo uses (dict.c), so the two
 * differ only in how datagrams come and go. Usage: recvfrom-dict PORT FILE
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dict.h"

int
main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET }, peer;
	struct diag quiet = { NULL, NULL, 0, 0 };
	socklen_t plen;
	static char buf[65536];
	char err[512];
	struct dict *d;
	const char *v;
	size_t vlen;
	ssize_t n;
	int fd;

	if (argc != 3 || (d = dict_load(argv[2], DICT_MAX_FILE_SIZE, &quiet, err,
	    sizeof err)) == NULL)
		return 2;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (bind(fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		perror("recvfrom-dict");
		return 1;
	}
	for (;;) {
		plen = sizeof peer;
		n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			continue;
		if ((v = dict_lookup(d, buf, strnlen(buf, (size_t)n), &vlen)) == NULL) {
			v = "unknown";
			vlen = 7;
		}
		sendto(fd, v, vlen, 0, (struct sockaddr *)&peer, plen);
	}
}
