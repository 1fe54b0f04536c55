/* SPDX-License-Identifier: MIT */
/*
 * udp_front.h: the inside of a UDP front, shared by udp.c (sockets, the
 * receive path) and udp_send.c (the reply path); services see only udp.h.
 */
#ifndef NETDEMO_UDP_FRONT_H
#define NETDEMO_UDP_FRONT_H

#include <sys/socket.h>

#include "log.h"
#include "udp.h"
#include "udp_repeat.h"

#define UDP_BATCH	64
#define UDP_VLEN	32
#define UDP_MAX_DGRAM	65536

struct udp_sock {
	struct udp_front	*front;
	int			 fd;
	uint16_t		 port;		/* bound, for the loop guard */
	int			 pktinfo;	/* wildcard: learn each destination */
	struct event		*ev;
};

/* Control data, aligned as a cmsghdr must be. */
union udp_ctl {
	struct cmsghdr		 align;
	char			 buf[UDP_LOCAL_CTLLEN];
};

struct udp_front {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	struct log_limit	 bad_log, deny_log, repeat_log, reflect_log;
	struct log_limit	 req_log;	/* debug: one line a request */
	struct ratelimit	*rl;		/* NULL when rate = 0 */
	udp_request_cb		*cb;
	udp_unreachable_cb	*unreachable;	/* NULL: not watched */
	int			 pass_oversize;	/* the kind checks max_request */
	void			*arg;
	struct udp_sock		*socks;
	size_t			 nsocks;
	struct udp_stats	 stats;
	uint64_t		 tries;		/* reply datagrams, sent or not */
	struct udp_repeat	 repeat;	/* the loop guard's memory (large) */
	/*
	 * recvmmsg and sendmmsg slots, UDP_MAX_DGRAM bytes each: allocated
	 * once, and only the pages datagrams touch become resident.
	 */
	char			*inbuf, *outbuf;
	struct mmsghdr		 inmsg[UDP_VLEN], outmsg[UDP_VLEN];
	struct iovec		 iniov[UDP_VLEN], outiov[UDP_VLEN];
	struct sockaddr_storage	 inaddr[UDP_VLEN], outaddr[UDP_VLEN];
	union udp_ctl		 inctl[UDP_VLEN], outctl[UDP_VLEN];
	int			 nout;		/* replies queued */
	int			 batch_fd;	/* queue replies for it; -1: send now */
};

void	udp_flush(struct udp_front *);
int	udp_unreachable_errno(int);

#endif
