/* SPDX-License-Identifier: MIT */
/*
 * udp_local.c: replies from the address the request was sent to.
 *
 * A socket bound to 0.0.0.0 or :: on a host with several addresses would
 * otherwise answer from whatever address the route picks, and a client
 * that checks the source (any connected UDP socket does) never sees the
 * reply. So wildcard sockets ask for each datagram's destination, and the
 * reply names it as its source. Sockets bound to one address need none of
 * this: their source is fixed.
 */
#include <string.h>

#include "addr.h"
#include "udp_local.h"

/*
 * Asks for each datagram's destination on fd when the address it is bound
 * to is the wildcard. Returns 1 if enabled, 0 if not needed, -1 on error.
 */
int
udp_local_enable(int fd, const struct sockaddr *bound)
{
	int on = 1;

	if (!addr_is_wildcard(bound))
		return 0;
	if (bound->sa_family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
		    sizeof on) == -1 ? -1 : 1;
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof on) == -1 ? -1 : 1;
}

/* A unicast destination: a reply may leave from it. */
static int
v4_unicast(struct in_addr a)
{
	return a.s_addr != htonl(INADDR_ANY) &&
	    a.s_addr != htonl(INADDR_BROADCAST) &&
	    !IN_MULTICAST(ntohl(a.s_addr));
}

/*
 * Fills local from a received message's control data; family 0 when it
 * holds none, or when the destination was not a unicast address (a reply
 * cannot come from a broadcast or multicast address).
 */
void
udp_local_from(const struct msghdr *m, struct udp_local *local)
{
	struct cmsghdr *cm;

	local->family = 0;
	for (cm = CMSG_FIRSTHDR(m); cm != NULL;
	    cm = CMSG_NXTHDR((struct msghdr *)m, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&local->v4, CMSG_DATA(cm), sizeof local->v4);
			if (!v4_unicast(local->v4.ipi_addr))
				return;
			/* Source from the destination; the route picks the way. */
			local->v4.ipi_spec_dst = local->v4.ipi_addr;
			local->v4.ipi_ifindex = 0;
			local->family = AF_INET;
			return;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&local->v6, CMSG_DATA(cm), sizeof local->v6);
			if (IN6_IS_ADDR_MULTICAST(&local->v6.ipi6_addr))
				return;
			/* The interface stays: a link-local address needs it. */
			local->family = AF_INET6;
			return;
		}
	}
}

/*
 * Sets m's control data to send from local, in buf (UDP_LOCAL_CTLLEN
 * bytes); no control data when local names no address.
 */
void
udp_local_to(const struct udp_local *local, struct msghdr *m, void *buf)
{
	struct cmsghdr *cm;

	m->msg_control = NULL;
	m->msg_controllen = 0;
	if (local == NULL || local->family == 0)
		return;
	memset(buf, 0, UDP_LOCAL_CTLLEN);
	m->msg_control = buf;
	cm = buf;
	if (local->family == AF_INET) {
		m->msg_controllen = CMSG_SPACE(sizeof local->v4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof local->v4);
		memcpy(CMSG_DATA(cm), &local->v4, sizeof local->v4);
	} else {
		m->msg_controllen = CMSG_SPACE(sizeof local->v6);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof local->v6);
		memcpy(CMSG_DATA(cm), &local->v6, sizeof local->v6);
	}
}
