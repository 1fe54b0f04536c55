/* SPDX-License-Identifier: MIT */
/*
 * svc_udpecho.c: echo over UDP (RFC 862): each datagram goes back to its
 * source unchanged, as one datagram.
 *
 * Everything that makes echoing safe is the UDP front's, as for every UDP
 * kind: the loop guard (no replies to ports below 1024, to netdemo's own
 * ports, to broadcast or multicast sources, nor to a repeated datagram),
 * allow_from and the rate limit. max_request bounds what is echoed.
 * One more guard is its own: facing a dict that translates a word both
 * ways, the texts it gets alternate, so it also drops the datagram before
 * the last one from the same source (udp_repeat_cycle_seen).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "clock.h"
#include "config.h"
#include "hash.h"
#include "service.h"
#include "stats.h"
#include "udp.h"
#include "udp_repeat.h"

struct svc_udpecho {
	const struct svc_conf	*conf;
	const struct svc_conf	*staged_conf;	/* prepared by a reload */
	struct svc_ctx		*ctx;
	struct udp_front	*udp;
	uint64_t		 echoed, dropped_cycle;
	struct udp_repeat	 cycle;		/* the last two per source */
};

static const struct conf_key udpecho_keys[] = {
	UDP_CONF_KEYS,
	CONF_ALLOW_FROM(CONF_ANYONE),
	CONF_KEY_END
};

static void
svc_udpecho_request(void *arg, const struct udp_req *req)
{
	struct svc_udpecho *s = arg;

	/* The front checked the trimmed length; what goes back is all of it. */
	if (req->raw_len > s->conf->max_request)
		return;
	if (udp_repeat_cycle_seen(&s->cycle,
	    (const struct sockaddr *)&req->peer.addr, req->data, req->raw_len,
	    clock_monotonic_ns())) {
		s->dropped_cycle++;
		return;
	}
	if (udp_reply_raw(&req->peer, req->data, req->raw_len) == 0)
		s->echoed++;
}

static void *
svc_udpecho_create(struct svc_ctx *ctx, const struct svc_conf *conf,
    char *err, size_t errlen)
{
	struct svc_udpecho *s;

	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	udp_repeat_init(&s->cycle, hash_random_seed());
	return s;
}

static int
svc_udpecho_start(void *arg, char *err, size_t errlen)
{
	struct svc_udpecho *s = arg;

	s->udp = udp_open(s->ctx, s->conf, svc_udpecho_request, s, err, errlen);
	return s->udp == NULL ? -1 : 0;
}

static int
svc_udpecho_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_udpecho *s = arg;

	(void)err;
	(void)errlen;
	s->staged_conf = conf;
	return 0;
}

/* New limits (max_request, rate) for the same sockets. */
static void
svc_udpecho_commit(void *arg, int apply)
{
	struct svc_udpecho *s = arg;

	if (apply) {
		s->conf = s->staged_conf;
		udp_set_conf(s->udp, s->conf);
	}
	s->staged_conf = NULL;
}

static void
svc_udpecho_stop(void *arg)
{
	struct svc_udpecho *s = arg;

	udp_close(s->udp);
	s->udp = NULL;
}

static void
svc_udpecho_free(void *arg)
{
	struct svc_udpecho *s = arg;

	udp_close(s->udp);
	free(s);
}

static void
svc_udpecho_stats(void *arg, struct stats *st)
{
	struct svc_udpecho *s = arg;

	udp_put_stats(s->udp, st);
	stats_put(st, s->conf->name, "echoed", s->echoed);
	stats_put(st, s->conf->name, "dropped_cycle", s->dropped_cycle);
}

const struct service svc_udpecho = {
	.kind = "udpecho",
	.proto = "udp",
	.enabled_default = 1,
	.keys = udpecho_keys,
	.create = svc_udpecho_create,
	.start = svc_udpecho_start,
	.prepare = svc_udpecho_prepare,
	.commit = svc_udpecho_commit,
	.stop = svc_udpecho_stop,
	.free = svc_udpecho_free,
	.stats = svc_udpecho_stats,
};
