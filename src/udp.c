/* SPDX-License-Identifier: MIT */
/*
 * udp.c: the shared front of the datagram services: its sockets, and the
 * way in (guard, rate limit, allow_from, size check, the kind's handler).
 *
 * Each readiness event reads up to UDP_BATCH datagrams, UDP_VLEN at a time
 * with recvmmsg, and the replies they cause on that socket leave together
 * with sendmmsg (udp_send.c): a busy socket costs a few system calls per
 * batch, and still lets other sockets in. The receive and send buffers
 * are allocated once per front: the per-datagram path allocates nothing.
 */
#include <errno.h>
#include <event2/event.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "udp_ports.h"
#include "hash.h"
#include "listen_fds.h"
#include "service.h"
#include "log.h"
#include "ratelimit.h"
#include "sock.h"
#include "stats.h"
#include "udp_front.h"

static const char too_long_reply[] = "error: request too long";

/*
 * The length of the request at the start of buf: the text runs up to the
 * first NUL byte (a C client may send its whole fixed-size, NUL-padded
 * buffer) and loses trailing CR and LF (nc and socat send a line). Nothing
 * else is touched: leading blanks may be part of a word.
 */
size_t
udp_request_trim(const char *buf, size_t len)
{
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL)
		len = (size_t)(nul - buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	return len;
}

/*
 * The loop guard, the rate limit and allow_from: a datagram that fails either is dropped
 * without a reply, counted, and logged at most once a second per reason.
 */
static int
udp_source_ok(struct udp_front *f, const struct sockaddr *sa)
{
	char peer[ADDR_STRLEN];
	const char *why = addr_bad_source(sa);

	if (why == NULL && udp_ports_has(f->ctx->udp_ports, addr_port(sa)))
		why = "source port is one of netdemo's own";
	if (why != NULL) {
		f->stats.dropped_bad_source++;
		log_limited(&f->bad_log, LOG_LVL_NOTICE, "%s: datagram from %s"
		    " dropped: %s", f->conf->name,
		    addr_format(sa, peer, sizeof peer), why);
		return 0;
	}
	if (f->rl != NULL && !ratelimit_allow(f->rl, sa, clock_monotonic_ns())) {
		f->stats.dropped_rate++;	/* silently: a flood floods no log */
		return 0;
	}
	if (!cidrs_match(&f->conf->allow_from, sa)) {
		f->stats.dropped_allow_from++;
		log_limited(&f->deny_log, LOG_LVL_WARNING, "%s: datagram from %s"
		    " dropped: not in allow_from", f->conf->name,
		    addr_format(sa, peer, sizeof peer));
		return 0;
	}
	return 1;
}

/*
 * The loop guard's second half (udp_repeat.c): drops buf if its source
 * sent the same datagram a moment ago, or sent back what we last sent it,
 * counted and logged once a second.
 */
static int
udp_repeated(struct udp_front *f, const struct sockaddr *sa, const char *buf,
    size_t n)
{
	char peer[ADDR_STRLEN];

	switch (udp_repeat_seen(&f->repeat, sa, buf, n, clock_monotonic_ns())) {
	case UDP_SEEN_REPEAT:
		f->stats.dropped_repeat++;
		log_limited(&f->repeat_log, LOG_LVL_NOTICE, "%s: datagram from"
		    " %s dropped: the same as its last one (a loop?)",
		    f->conf->name, addr_format(sa, peer, sizeof peer));
		return 1;
	case UDP_SEEN_REFLECTION:
		f->stats.dropped_reflection++;
		log_limited(&f->reflect_log, LOG_LVL_NOTICE, "%s: datagram from"
		    " %s dropped: it ends with our last reply to it (a loop?)",
		    f->conf->name, addr_format(sa, peer, sizeof peer));
		return 1;
	default:
		return 0;
	}
}

/* At debug level, one line (at most a second) per request and its result. */
static void
udp_log_request(struct udp_front *f, const struct sockaddr *sa, size_t n,
    const char *result, uint64_t replies)
{
	char peer[ADDR_STRLEN];

	if (!log_enabled(LOG_LVL_DEBUG))
		return;
	log_limited(&f->req_log, LOG_LVL_DEBUG, "%s: %zu bytes from %s: %s,"
	    " %llu replies", f->conf->name, n, addr_format(sa, peer, sizeof peer),
	    result, (unsigned long long)replies);
}

