/* SPDX-License-Identifier: MIT */
/*
 * stats.c: one snapshot of every service's counters, plus totals summed by
 * counter name across services (where a sum means something: never for
 * timestamps), and the daemon's own lines (reloads, start time). SIGUSR1
 * logs it a line per service; the stats service sends it as
 * "service.counter value" lines; the metrics service renders it for
 * Prometheus.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "build_config.h"
#include "log.h"
#include "metrics_map.h"
#include "service.h"
#include "stats.h"

void
stats_put(struct stats *st, const char *svc, const char *key, uint64_t value)
{
	if (st->n < STATS_MAX)
		st->e[st->n++] = (struct stats_entry){ svc, key, value, NULL };
}

/* Adds a "total" entry per summable counter name (keys are static strings). */
static void
stats_add_totals(struct stats *st)
{
	size_t i, j, n = st->n;

	for (i = 0; i < n; i++) {
		if (!metrics_map_find(st->e[i].key).summable)
			continue;
		for (j = n; j < st->n; j++)
			if (strcmp(st->e[j].key, st->e[i].key) == 0)
				break;
		if (j < st->n)
			st->e[j].value += st->e[i].value;
		else
			stats_put(st, STATS_TOTAL, st->e[i].key, st->e[i].value);
	}
}

/* The daemon's own lines, as of now (Unix time). */
void
stats_put_daemon(struct daemon *d, struct stats *st, time_t now)
{
	stats_put(st, STATS_DAEMON, "reloads_ok", d->reloads_ok);
	stats_put(st, STATS_DAEMON, "reloads_failed", d->reloads_failed);
	stats_put(st, STATS_DAEMON, "start_time_seconds", (uint64_t)d->started);
	stats_put(st, STATS_DAEMON, "uptime_seconds",
	    now > d->started ? (uint64_t)(now - d->started) : 0);
}

void
stats_collect(struct daemon *d, struct stats *st)
{
	size_t i, first;

	st->n = 0;
	st->version = NETDEMO_VERSION;
	for (i = 0; i < d->nsvcs; i++) {
		if (d->svcs[i].conf->kind->stats == NULL)
			continue;
		first = st->n;
		d->svcs[i].conf->kind->stats(d->svcs[i].state, st);
		for (; first < st->n; first++)
			st->e[first].kind = d->svcs[i].conf->kind->kind;
	}
	stats_add_totals(st);
	stats_put_daemon(d, st, time(NULL));
}

/* Writes "svc.key value" lines into buf; returns the length. */
size_t
stats_format(const struct stats *st, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	for (i = 0; i < st->n && off < len; i++) {
		n = snprintf(buf + off, len - off, "%s.%s %llu\n", st->e[i].svc,
		    st->e[i].key, (unsigned long long)st->e[i].value);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	n = snprintf(buf + off, len - off, "%s.version %s\n", STATS_DAEMON,
	    st->version);
	if (off < len && n > 0 && (size_t)n < len - off)
		off += (size_t)n;
	return off;
}

/* Logs one line per service: "stats: NAME: key=value ...". */
void
stats_log(struct daemon *d)
{
	struct stats *st = malloc(sizeof *st);
	char line[1024];
	size_t i = 0, off;
	const char *svc;
	int n, daemon;

	if (st == NULL) {
		log_warnx("stats: out of memory");
		return;
	}
	stats_collect(d, st);
	while (i < st->n) {
		svc = st->e[i].svc;
		line[0] = '\0';
		for (off = 0; i < st->n && strcmp(st->e[i].svc, svc) == 0; i++) {
			n = snprintf(line + off, sizeof line - off, " %s=%llu",
			    st->e[i].key, (unsigned long long)st->e[i].value);
			if (n > 0 && (size_t)n < sizeof line - off)
				off += (size_t)n;
		}
		daemon = st->e[i - 1].kind == NULL &&
		    strcmp(svc, STATS_DAEMON) == 0;
		log_notice("stats: %s:%s%s%s", svc, line,
		    daemon ? " version=" : "", daemon ? st->version : "");
	}
	free(st);
}
