/* SPDX-License-Identifier: MIT */
/*
 * check_metrics.c: the Prometheus side: the key-to-family table, the text
 * writer (escaping, HELP/TYPE once, no timestamps), the /proc parsers, and
 * the stats totals (timestamps never summed, the daemon's own lines).
 */
#include <check.h>
#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "daemon.h"
#include "metrics_fmt.h"
#include "metrics_map.h"
#include "proc_self.h"
#include "service.h"
#include "stats.h"
#include "run_suite.h"

/* Every key a service puts today (udp.c, svc_*.c); each needs its own row. */
static const char *const emitted[] = {
	"datagrams_in", "datagrams_out", "refused_too_long", "dropped_send_full",
	"errors_send", "bytes_in", "bytes_out", "dropped_allow_from",
	"dropped_bad_source", "dropped_rate", "found", "unknown",
	"dict_entries", "dict_loaded_at", "reload_failures", "jobs", "runs",
	"refused_not_allowed", "refused_busy", "dropped_auth_malformed",
	"dropped_auth_stale", "dropped_auth_bad_mac", "dropped_auth_replayed",
	"dropped_auth_replay_full", "members", "messages_relayed",
	"deliveries", "connections", "connections_accepted",
	"refused_max_connections", "refused_per_source", "closed_timeout",
	"refused_allow_from", "scrapes", "not_found", "reloads_ok",
	"reloads_failed", "start_time_seconds", "dropped_repeat",
	"refused_too_long_signed",
};

static const char *
family_of(const char *key)
{
	struct metrics_ref r = metrics_map_find(key);

	return r.family < 0 ? NULL : metrics_families[r.family].name;
}

/* The rendered text, NUL-terminated, for strstr; the caller frees. */
static char *
text_of(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static int
count(const char *hay, const char *needle)
{
	int n = 0;

	while ((hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += strlen(needle);
	}
	return n;
}

START_TEST(test_every_emitted_key_has_a_row)
{
	size_t i;

	for (i = 0; i < sizeof emitted / sizeof emitted[0]; i++) {
		ck_assert_msg(family_of(emitted[i]) != NULL &&
		    strcmp(family_of(emitted[i]), "netdemo_unmapped") != 0,
		    "%s has no row", emitted[i]);
	}
	ck_assert_str_eq(family_of("dropped_rate"), "netdemo_dropped_total");
	ck_assert_str_eq(metrics_map_find("dropped_rate").label_value,
	    "rate_limit");
	ck_assert_str_eq(metrics_map_find("reloads_failed").label_value,
	    "failed");
	ck_assert_ptr_null(family_of("uptime_seconds"));
}
END_TEST

START_TEST(test_unknown_keys_still_show)
{
	struct metrics_ref r = metrics_map_find("dropped_new_reason");

	ck_assert_str_eq(metrics_families[r.family].name,
	    "netdemo_dropped_total");
	ck_assert_str_eq(r.label_value, "new_reason");
	r = metrics_map_find("widgets");
	ck_assert_str_eq(metrics_families[r.family].name, "netdemo_unmapped");
	ck_assert_str_eq(r.label_value, "widgets");
}
END_TEST

START_TEST(test_families_are_well_named)
{
	const struct metrics_family *f;
	size_t i, n;

	for (i = 0; i < metrics_nfamilies; i++) {
		f = &metrics_families[i];
		n = strlen(f->name);
		ck_assert_msg((strcmp(f->type, "counter") == 0) ==
		    (n > 6 && strcmp(f->name + n - 6, "_total") == 0),
		    "%s: counters, and only they, end in _total", f->name);
		ck_assert(strncmp(f->name, "netdemo_", 8) == 0);
	}
}
END_TEST

START_TEST(test_label_values_escaped)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	metrics_fmt_label_value(b, "a\\b\"c\nd");
	s = text_of(b);
	ck_assert_str_eq(s, "a\\\\b\\\"c\\nd");
	free(s);
	evbuffer_free(b);
}
END_TEST

static void
put(struct stats *st, const char *kind, const char *svc, const char *key,
    uint64_t v)
{
	stats_put(st, svc, key, v);
	st->e[st->n - 1].kind = kind;
}

START_TEST(test_render)
{
	struct proc_self ps = { 1.5, 4096, 7, 1024, 1700000000.25 };
	struct evbuffer *b = evbuffer_new();
	struct stats *st = calloc(1, sizeof *st);
	char *s;

	st->version = "9.9";
	put(st, "dict", "d\"1", "found", 3);
	put(st, "dict", "d\"1", "dropped_rate", 2);
	put(st, "dict", "d2", "found", 4);
	put(st, "echo", "echo", "bytes_out", 10);
	put(st, NULL, STATS_TOTAL, "found", 7);
	put(st, NULL, STATS_DAEMON, "reloads_ok", 0);
	put(st, NULL, STATS_DAEMON, "reloads_failed", 1);
	ck_assert_int_eq(metrics_render(b, st, &ps), 0);
	s = text_of(b);
	ck_assert_int_eq(count(s, "# TYPE netdemo_requests_total counter\n"), 1);
	ck_assert_int_eq(count(s, "# HELP netdemo_requests_total "), 1);
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_requests_total{service=\"dict\","
	    "section=\"d\\\"1\",result=\"answered\"} 3\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_requests_total{service=\"dict\","
	    "section=\"d2\",result=\"answered\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_dropped_total{service=\"dict\","
	    "section=\"d\\\"1\",reason=\"rate_limit\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_bytes_sent_total{service=\"echo\","
	    "section=\"echo\"} 10\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_reloads_total{result=\"ok\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_reloads_total{result=\"failed\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nnetdemo_build_info{version=\"9.9\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nprocess_cpu_seconds_total 1.50\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nprocess_open_fds 7\n"));
	ck_assert_ptr_nonnull(strstr(s, "\nprocess_start_time_seconds 1700000000.25\n"));
	/* Totals are Prometheus' to sum; the requests family has 2 samples. */
	ck_assert_int_eq(count(s, "\nnetdemo_requests_total{"), 2);
	ck_assert_ptr_null(strstr(s, "\"total\""));
	free(s);
	free(st);
	evbuffer_free(b);
}
END_TEST

