/*
 * stats.c: one snapshot of every service's counters, plus totals summed by
 * counter name across services. SIGUSR1 logs it a line per service; the
 * stats service sends it as "service.counter value" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "service.h"
#include "stats.h"

void
stats_put(struct stats *st, const char *svc, const char *key, uint64_t value)
{
	if (st->n < STATS_MAX)
		st->e[st->n++] = (struct stats_entry){ svc, key, value };
}

/* Adds a "total" entry per counter name (keys are static strings). */
static void
stats_add_totals(struct stats *st)
{
	size_t i, j, n = st->n;

	for (i = 0; i < n; i++) {
		for (j = n; j < st->n; j++)
			if (strcmp(st->e[j].key, st->e[i].key) == 0)
				break;
		if (j < st->n)
			st->e[j].value += st->e[i].value;
		else
			stats_put(st, "total", st->e[i].key, st->e[i].value);
	}
}

void
stats_collect(struct daemon *d, struct stats *st)
{
	size_t i;

	st->n = 0;
	for (i = 0; i < d->nsvcs; i++)
		if (d->svcs[i].conf->kind->stats != NULL)
			d->svcs[i].conf->kind->stats(d->svcs[i].state, st);
	stats_add_totals(st);
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
	int n;

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
		log_notice("stats: %s:%s", svc, line);
	}
	free(st);
}
