/* SPDX-License-Identifier: MIT */
/* check_stats.c: the counters' snapshot and its "svc.key value" lines. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "run_suite.h"

START_TEST(test_format)
{
	struct stats *st = calloc(1, sizeof *st);
	const char *all = "echo.bytes 12\ndict.found 18446744073709551615\n"
	    STATS_DAEMON ".version 1.2\n";
	char buf[128];

	ck_assert_ptr_nonnull(st);
	st->version = "1.2";
	ck_assert_uint_eq(stats_format(st, buf, sizeof buf),
	    strlen(STATS_DAEMON ".version 1.2\n"));
	stats_put(st, "echo", "bytes", 12);
	stats_put(st, "dict", "found", 18446744073709551615ULL);
	ck_assert_uint_eq(stats_format(st, buf, sizeof buf), strlen(all));
	ck_assert_str_eq(buf, all);
	/* The length counts whole lines only: one that does not fit is out. */
	ck_assert_uint_eq(stats_format(st, buf, 20), 14);
	ck_assert_mem_eq(buf, "echo.bytes 12\n", 14);
	ck_assert_uint_eq(stats_format(st, buf, 14), 0);
	free(st);
}
END_TEST

START_TEST(test_put_bounded)
{
	struct stats *st = calloc(1, sizeof *st);
	size_t i;

	ck_assert_ptr_nonnull(st);
	for (i = 0; i < STATS_MAX + 5; i++)
		stats_put(st, "chat", "members", i);
	ck_assert_uint_eq(st->n, STATS_MAX);
	ck_assert_uint_eq(st->e[STATS_MAX - 1].value, STATS_MAX - 1);
	free(st);
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_put_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(stats_suite());
}
