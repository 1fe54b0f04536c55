/* SPDX-License-Identifier: MIT */
/*
 * udp.h: the UDP front every datagram service shares: sockets for its
 * listen addresses, reading all ready datagrams, trimming and size checks,
 * then the kind's handler; udp_reply() sends, split to reply_size.
 */
#ifndef NETDEMO_UDP_H
#define NETDEMO_UDP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"
#include "udp_local.h"

/* The keys every UDP kind shares, as rows of its conf_key table. */
#define UDP_CONF_KEYS							\
	{ "max_request", CONF_UINT, "1024", 1, 65507,			\
	    offsetof(struct svc_conf, max_request) },			\
	{ "reply_size", CONF_UINT, "1200", 64, 65507,			\
	    offsetof(struct svc_conf, reply_size) },			\
	{ "rate", CONF_UINT, "0", 0, 1000000,				\
	    offsetof(struct svc_conf, rate) },				\
	{ "burst", CONF_UINT, "20", 1, 1000000,				\
	    offsetof(struct svc_conf, burst) },				\
	CONF_SOURCE_PREFIXES

struct svc_ctx;
struct stats;
struct udp_front;

/* Where replies go: a copy outlives the request (exec replies later). */
struct udp_peer {
	struct udp_front	*front;
	int			 fd;
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	struct udp_local	 local;		/* where the request was sent */
};

/* One request, trimmed; data is valid only during the handler's call. */
struct udp_req {
	struct udp_peer		 peer;
	const char		*data;
	size_t			 len;
	size_t			 raw_len;	/* data's length before the trim */
};

typedef void udp_request_cb(void *, const struct udp_req *);
/* A peer's port answered ICMP unreachable to something sent to it. */
typedef void udp_unreachable_cb(void *, const struct sockaddr *);

struct udp_stats {
	uint64_t	received;	/* datagrams read */
	uint64_t	too_long;	/* refused for max_request */
	uint64_t	replies;	/* datagrams sent */
	uint64_t	send_dropped;	/* not sent: socket buffer full */
	uint64_t	send_errors;	/* not sent: any other error */
	uint64_t	bytes_in, bytes_out;
	uint64_t	dropped_allow_from;	/* source not allowed */
	uint64_t	dropped_bad_source;	/* loop and reflection guard */
	uint64_t	dropped_rate;		/* over the source's rate */
	uint64_t	dropped_repeat;		/* the source's last datagram again */
	uint64_t	dropped_reflection;	/* ends with our last one to it */
};

struct udp_front	*udp_open(struct svc_ctx *ctx,
			    const struct svc_conf *conf, udp_request_cb *cb,
			    void *arg, char *err, size_t errlen);
int			 udp_reply(const struct udp_peer *, const char *, size_t);
int			 udp_reply_raw(const struct udp_peer *, const char *,
			    size_t);
int			 udp_reply_str(const struct udp_peer *, const char *);
size_t			 udp_request_trim(const char *, size_t);
size_t			 udp_chunk_length(const char *, size_t, size_t);
void			 udp_pause(struct udp_front *);
void			 udp_set_conf(struct udp_front *, const struct svc_conf *);
void			 udp_pass_oversize(struct udp_front *, int);
int			 udp_watch_unreachable(struct udp_front *,
			    udp_unreachable_cb *);
int			 udp_shares_port(const struct udp_front *);
void			 udp_put_stats(const struct udp_front *, struct stats *);
void			 udp_close(struct udp_front *);

#endif
