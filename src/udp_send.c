/* SPDX-License-Identifier: MIT */
/*
 * udp_send.c: how a UDP front's replies leave. Within a read event they
 * are queued and leave together with sendmmsg when the batch ends; any
 * other reply (exec's output, a chat broadcast from a timer) goes at once
 * with sendmsg. Either way from the address the request was sent to, in
 * datagrams of at most reply_size bytes split at line ends. A reply that
 * would block is dropped and counted: UDP promises no delivery, and
 * waiting would stall every other client.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "udp_front.h"

/* Counts a reply that could not go: dropped (socket full) or an error. */
static void
udp_count_failure(struct udp_stats *st)
{
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		st->send_dropped++;
	else
		st->send_errors++;
}

/* Whether e is what an ICMP unreachable error becomes on a UDP socket. */
int
udp_unreachable_errno(int e)
{
	return e == ECONNREFUSED || e == EHOSTUNREACH || e == ENETUNREACH;
}

/* Sends the queued replies; one that fails is counted and skipped. */
void
udp_flush(struct udp_front *f)
{
	int off = 0, n, k, retried = -1;

	while (off < f->nout) {
		n = sendmmsg(f->batch_fd, f->outmsg + off, (unsigned)(f->nout - off),
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			for (k = off; k < off + n; k++)
				f->stats.bytes_out += f->outmsg[k].msg_len;
			f->stats.replies += (uint64_t)n;
			off += n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && udp_unreachable_errno(errno) && retried != off) {
			retried = off;	/* another peer's error: send it again */
			continue;
		}
		udp_count_failure(&f->stats);
		off++;
	}
	f->nout = 0;
}

/*
 * Sets h up to send iov to `to`, whose address is at name (to's own, or a
 * copy that outlives it), from the address its request was sent to.
 */
static void
udp_msg_fill(struct msghdr *h, const struct udp_peer *to, void *name,
    struct iovec *iov, void *ctl)
{
	memset(h, 0, sizeof *h);
	h->msg_name = name;
	h->msg_namelen = to->len;
	h->msg_iov = iov;
	h->msg_iovlen = 1;
	udp_local_to(&to->local, h, ctl);
}

/* Queues a reply for the batch's sendmmsg; 0 once queued. */
static int
udp_queue(struct udp_front *f, const struct udp_peer *to, const char *buf,
    size_t len)
{
	int k;

	if (f->nout == UDP_VLEN)
		udp_flush(f);
	k = f->nout++;
	memcpy(f->outbuf + (size_t)k * UDP_MAX_DGRAM, buf, len);
	memcpy(&f->outaddr[k], &to->addr, to->len);
	f->outiov[k].iov_base = f->outbuf + (size_t)k * UDP_MAX_DGRAM;
	f->outiov[k].iov_len = len;
	udp_msg_fill(&f->outmsg[k].msg_hdr, to, &f->outaddr[k], &f->outiov[k],
	    f->outctl[k].buf);
	return 0;
}

/*
 * Sends one datagram, counting what could not go. An ICMP error that an
 * earlier datagram caused is reported by the next send on the socket,
 * whoever it is for: that one is sent again (the error queue, read
 * separately, says whom the error was for).
 */
static int
udp_send(const struct udp_peer *to, const char *buf, size_t len)
{
	struct udp_stats *st = &to->front->stats;
	struct iovec iov = { (void *)(uintptr_t)buf, len };
	struct msghdr m;
	union udp_ctl ctl;
	int tries;

	to->front->tries++;
	/* For the loop guard: what this peer might send back to us. */
	udp_repeat_sent(&to->front->repeat, (const struct sockaddr *)&to->addr,
	    buf, len, clock_monotonic_ns());
	if (to->fd == to->front->batch_fd && len <= UDP_MAX_DGRAM)
		return udp_queue(to->front, to, buf, len);

	udp_msg_fill(&m, to, (void *)(uintptr_t)&to->addr, &iov, ctl.buf);
	for (tries = 0; tries < 2; tries++) {
		if (sendmsg(to->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) != -1) {
			st->replies++;
			st->bytes_out += len;
			return 0;
		}
		if (!udp_unreachable_errno(errno))
			break;
	}
	udp_count_failure(st);
	return -1;
}

/* How much of buf goes in the next datagram: to a line end if possible. */
size_t
udp_chunk_length(const char *buf, size_t len, size_t max)
{
	size_t cut;

	if (len <= max)
		return len;
	for (cut = max; cut > 0; cut--)
		if (buf[cut - 1] == '\n')
			return cut;
	/* No line end: at least do not split a UTF-8 sequence. */
	for (cut = max; cut > max - 3 && ((unsigned char)buf[cut] & 0xc0) == 0x80;
	    cut--)
		;
	return cut;
}

/*
 * Sends buf to the peer in datagrams of at most reply_size bytes, in
 * order. Returns -1 if any could not be sent.
 */
int
udp_reply(const struct udp_peer *to, const char *buf, size_t len)
{
	size_t max = to->front->conf->reply_size, n;
	int rc = 0;

	if (len == 0)
		return udp_send(to, buf, 0);
	while (len > 0) {
		n = udp_chunk_length(buf, len, max);
		if (udp_send(to, buf, n) == -1)
			rc = -1;
		buf += n;
		len -= n;
	}
	return rc;
}

/* Sends buf as one datagram, as it is, whatever reply_size says (udpecho). */
int
udp_reply_raw(const struct udp_peer *to, const char *buf, size_t len)
{
	return udp_send(to, buf, len);
}

/* udp_reply() for a NUL-terminated text. */
int
udp_reply_str(const struct udp_peer *to, const char *s)
{
	return udp_reply(to, s, strlen(s));
}