/* Trims one datagram and hands it to the kind, or refuses it. */
static void
udp_dispatch(struct udp_req *req, const char *buf, size_t n)
{
	struct udp_front *f = req->peer.front;
	const struct sockaddr *sa = (const struct sockaddr *)&req->peer.addr;
	uint64_t tries = f->tries;

	f->stats.received++;
	f->stats.bytes_in += n;
	if (!udp_source_ok(f, sa) || udp_repeated(f, sa, buf, n))
		return;
	req->data = buf;
	req->len = udp_request_trim(buf, n);
	req->raw_len = n;
	if (req->len > f->conf->max_request && !f->pass_oversize) {
		f->stats.too_long++;
		udp_reply(&req->peer, too_long_reply, sizeof too_long_reply - 1);
		udp_log_request(f, sa, n, "too long", f->tries - tries);
		return;
	}
	f->cb(f->arg, req);
	udp_log_request(f, sa, n, "handled", f->tries - tries);
}

/* The errno an ICMP error in cmsg carries, or 0 if cmsg is not one. */
static int
icmp_error(const struct cmsghdr *cm)
{
	const struct sock_extended_err *ee;

	if (!(cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_RECVERR) &&
	    !(cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_RECVERR))
		return 0;
	ee = (const struct sock_extended_err *)(const void *)CMSG_DATA(cm);
	if (ee->ee_origin != SO_EE_ORIGIN_ICMP &&
	    ee->ee_origin != SO_EE_ORIGIN_ICMP6)
		return 0;
	return (int)ee->ee_errno;
}

/*
 * Reads the socket's error queue: with IP_RECVERR each ICMP error waits
 * there, naming in msg_name the peer our datagram went to. Unread, it
 * would surface as a failure of some unrelated later call.
 */
static void
udp_drain_errors(struct udp_sock *s)
{
	struct sockaddr_storage to;
	char ctl[512], data[64];
	struct iovec iov = { data, sizeof data };
	struct msghdr mh;
	struct cmsghdr *cm;
	int i, e;

	for (i = 0; i < UDP_BATCH; i++) {
		memset(&mh, 0, sizeof mh);
		mh.msg_name = &to;
		mh.msg_namelen = sizeof to;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof ctl;
		if (recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
			e = icmp_error(cm);
			if (udp_unreachable_errno(e))
				s->front->unreachable(s->front->arg,
				    (struct sockaddr *)&to);
		}
	}
}

static int udp_set_rate(struct udp_front *, const struct svc_conf *);

/* Receives up to UDP_VLEN datagrams; returns how many, or -1. */
static int
udp_receive(struct udp_front *f, const struct udp_sock *s)
{
	int k;

	for (k = 0; k < UDP_VLEN; k++) {
		f->iniov[k].iov_base = f->inbuf + (size_t)k * UDP_MAX_DGRAM;
		f->iniov[k].iov_len = UDP_MAX_DGRAM;
		memset(&f->inmsg[k].msg_hdr, 0, sizeof f->inmsg[k].msg_hdr);
		f->inmsg[k].msg_hdr.msg_iov = &f->iniov[k];
		f->inmsg[k].msg_hdr.msg_iovlen = 1;
		f->inmsg[k].msg_hdr.msg_name = &f->inaddr[k];
		f->inmsg[k].msg_hdr.msg_namelen = sizeof f->inaddr[k];
		if (s->pktinfo) {
			f->inmsg[k].msg_hdr.msg_control = f->inctl[k].buf;
			f->inmsg[k].msg_hdr.msg_controllen = sizeof f->inctl[k];
		}
	}
	return recvmmsg(s->fd, f->inmsg, UDP_VLEN, MSG_DONTWAIT, NULL);
}

