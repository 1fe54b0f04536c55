/* SPDX-License-Identifier: MIT */
/*
 * udp_local.h: the local address a datagram was sent to, so that its reply
 * leaves from that address (IP_PKTINFO / IPV6_RECVPKTINFO).
 */
#ifndef NETDEMO_UDP_LOCAL_H
#define NETDEMO_UDP_LOCAL_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* Room for the one control message either family needs. */
#define UDP_LOCAL_CTLLEN	CMSG_SPACE(sizeof(struct in6_pktinfo))

struct udp_local {
	int			 family;	/* 0: let the kernel choose */
	struct in_pktinfo	 v4;
	struct in6_pktinfo	 v6;
};

int	udp_local_enable(int, const struct sockaddr *);
void	udp_local_from(const struct msghdr *, struct udp_local *);
void	udp_local_to(const struct udp_local *, struct msghdr *, void *);

#endif
