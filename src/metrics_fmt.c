/* SPDX-License-Identifier: MIT */
/*
 * metrics_fmt.c: writes a stats snapshot (and the process_* figures) in the
 * Prometheus text exposition format 0.0.4: per family "# HELP" and "# TYPE"
 * once, then its samples, label values escaped, no timestamps (Prometheus
 * stamps them at scrape). Pure: a snapshot in, text into an evbuffer out.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <string.h>

#include "metrics_fmt.h"
#include "metrics_map.h"
#include "proc_self.h"
#include "stats.h"

#define METRICS_LINE_MAX	1024	/* bytes of one sample line */

/*
 * A sample line is put together in a fixed buffer, then added to the
 * evbuffer at once: one evbuffer call per line keeps a scrape cheap.
 */
struct line {
	char	buf[METRICS_LINE_MAX];
	size_t	len;
	int	overflow;
};

static void
line_add(struct line *l, const char *s, size_t n)
{
	if (n > sizeof l->buf - l->len) {
		l->overflow = 1;
		return;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static void
line_str(struct line *l, const char *s)
{
	line_add(l, s, strlen(s));
}

/* Appends s as a label value: backslash, double quote and newline escaped. */
static void
line_label_value(struct line *l, const char *s)
{
	size_t run;

	for (;;) {
		run = strcspn(s, "\\\"\n");
		line_add(l, s, run);
		s += run;
		if (*s == '\0')
			return;
		line_add(l, *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n", 2);
		s++;
	}
}

/* Appends ,name="value" (or without the comma when first). */
static void
line_label(struct line *l, int first, const char *name, const char *value)
{
	if (!first)
		line_add(l, ",", 1);
	line_str(l, name);
	line_add(l, "=\"", 2);
	line_label_value(l, value);
	line_add(l, "\"", 1);
}

/* Appends " VALUE\n" in decimal. */
static void
line_value(struct line *l, uint64_t v)
{
	char digits[24];
	size_t i = sizeof digits;

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	line_add(l, " ", 1);
	line_add(l, digits + i, sizeof digits - i);
	line_add(l, "\n", 1);
}

int
metrics_fmt_label_value(struct evbuffer *out, const char *s)
{
	struct line l = { .len = 0 };

	line_label_value(&l, s);
	return l.overflow ? -1 : evbuffer_add(out, l.buf, l.len);
}

int
metrics_fmt_family(struct evbuffer *out, const struct metrics_family *f)
{
	return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
	    f->name, f->help, f->name, f->type) < 0 ? -1 : 0;
}

/*
 * One sample of family f from entry e, labelled as f's scope says. A line
 * longer than METRICS_LINE_MAX (a section name of kilobytes) is left out.
 */
static int
fmt_entry(struct evbuffer *out, const struct metrics_family *f,
    const struct stats_entry *e, const struct metrics_ref *ref)
{
	struct line l = { .len = 0 };

	line_str(&l, f->name);
	if (f->scope == METRICS_SECTION || f->label != NULL) {
		line_add(&l, "{", 1);
		if (f->scope == METRICS_SECTION) {
			line_label(&l, 1, "service", e->kind);
			line_label(&l, 0, "section", e->svc);
		}
		if (f->label != NULL)
			line_label(&l, f->scope != METRICS_SECTION, f->label,
			    ref->label_value);
		line_add(&l, "}", 1);
	}
	line_value(&l, e->value);
	return l.overflow ? 0 : evbuffer_add(out, l.buf, l.len);
}

/* Whether entry e belongs in a family of scope sc (totals never do). */
static int
in_scope(const struct stats_entry *e, enum metrics_scope sc)
{
	if (sc == METRICS_SECTION)
		return e->kind != NULL;
	return e->kind == NULL && strcmp(e->svc, STATS_DAEMON) == 0;
}

static int
fmt_families(struct evbuffer *out, const struct stats *st)
{
	struct metrics_ref refs[STATS_MAX];
	const struct metrics_family *f;
	size_t i, fi;

	for (i = 0; i < st->n; i++)
		refs[i] = metrics_map_find(st->e[i].key);
	for (fi = 0; fi < metrics_nfamilies; fi++) {
		f = &metrics_families[fi];
		if (metrics_fmt_family(out, f) == -1)
			return -1;
		for (i = 0; i < st->n; i++)
			if (refs[i].family == (int)fi &&
			    in_scope(&st->e[i], f->scope) &&
			    fmt_entry(out, f, &st->e[i], &refs[i]) == -1)
				return -1;
	}
	return 0;
}

static int
fmt_build_info(struct evbuffer *out, const char *version)
{
	static const struct metrics_family f = { "netdemo_build_info", "gauge",
	    "Always 1, labelled with the version running.", "version",
	    METRICS_DAEMON };

	struct line l = { .len = 0 };

	line_str(&l, f.name);
	line_add(&l, "{", 1);
	line_label(&l, 1, f.label, version);
	line_add(&l, "} 1\n", 4);
	if (l.overflow || metrics_fmt_family(out, &f) == -1)
		return -1;
	return evbuffer_add(out, l.buf, l.len);
}

/* The process_* families every Prometheus client library exports. */
static int
fmt_process(struct evbuffer *out, const struct proc_self *ps)
{
	static const struct metrics_family fs[] = {
		{ "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.", NULL, 0 },
		{ "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes.", NULL, 0 },
		{ "process_open_fds", "gauge",
		    "Number of open file descriptors.", NULL, 0 },
		{ "process_max_fds", "gauge",
		    "Maximum number of open file descriptors.", NULL, 0 },
		{ "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds.",
		    NULL, 0 },
	};

	if (metrics_fmt_family(out, &fs[0]) == -1 ||
	    evbuffer_add_printf(out, "%s %.2f\n", fs[0].name,
	    ps->cpu_seconds) < 0 ||
	    metrics_fmt_family(out, &fs[1]) == -1 ||
	    evbuffer_add_printf(out, "%s %" PRIu64 "\n", fs[1].name,
	    ps->resident_bytes) < 0 ||
	    metrics_fmt_family(out, &fs[2]) == -1 ||
	    evbuffer_add_printf(out, "%s %" PRIu64 "\n", fs[2].name,
	    ps->open_fds) < 0 ||
	    metrics_fmt_family(out, &fs[3]) == -1 ||
	    evbuffer_add_printf(out, "%s %" PRIu64 "\n", fs[3].name,
	    ps->max_fds) < 0 ||
	    metrics_fmt_family(out, &fs[4]) == -1 ||
	    evbuffer_add_printf(out, "%s %.2f\n", fs[4].name,
	    ps->start_time) < 0)
		return -1;
	return 0;
}

/*
 * Renders every family: the mapped ones (each with its HELP and TYPE even
 * before a sample), build info, and the process_* ones when ps is not NULL
 * (/proc readable). -1 when out cannot grow.
 */
int
metrics_render(struct evbuffer *out, const struct stats *st,
    const struct proc_self *ps)
{
	if (fmt_families(out, st) == -1 ||
	    fmt_build_info(out, st->version) == -1)
		return -1;
	return ps != NULL ? fmt_process(out, ps) : 0;
}
