/* SPDX-License-Identifier: MIT */
/* check_tcp_conn_limit.c: a TCP service's count of open connections per source. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "addr.h"
#include "tcp_conn_limit.h"
#include "run_suite.h"

START_TEST(test_conn_limit)
{
	struct conn_limit cl;
	struct addr a, a2, b;
	char err[64];
	int i;

	ck_assert_int_eq(addr_parse("192.0.2.1:5000", &a, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("192.0.2.1:6000", &a2, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("[2001:db8::1]:5000", &b, err, sizeof err), 0);
	ck_assert_int_eq(conn_limit_init(&cl, 4, 32, 64, 42), 0);
	/* The port does not matter: a2 is the same source as a. */
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 2), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a2.ss, 2), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 2), 0);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&b.ss, 2), 1);
	ck_assert_uint_eq(conn_limit_count(&cl, (struct sockaddr *)&a.ss), 2);
	conn_limit_give(&cl, (struct sockaddr *)&a2.ss);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 2), 1);
	/* Entries go with their last connection: the table stays bounded. */
	conn_limit_give(&cl, (struct sockaddr *)&a.ss);
	conn_limit_give(&cl, (struct sockaddr *)&a.ss);
	conn_limit_give(&cl, (struct sockaddr *)&b.ss);
	ck_assert_uint_eq(cl.nsources, 0);
	/* 0 means no limit, but still counts (a reload may set one). */
	for (i = 0; i < 1000; i++)
		ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 0), 1);
	ck_assert_uint_eq(conn_limit_count(&cl, (struct sockaddr *)&a.ss), 1000);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 1000), 0);
	conn_limit_free(&cl);
}
END_TEST

static Suite *
tcp_conn_limit_suite(void)
{
	Suite *s = suite_create("tcp_conn_limit");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_conn_limit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(tcp_conn_limit_suite());
}
