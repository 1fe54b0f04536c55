/* SPDX-License-Identifier: MIT */
/* check_ratelimit.c: the per-source token bucket. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "addr.h"
#include "ratelimit.h"
#include "run_suite.h"

START_TEST(test_rate_limit)
{
	static struct ratelimit rl;
	struct addr a, b;
	char err[64];
	int64_t t = 1000000000LL;	/* 1 s */
	int i, passed = 0;

	ck_assert_int_eq(addr_parse("192.0.2.1:5000", &a, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("192.0.2.2:5000", &b, err, sizeof err), 0);
	ratelimit_init(&rl, 10, 5, 32, 64, 42);
	for (i = 0; i < 20; i++)
		passed += ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t);
	ck_assert_int_eq(passed, 5);		/* the burst, then nothing */
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&b.ss, t));
	ck_assert(!ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t + 50000000));
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t + 100000000));
	/* A second refills 10 tokens, but the bucket holds 5. */
	for (passed = 0, i = 0; i < 20; i++)
		passed += ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t + 2000000000LL);
	ck_assert_int_eq(passed, 5);
	ratelimit_init(&rl, 0, 5, 32, 64, 42);
	for (i = 0; i < 100; i++)
		ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t));
}
END_TEST

static Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_rate_limit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(ratelimit_suite());
}
