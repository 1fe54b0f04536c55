/* SPDX-License-Identifier: MIT */
/* run_suite.h: the main() every Check suite here shares. */
#ifndef NETDEMO_TEST_RUN_SUITE_H
#define NETDEMO_TEST_RUN_SUITE_H

#include <check.h>

/* Runs s (forking per test unless CK_FORK=no) and returns the exit status. */
static inline int
run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

#endif
