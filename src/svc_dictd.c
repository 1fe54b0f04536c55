/* SPDX-License-Identifier: MIT */
/*
 * svc_dictd.c: the DICT protocol (RFC 2229) over TCP, serving the tables
 * that dict sections loaded (`databases =`), found through the core's
 * registry (dict_registry.c): the same tables, never loaded twice, and
 * reloaded by the same SIGHUP. doc/dictd-design.md has the plan.
 *
 * This file is the kind: its keys, listeners, who is let in (tcp.c's
 * gate), reloads and stats. dictd_conn.c runs a connection, and
 * dictd_answer.c answers the commands that complete at once.
 */
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dictd_conn.h"
#include "dict_registry.h"
#include "service.h"
#include "stats.h"
#include "tcp.h"

static const struct conf_key dictd_keys[] = {
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "databases", CONF_LIST, NULL, 0, 0,
	    offsetof(struct svc_conf, databases) },
	{ "max_connections", CONF_UINT, "10000", 1, 1000000,
	    offsetof(struct svc_conf, max_connections) },
	{ "per_source", CONF_UINT, "0", 0, 1000000,
	    offsetof(struct svc_conf, per_source) },
	CONF_SOURCE_PREFIXES,
	{ "idle_timeout", CONF_UINT, "300", 0, 604800,
	    offsetof(struct svc_conf, idle_timeout) },
	CONF_KEY_END
};

/* Every database must be an enabled dict section of the same file. */
static int
svc_dictd_check_config(const struct config *conf, const struct svc_conf *sc,
    char *err, size_t errlen)
{
	const struct svc_conf *d;
	size_t i, j;

	if (sc->databases.n > DICTD_DB_MAX) {
		snprintf(err, errlen, "databases: more than %d", DICTD_DB_MAX);
		return -1;
	}
	for (i = 0; i < sc->databases.n; i++) {
		for (j = 0; j < i; j++) {
			if (strcasecmp(sc->databases.v[j], sc->databases.v[i])
			    == 0) {
				snprintf(err, errlen, "databases: '%s' is listed"
				    " twice", sc->databases.v[i]);
				return -1;
			}
		}
		for (j = 0; j < conf->nsvcs; j++) {
			d = &conf->svcs[j];
			if (strcasecmp(d->name, sc->databases.v[i]) == 0 &&
			    d->enabled && strcmp(d->kind->kind, "dict") == 0)
				break;
		}
		if (j == conf->nsvcs) {
			snprintf(err, errlen, "databases: '%s' is no enabled"
			    " dict section", sc->databases.v[i]);
			return -1;
		}
	}
	return 0;
}

static void
svc_dictd_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct svc_dictd *s = arg;

	(void)l;
	if (!tcp_gate_admit(&s->gate, s->conf, s->nconns, fd, sa))
		return;
	if (dictd_conn_new(s, fd, sa, (socklen_t)salen) == -1) {
		tcp_gate_drop(&s->gate, s->conf, sa);
		return;
	}
	s->accepted++;
}

static void
svc_dictd_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct svc_dictd *s = arg;

	(void)l;
	tcp_pause_accepting(&s->ls, s->conf->name, s->nconns);
}

static void *
svc_dictd_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dictd *s = calloc(1, sizeof *s);

	if (s == NULL || tcp_gate_init(&s->gate, conf) == -1) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	s->started = time(NULL);
	LIST_INIT(&s->conns);
	if (gethostname(s->host, sizeof s->host - 1) == -1)
		snprintf(s->host, sizeof s->host, "localhost");
	dict_registry_use_indexes(ctx->dicts, 1);
	return s;
}

static int
svc_dictd_start(void *arg, char *err, size_t errlen)
{
	struct svc_dictd *s = arg;

	service_warn_exposure(s->conf, "anyone may read the dictionaries");
	return tcp_listen_all(s->ctx, s->conf, svc_dictd_accept_cb,
	    svc_dictd_accept_error_cb, s, &s->ls, err, errlen);
}

/* The new databases were checked against the new file (check_config). */
static int
svc_dictd_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dictd *s = arg;

	if (tcp_listen_changed(s->conf, conf) &&
	    tcp_stage_all(s->ctx, conf, svc_dictd_accept_cb,
	    svc_dictd_accept_error_cb, s, &s->staged_ls, err, errlen) == -1) {
		tcp_close_all(&s->staged_ls);
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

static void
svc_dictd_commit(void *arg, int apply)
{
	struct svc_dictd *s = arg;
	struct dictd_conn *c;

	if (apply) {
		s->conf = s->staged_conf;
		LIST_FOREACH(c, &s->conns, entry)
			dictd_conn_set_timeouts(c);
		if (s->staged_ls.v != NULL)
			tcp_replace(&s->ls, &s->staged_ls);
	}
	tcp_close_all(&s->staged_ls);
	s->staged_conf = NULL;
}

static void
svc_dictd_stop(void *arg)
{
	struct svc_dictd *s = arg;
	struct dictd_conn *c, *next;

	s->stopping = 1;
	tcp_close_all(&s->ls);
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->job == NULL)
			dictd_conn_close(c);
	}
}

static size_t
svc_dictd_pending(void *arg)
{
	return ((struct svc_dictd *)arg)->nconns;
}

static void
svc_dictd_free(void *arg)
{
	struct svc_dictd *s = arg;

	s->stopping = 0;
	while (!LIST_EMPTY(&s->conns))
		dictd_conn_free(LIST_FIRST(&s->conns));
	tcp_close_all(&s->ls);
	tcp_close_all(&s->staged_ls);
	tcp_gate_free(&s->gate);
	dict_registry_use_indexes(s->ctx->dicts, 0);
	free(s);
}

static void
svc_dictd_stats(void *arg, struct stats *st)
{
	struct svc_dictd *s = arg;

	stats_put(st, s->conf->name, "connections", s->nconns);
	stats_put(st, s->conf->name, "connections_accepted", s->accepted);
	stats_put(st, s->conf->name, "refused_max_connections",
	    s->gate.refused);
	stats_put(st, s->conf->name, "refused_per_source",
	    s->gate.refused_source);
	stats_put(st, s->conf->name, "refused_allow_from", s->gate.denied);
	stats_put(st, s->conf->name, "closed_timeout", s->timed_out);
	stats_put(st, s->conf->name, "commands", s->commands);
	stats_put(st, s->conf->name, "defines", s->defines);
	stats_put(st, s->conf->name, "matches", s->matches);
	stats_put(st, s->conf->name, "command_errors", s->errors);
	stats_put(st, s->conf->name, "lines_too_long", s->too_long);
}

const struct service svc_dictd = {
	.kind = "dictd",
	.proto = "tcp",
	.enabled_default = 1,
	.keys = dictd_keys,
	.check_config = svc_dictd_check_config,
	.create = svc_dictd_create,
	.start = svc_dictd_start,
	.prepare = svc_dictd_prepare,
	.commit = svc_dictd_commit,
	.stop = svc_dictd_stop,
	.pending = svc_dictd_pending,
	.free = svc_dictd_free,
	.stats = svc_dictd_stats,
};