static void
udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct udp_sock *s = arg;
	struct udp_front *f = s->front;
	struct udp_req req;
	int i, k, n;

	(void)what;
	if (f->unreachable != NULL)
		udp_drain_errors(s);
	req.peer.front = f;
	req.peer.fd = fd;
	f->batch_fd = fd;
	for (i = 0; i < UDP_BATCH; i += UDP_VLEN) {
		n = udp_receive(f, s);
		/* EINTR, and an ICMP error reported here instead of a datagram. */
		if (n == -1 && (errno == EINTR || udp_unreachable_errno(errno)))
			continue;
		if (n == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_debug("%s: recvmmsg: %s", f->conf->name,
				    strerror(errno));
			break;
		}
		for (k = 0; k < n; k++) {
			req.peer.len = f->inmsg[k].msg_hdr.msg_namelen;
			memcpy(&req.peer.addr, &f->inaddr[k], req.peer.len);
			req.peer.local.family = 0;
			if (s->pktinfo)
				udp_local_from(&f->inmsg[k].msg_hdr,
				    &req.peer.local);
			udp_dispatch(&req, f->iniov[k].iov_base, f->inmsg[k].msg_len);
		}
		if (n < UDP_VLEN)
			break;
	}
	udp_flush(f);
	f->batch_fd = -1;
}

static int
udp_open_sock(struct udp_front *f, size_t i, char *err, size_t errlen)
{
	struct udp_sock *s = &f->socks[f->nsocks];
	struct listen_fds *lf = f->ctx->listen_fds;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	char name[ADDR_STRLEN];

	if ((s->fd = listen_fds_get(lf, f->conf, SOCK_DGRAM, i, err,
	    errlen)) == -1)
		return -1;
	s->front = f;
	s->port = sock_local_port(s->fd);
	/* Bound here or passed: the address it has says if it is a wildcard. */
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sslen) == -1 ||
	    (s->pktinfo = udp_local_enable(s->fd,
	    (const struct sockaddr *)&ss)) == -1) {
		snprintf(err, errlen, "%s: destination addresses: %s",
		    sock_local_name(s->fd, name, sizeof name), strerror(errno));
		listen_fds_put(lf, s->fd);
		return -1;
	}
	if (udp_ports_add(f->ctx->udp_ports, s->port) == -1) {
		snprintf(err, errlen, "out of memory");
		listen_fds_put(lf, s->fd);
		return -1;
	}
	s->ev = event_new(f->ctx->base, s->fd, EV_READ | EV_PERSIST,
	    udp_read_cb, s);
	if (s->ev == NULL || event_add(s->ev, NULL) == -1) {
		snprintf(err, errlen, "cannot add a read event");
		if (s->ev != NULL)
			event_free(s->ev);
		udp_ports_remove(f->ctx->udp_ports, s->port);
		listen_fds_put(lf, s->fd);
		return -1;
	}
	f->nsocks++;
	log_info("%s: %s listening on udp %s", f->conf->name,
	    f->conf->kind->kind, sock_local_name(s->fd, name, sizeof name));
	return 0;
}

/*
 * Opens every socket of conf (its listen addresses, or the ones passed
 * for it: listen_fds.h) and starts reading; cb gets each request. On
 * failure returns NULL with "listen: ADDR: reason" in err.
 */
struct udp_front *
udp_open(struct svc_ctx *ctx, const struct svc_conf *conf, udp_request_cb *cb,
    void *arg, char *err, size_t errlen)
{
	struct udp_front *f = calloc(1, sizeof *f);
	size_t i, n = listen_fds_count(ctx->listen_fds, conf);

	if (f == NULL || (f->inbuf = malloc(UDP_VLEN * UDP_MAX_DGRAM)) == NULL ||
	    (f->outbuf = malloc(UDP_VLEN * UDP_MAX_DGRAM)) == NULL ||
	    (f->socks = calloc(n ? n : 1, sizeof *f->socks)) == NULL) {
		snprintf(err, errlen, "out of memory");
		udp_close(f);
		return NULL;
	}
	f->ctx = ctx;
	f->conf = conf;
	f->batch_fd = -1;
	udp_repeat_init(&f->repeat, hash_random_seed());
	if (udp_set_rate(f, conf) == -1) {
		snprintf(err, errlen, "out of memory");
		udp_close(f);
		return NULL;
	}
	f->cb = cb;
	f->arg = arg;
	for (i = 0; i < n; i++) {
		if (udp_open_sock(f, i, err, errlen) == -1) {
			udp_close(f);
			return NULL;
		}
	}
	return f;
}