/* No sample carries a timestamp: "name{labels} value", two fields. */
START_TEST(test_no_timestamps)
{
	struct proc_self ps = { 0 };
	struct evbuffer *b = evbuffer_new();
	struct stats *st = calloc(1, sizeof *st);
	char *s, *line, *save;

	st->version = "1";
	put(st, "chat", "chat", "members", 2);
	put(st, NULL, STATS_DAEMON, "start_time_seconds", 5);
	metrics_render(b, st, &ps);
	s = text_of(b);
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#')
			ck_assert_msg(count(line, " ") == 1, "%s", line);
	free(s);
	free(st);
	evbuffer_free(b);
}
END_TEST

/*
 * Ten instances' counters: rendering a scrape costs far under 1 ms. CPU
 * time, not wall time: the test machine may be busy.
 */
START_TEST(test_render_is_cheap)
{
	struct stats *st = calloc(1, sizeof *st);
	struct evbuffer *b = evbuffer_new();
	static char names[10][8];
	struct timespec t0, t1;
	const char *pre = getenv("LD_PRELOAD");
	size_t i, k;
	double ms;
	int r, runs = 200;

	st->version = "1";
	for (i = 0; i < 10; i++) {
		snprintf(names[i], sizeof names[i], "s%zu", i);
		for (k = 0; k < sizeof emitted / sizeof emitted[0] &&
		    st->n < STATS_MAX - 1; k++)
			put(st, "dict", names[i], emitted[k], k);
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (r = 0; r < runs; r++) {
		metrics_render(b, st, NULL);
		evbuffer_drain(b, evbuffer_get_length(b));
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ms = ((t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) /
	    runs;
	/*
	 * Measured where it means something: an optimized build, not under a
	 * sanitizer or valgrind (its preload), which are several times slower.
	 */
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
	if (pre == NULL || strstr(pre, "vgpreload") == NULL)
		ck_assert_msg(ms < 0.5, "%.3f ms a scrape", ms);
#else
	(void)pre;
	(void)ms;
#endif
	free(st);
	evbuffer_free(b);
}
END_TEST

START_TEST(test_proc_stat_parsed)
{
	/* A comm with spaces and a ')' of its own: fields count after the last. */
	const char *text = "4242 (net) demo) S 1 4242 4242 0 -1 4194560 500 0 0 0"
	    " 150 50 0 0 20 0 1 0 123456 12345678 321 18446744073709551615"
	    " 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
	struct proc_stat ps;
	uint64_t bt;

	ck_assert_int_eq(proc_parse_stat(text, &ps), 0);
	ck_assert_uint_eq(ps.utime, 150);
	ck_assert_uint_eq(ps.stime, 50);
	ck_assert_uint_eq(ps.starttime, 123456);
	ck_assert_uint_eq(ps.rss, 321);
	ck_assert_int_eq(proc_parse_stat("4242 (x S 1", &ps), -1);
	ck_assert_int_eq(proc_parse_stat("1 (x) S 1 2\n", &ps), -1);
	ck_assert_int_eq(proc_parse_btime("cpu 1 2 3\nintr 5\nbtime 1700000000\n"
	    "processes 9\n", &bt), 0);
	ck_assert_uint_eq(bt, 1700000000);
	ck_assert_int_eq(proc_parse_btime("cpu 1\nbtimex 3\n", &bt), -1);
	ck_assert_int_eq(proc_parse_btime("btime x\n", &bt), -1);
}
END_TEST

START_TEST(test_proc_self_read)
{
	struct proc_self ps;

	ck_assert_int_eq(proc_self_read(&ps), 0);
	ck_assert_uint_gt(ps.resident_bytes, 0);
	ck_assert_uint_ge(ps.open_fds, 3);
	ck_assert_uint_ge(ps.max_fds, ps.open_fds);
	ck_assert(ps.start_time > 1e9 && ps.start_time <= (double)time(NULL) + 1);
}
END_TEST

/* Two dicts' stats hook, as svc_dict.c puts them. */
static void
fake_dict_stats(void *arg, struct stats *st)
{
	const char *name = arg;

	stats_put(st, name, "dict_loaded_at", 1700000000);
	stats_put(st, name, "found", 2);
}

START_TEST(test_totals_never_sum_timestamps)
{
	static const struct service kind = { .kind = "dict",
	    .stats = fake_dict_stats };
	struct svc_conf confs[2] = { { .name = "a", .kind = &kind },
	    { .name = "b", .kind = &kind } };
	struct svc_run runs[2] = { { &confs[0], "a" }, { &confs[1], "b" } };
	struct daemon d = { .svcs = runs, .nsvcs = 2, .started = 1000,
	    .reloads_ok = 3, .reloads_failed = 1 };
	struct stats *st = calloc(1, sizeof *st);
	char buf[4096];
	size_t n;

	stats_collect(&d, st);
	n = stats_format(st, buf, sizeof buf - 1);
	buf[n] = '\0';
	ck_assert_ptr_nonnull(strstr(buf, "a.dict_loaded_at 1700000000\n"));
	ck_assert_ptr_nonnull(strstr(buf, "b.dict_loaded_at 1700000000\n"));
	ck_assert_ptr_null(strstr(buf, "total.dict_loaded_at"));
	ck_assert_ptr_nonnull(strstr(buf, "total.found 4\n"));
	ck_assert_ptr_nonnull(strstr(buf, "daemon.reloads_ok 3\n"));
	ck_assert_ptr_nonnull(strstr(buf, "daemon.reloads_failed 1\n"));
	ck_assert_ptr_nonnull(strstr(buf, "daemon.start_time_seconds 1000\n"));
	ck_assert_ptr_nonnull(strstr(buf, "daemon.uptime_seconds "));
	ck_assert_ptr_nonnull(strstr(buf, "daemon.version "));
	ck_assert_str_eq(st->e[0].kind, "dict");
	free(st);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_every_emitted_key_has_a_row);
	tcase_add_test(tc, test_unknown_keys_still_show);
	tcase_add_test(tc, test_families_are_well_named);
	tcase_add_test(tc, test_label_values_escaped);
	tcase_add_test(tc, test_render);
	tcase_add_test(tc, test_no_timestamps);
	tcase_add_test(tc, test_render_is_cheap);
	tcase_add_test(tc, test_proc_stat_parsed);
	tcase_add_test(tc, test_proc_self_read);
	tcase_add_test(tc, test_totals_never_sum_timestamps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(metrics_suite());
}
