/* SPDX-License-Identifier: MIT */
/*
 * svc_metrics.c: the metrics service: Prometheus scrapes GET /metrics over
 * HTTP/1.1 and gets every counter in the text exposition format 0.0.4
 * (metrics_fmt.c). libevent's own HTTP server (evhttp) parses the requests
 * and cuts off ones too large or too slow; anything but /metrics is a 404.
 * allow_from is checked per request (evhttp takes the accept): a refused
 * peer gets 403 and its connection closed. Keep it on loopback.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "service.h"
#include "log.h"
#include "metrics_fmt.h"
#include "proc_self.h"
#include "service.h"
#include "stats.h"
#include "tcp.h"

#define METRICS_TIMEOUT		10	/* seconds for a request to arrive or a reply to leave */
#define METRICS_MAX_HEADERS	8192	/* bytes of request line and headers */
#define METRICS_MAX_BODY	1024	/* a GET has none */
#define METRICS_FORBIDDEN	403	/* event2/http.h 2.1 names no HTTP_FORBIDDEN */

struct svc_metrics {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	const struct svc_conf	*staged_conf;
	struct evhttp		*http;
	struct tcp_listeners	 ls;
	size_t			 nbound;	/* ls.v[0..nbound) are evhttp's */
	uint64_t		 scrapes, not_found, denied;
	struct log_limit	 deny_log;
};

static const struct conf_key metrics_keys[] = {
	CONF_ALLOW_FROM(CONF_LOOPBACK),
	CONF_KEY_END
};

/* allow_from for this request's peer; a refused one gets 403, then close. */
static int
svc_metrics_admit(struct svc_metrics *s, struct evhttp_request *req)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(req);
	const struct sockaddr *sa = conn != NULL ?
	    evhttp_connection_get_addr(conn) : NULL;

	if (sa != NULL && tcp_admit(s->conf, &s->deny_log, sa))
		return 1;
	s->denied++;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
	    "close");
	evhttp_send_error(req, METRICS_FORBIDDEN, NULL);
	return 0;
}

/* Renders a snapshot into out; -1 when memory runs out. */
static int
svc_metrics_snapshot(struct svc_metrics *s, struct evbuffer *out)
{
	struct stats *st = malloc(sizeof *st);
	struct proc_self ps;
	int rc;

	if (st == NULL)
		return -1;
	s->ctx->collect(s->ctx->owner, st);
	rc = metrics_render(out, st, proc_self_read(&ps) == 0 ? &ps : NULL);
	free(st);
	return rc;
}

static void
svc_metrics_scrape_cb(struct evhttp_request *req, void *arg)
{
	struct svc_metrics *s = arg;
	struct evbuffer *out;

	if (!svc_metrics_admit(s, req))
		return;
	if ((out = evbuffer_new()) == NULL || svc_metrics_snapshot(s, out) == -1) {
		log_warnx("%s: scrape: out of memory", s->conf->name);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		if (out != NULL)
			evbuffer_free(out);
		return;
	}
	s->scrapes++;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

static void
svc_metrics_other_cb(struct evhttp_request *req, void *arg)
{
	struct svc_metrics *s = arg;

	if (!svc_metrics_admit(s, req))
		return;
	s->not_found++;
	evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

static void
svc_metrics_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	/* Never called: evhttp_bind_listener() takes the listener over. */
	(void)l;
	(void)fd;
	(void)sa;
	(void)salen;
	(void)arg;
}

static void
svc_metrics_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct svc_metrics *s = arg;

	(void)l;
	tcp_pause_accepting(&s->ls, s->conf->name, 0);
}

static void *
svc_metrics_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_metrics *s = calloc(1, sizeof *s);

	if (s == NULL || (s->http = evhttp_new(ctx->base)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	evhttp_set_timeout(s->http, METRICS_TIMEOUT);
	evhttp_set_max_headers_size(s->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, METRICS_MAX_BODY);
	/* Not HEAD: evhttp 2.1 would send it the body without a length. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET);
	if (evhttp_set_cb(s->http, "/metrics", svc_metrics_scrape_cb, s) != 0) {
		snprintf(err, errlen, "out of memory");
		evhttp_free(s->http);
		free(s);
		return NULL;
	}
	evhttp_set_gencb(s->http, svc_metrics_other_cb, s);
	service_warn_exposure(conf, "anyone who can connect reads the counters");
	return s;
}

/* Binds through tcp.c (logging, accept pauses), then hands evhttp each listener. */
static int
svc_metrics_start(void *arg, char *err, size_t errlen)
{
	struct svc_metrics *s = arg;
	size_t i;

	if (tcp_listen_all(s->ctx, s->conf, svc_metrics_accept_cb,
	    svc_metrics_accept_error_cb, s, &s->ls, err, errlen) == -1)
		return -1;
	for (i = 0; i < s->ls.n; i++)
		if (evhttp_bind_listener(s->http, s->ls.v[i]) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		} else
			s->nbound++;
	return 0;
}

static int
svc_metrics_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_metrics *s = arg;

	(void)err;
	(void)errlen;
	s->staged_conf = conf;
	return 0;
}

static void
svc_metrics_commit(void *arg, int apply)
{
	struct svc_metrics *s = arg;

	if (apply)
		s->conf = s->staged_conf;
	s->staged_conf = NULL;
}

/*
 * Closes the listeners and any scrape in progress (Prometheus retries at
 * the next interval). evhttp_free() frees the listeners bound to it, so
 * tcp_close_all() frees only the rest (a start that failed half-way), and
 * gives every socket back.
 */
static void
svc_metrics_stop(void *arg)
{
	struct svc_metrics *s = arg;
	size_t i;

	if (s->http == NULL)
		return;
	evhttp_free(s->http);
	s->http = NULL;
	for (i = 0; i < s->nbound; i++)
		s->ls.v[i] = NULL;	/* freed; their sockets go back below */
	s->nbound = 0;
	tcp_close_all(&s->ls);
}

static size_t
svc_metrics_pending(void *arg)
{
	(void)arg;
	return 0;
}

static void
svc_metrics_free(void *arg)
{
	struct svc_metrics *s = arg;

	svc_metrics_stop(s);
	free(s);
}

static void
svc_metrics_stats(void *arg, struct stats *st)
{
	struct svc_metrics *s = arg;

	stats_put(st, s->conf->name, "scrapes", s->scrapes);
	stats_put(st, s->conf->name, "not_found", s->not_found);
	stats_put(st, s->conf->name, "refused_allow_from", s->denied);
}

static int
svc_metrics_check(const struct svc_conf *conf, char *err, size_t errlen)
{
	return tcp_own_port(conf, "metrics", err, errlen);
}

const struct service svc_metrics = {
	.kind = "metrics",
	.proto = "tcp",
	.enabled_default = 1,
	.keys = metrics_keys,
	.check = svc_metrics_check,
	.create = svc_metrics_create,
	.start = svc_metrics_start,
	.prepare = svc_metrics_prepare,
	.commit = svc_metrics_commit,
	.stop = svc_metrics_stop,
	.pending = svc_metrics_pending,
	.free = svc_metrics_free,
	.stats = svc_metrics_stats,
};