/* Asks the kernel for ICMP errors on every socket and passes them to cb. */
int
udp_watch_unreachable(struct udp_front *f, udp_unreachable_cb *cb)
{
	int on = 1;
	size_t i;

	f->unreachable = cb;
	for (i = 0; i < f->nsocks; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof ss;
		int v6;

		if (getsockname(f->socks[i].fd, (struct sockaddr *)&ss, &len) == -1)
			return -1;
		v6 = ss.ss_family == AF_INET6;
		if (setsockopt(f->socks[i].fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
		    v6 ? IPV6_RECVERR : IP_RECVERR, &on, sizeof on) == -1)
			return -1;
	}
	return 0;
}

/*
 * Whether a socket of the front shares its port (SO_REUSEPORT): a reload
 * keeps the socket, so this, not the conf, says what the kernel does.
 */
int
udp_shares_port(const struct udp_front *f)
{
	socklen_t len;
	size_t i;
	int on;

	for (i = 0; i < f->nsocks; i++) {
		len = sizeof on;
		if (getsockopt(f->socks[i].fd, SOL_SOCKET, SO_REUSEPORT, &on,
		    &len) == 0 && on)
			return 1;
	}
	return 0;
}

/* (Re)creates the rate table for conf's rate and burst; -1: no memory. */
static int
udp_set_rate(struct udp_front *f, const struct svc_conf *conf)
{
	if (conf->rate == 0) {
		free(f->rl);
		f->rl = NULL;
		return 0;
	}
	if (f->rl != NULL && f->rl->rate == conf->rate &&
	    f->rl->burst == conf->burst &&
	    f->rl->prefix4 == conf->source_prefix4 &&
	    f->rl->prefix6 == conf->source_prefix6)
		return 0;
	if (f->rl == NULL && (f->rl = malloc(sizeof *f->rl)) == NULL)
		return -1;
	ratelimit_init(f->rl, conf->rate, conf->burst, conf->source_prefix4,
	    conf->source_prefix6, hash_random_seed());
	return 0;
}

/* A reload's new limits (max_request, reply_size, rate) for the same sockets. */
void
udp_set_conf(struct udp_front *f, const struct svc_conf *conf)
{
	if (f == NULL)
		return;
	f->conf = conf;
	if (udp_set_rate(f, conf) == -1)
		log_warnx("%s: out of memory: rate limit off", conf->name);
}

/*
 * With on, requests longer than max_request reach the kind instead of the
 * front's "request too long": exec drops unsigned ones unanswered, so that
 * only a signed request learns the limit.
 */
void
udp_pass_oversize(struct udp_front *f, int on)
{
	if (f != NULL)
		f->pass_oversize = on;
}

/* Stops reading requests; the sockets stay open for replies in flight. */
void
udp_pause(struct udp_front *f)
{
	size_t i;

	for (i = 0; i < f->nsocks; i++)
		event_del(f->socks[i].ev);
}

/* The front's counters under its service's name; nothing once closed. */
void
udp_put_stats(const struct udp_front *f, struct stats *st)
{
	const char *name;

	if (f == NULL)
		return;
	name = f->conf->name;
	stats_put(st, name, "datagrams_in", f->stats.received);
	stats_put(st, name, "datagrams_out", f->stats.replies);
	stats_put(st, name, "refused_too_long", f->stats.too_long);
	stats_put(st, name, "dropped_send_full", f->stats.send_dropped);
	stats_put(st, name, "errors_send", f->stats.send_errors);
	stats_put(st, name, "bytes_in", f->stats.bytes_in);
	stats_put(st, name, "bytes_out", f->stats.bytes_out);
	stats_put(st, name, "dropped_allow_from", f->stats.dropped_allow_from);
	stats_put(st, name, "dropped_bad_source", f->stats.dropped_bad_source);
	stats_put(st, name, "dropped_rate", f->stats.dropped_rate);
	stats_put(st, name, "dropped_repeat", f->stats.dropped_repeat);
	stats_put(st, name, "dropped_reflection", f->stats.dropped_reflection);
}

void
udp_close(struct udp_front *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nsocks; i++) {
		event_free(f->socks[i].ev);
		udp_ports_remove(f->ctx->udp_ports, f->socks[i].port);
		listen_fds_put(f->ctx->listen_fds, f->socks[i].fd);
	}
	free(f->socks);
	free(f->inbuf);
	free(f->outbuf);
	free(f->rl);
	free(f);
}
