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

/* Writes s as a label value: backslash, double quote and newline escaped. */
int
metrics_fmt_label_value(struct evbuffer *out, const char *s)
{
	size_t run;
	const char *esc;

	for (;;) {
		run = strcspn(s, "\\\"\n");
		if (run > 0 && evbuffer_add(out, s, run) == -1)
			return -1;
		s += run;
		if (*s == '\0')
			return 0;
		esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n";
		if (evbuffer_add(out, esc, 2) == -1)
			return -1;
		s++;
	}
}

int
metrics_fmt_family(struct evbuffer *out, const struct metrics_family *f)
{
	return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
	    f->name, f->help, f->name, f->type) < 0 ? -1 : 0;
}

/* Writes ,name="value" (or without the comma when first). */
static int
fmt_label(struct evbuffer *out, int first, const char *name,
    const char *value)
{
	if (evbuffer_add_printf(out, "%s%s=\"", first ? "" : ",", name) < 0 ||
	    metrics_fmt_label_value(out, value) == -1 ||
	    evbuffer_add(out, "\"", 1) == -1)
		return -1;
	return 0;
}

/* One sample of family f from entry e, labelled as f's scope says. */
static int
fmt_entry(struct evbuffer *out, const struct metrics_family *f,
    const struct stats_entry *e, const struct metrics_ref *ref)
{
	int first = 1, labelled = f->scope == METRICS_SECTION || f->label != NULL;

	if (evbuffer_add_printf(out, "%s%s", f->name, labelled ? "{" : "") < 0)
		return -1;
	if (f->scope == METRICS_SECTION) {
		if (fmt_label(out, 1, "service", e->kind) == -1 ||
		    fmt_label(out, 0, "section", e->svc) == -1)
			return -1;
		first = 0;
	}
	if (f->label != NULL && fmt_label(out, first, f->label,
	    ref->label_value) == -1)
		return -1;
	if (labelled && evbuffer_add(out, "}", 1) == -1)
			return -1;
	return evbuffer_add_printf(out, " %" PRIu64 "\n", e->value) < 0 ?
	    -1 : 0;
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

	if (metrics_fmt_family(out, &f) == -1 ||
	    evbuffer_add_printf(out, "%s{", f.name) < 0 ||
	    fmt_label(out, 1, f.label, version) == -1)
		return -1;
	return evbuffer_add(out, "} 1\n", 4);
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
