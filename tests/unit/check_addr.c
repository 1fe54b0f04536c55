/* SPDX-License-Identifier: MIT */
/* check_addr.c: address parsing, comparison, bad sources, CIDR lists, and the source prefixes rate and per_source count by. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "addr.h"
#include "tcp_conn_limit.h"
#include "ratelimit.h"
#include "run_suite.h"

static const char *
roundtrip(const char *s)
{
	static char out[ADDR_STRLEN], err[256];
	struct addr a;

	if (addr_parse(s, &a, err, sizeof err) == -1)
		return err;
	return addr_format((struct sockaddr *)&a.ss, out, sizeof out);
}

START_TEST(test_addr)
{
	ck_assert_str_eq(roundtrip("127.0.0.1:8081"), "127.0.0.1:8081");
	ck_assert_str_eq(roundtrip("0.0.0.0:0"), "0.0.0.0:0");
	ck_assert_str_eq(roundtrip("[::1]:80"), "[::1]:80");
	ck_assert_str_eq(roundtrip("[::]:65535"), "[::]:65535");
	ck_assert_str_eq(roundtrip("[2001:DB8::1]:1"), "[2001:db8::1]:1");
	ck_assert_str_eq(roundtrip("127.0.0.1"), "'127.0.0.1': expected HOST:PORT");
	ck_assert_str_eq(roundtrip("[::1]80"), "'[::1]80': expected [IPV6]:PORT");
	ck_assert_str_eq(roundtrip("1.2.3.4:x"), "'1.2.3.4:x': port must be 0..65535");
	ck_assert_str_eq(roundtrip("1.2.3.4:-1"), "'1.2.3.4:-1': port must be 0..65535");
	ck_assert_str_eq(roundtrip("1.2.3.4:"), "'1.2.3.4:': port must be 0..65535");
	ck_assert_str_eq(roundtrip(":80"), "':80': bad host");
	ck_assert(strstr(roundtrip("::1:80"), "not a numeric IPv4") != NULL);
	ck_assert(strstr(roundtrip("[1.2.3.4]:80"), "not a numeric IPv6") != NULL);
}
END_TEST

START_TEST(test_addr_same)
{
	struct addr a, b, c;
	char err[128];

	ck_assert_int_eq(addr_parse("127.0.0.1:5", &a, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("127.0.0.1:5", &b, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("127.0.0.1:6", &c, err, sizeof err), 0);
	ck_assert(addr_same(&a, &b));
	ck_assert(!addr_same(&a, &c));
	ck_assert_uint_eq(addr_port((struct sockaddr *)&c.ss), 6);
}
END_TEST

static int
wildcard(const char *s)
{
	struct addr a;
	char err[128];

	ck_assert_int_eq(addr_parse(s, &a, err, sizeof err), 0);
	return addr_is_wildcard((struct sockaddr *)&a.ss);
}

/* What udp_local.c asks IP_PKTINFO for, and addr_overlap() widens. */
START_TEST(test_addr_is_wildcard)
{
	ck_assert(wildcard("0.0.0.0:53"));
	ck_assert(wildcard("[::]:53"));
	ck_assert(!wildcard("127.0.0.1:53"));
	ck_assert(!wildcard("[::1]:53"));
	ck_assert(!wildcard("[::ffff:0.0.0.0]:53"));
}
END_TEST

static const char *
bad_source(const char *s)
{
	static char err[128];
	struct addr a;

	if (addr_parse(s, &a, err, sizeof err) == -1)
		return err;
	return addr_bad_source((struct sockaddr *)&a.ss);
}

START_TEST(test_bad_sources)
{
	ck_assert_ptr_null(bad_source("127.0.0.1:40000"));
	ck_assert_ptr_null(bad_source("[::1]:1024"));
	ck_assert_ptr_null(bad_source("192.0.2.7:5353"));
	ck_assert_str_eq(bad_source("127.0.0.1:0"), "source port below 1024");
	ck_assert_str_eq(bad_source("127.0.0.1:53"), "source port below 1024");
	ck_assert_ptr_nonnull(bad_source("0.0.0.0:5000"));
	ck_assert_ptr_nonnull(bad_source("0.1.2.3:5000"));
	ck_assert_ptr_nonnull(bad_source("255.255.255.255:5000"));
	ck_assert_ptr_nonnull(bad_source("224.0.0.1:5000"));
	ck_assert_ptr_nonnull(bad_source("239.255.255.250:5000"));
	ck_assert_ptr_nonnull(bad_source("[::]:5000"));
	ck_assert_ptr_nonnull(bad_source("[ff02::1]:5000"));
	ck_assert_ptr_nonnull(bad_source("[::ffff:127.0.0.1]:5000"));
}
END_TEST

START_TEST(test_cidr_lists)
{
	struct cidr v[2];
	struct cidrlist l = { v, 2 };
	struct addr a;
	char err[128];

	ck_assert_int_eq(cidr_parse("10.0.0.0/8", &v[0], err, sizeof err), 0);
	ck_assert_int_eq(cidr_parse("2001:db8::/32", &v[1], err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("10.200.0.1:5", &a, err, sizeof err), 0);
	ck_assert(cidrs_match(&l, (struct sockaddr *)&a.ss));
	ck_assert_int_eq(addr_parse("11.0.0.1:5", &a, err, sizeof err), 0);
	ck_assert(!cidrs_match(&l, (struct sockaddr *)&a.ss));
	ck_assert_int_eq(addr_parse("[2001:db8:1::5]:5", &a, err, sizeof err), 0);
	ck_assert(cidrs_match(&l, (struct sockaddr *)&a.ss));
	ck_assert_int_eq(addr_parse("[2001:db9::5]:5", &a, err, sizeof err), 0);
	ck_assert(!cidrs_match(&l, (struct sockaddr *)&a.ss));
	ck_assert_int_eq(cidr_parse("0.0.0.0/0", &v[0], err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("11.0.0.1:5", &a, err, sizeof err), 0);
	ck_assert(cidrs_match(&l, (struct sockaddr *)&a.ss));
	ck_assert_int_eq(cidr_parse("10.0.0.1/8", &v[0], err, sizeof err), -1);
	ck_assert_int_eq(cidr_parse("10.0.0.0/33", &v[0], err, sizeof err), -1);
	ck_assert_int_eq(cidr_parse("nonsense", &v[0], err, sizeof err), -1);
}
END_TEST

/* One host holds an IPv6 /64: its addresses are one source by default. */
START_TEST(test_source_prefixes)
{
	static struct ratelimit rl;
	struct conn_limit cl;
	struct addr a, a2, b, c, c2;
	char err[64];
	int64_t t = 1000000000LL;

	ck_assert_int_eq(addr_parse("[2001:db8:0:1::1]:5", &a, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("[2001:db8:0:1:ffff::9]:5", &a2, err,
	    sizeof err), 0);
	ck_assert_int_eq(addr_parse("[2001:db8:0:2::1]:5", &b, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("192.0.2.1:5", &c, err, sizeof err), 0);
	ck_assert_int_eq(addr_parse("192.0.2.200:5", &c2, err, sizeof err), 0);
	ck_assert_int_eq(conn_limit_init(&cl, 4, 32, 64, 42), 0);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a2.ss, 1), 0);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&b.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&c.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&c2.ss, 1), 1);
	conn_limit_free(&cl);
	/* Other lengths: every IPv6 address its own, IPv4 by /24. */
	ck_assert_int_eq(conn_limit_init(&cl, 4, 24, 128, 42), 0);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&a2.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&c.ss, 1), 1);
	ck_assert_int_eq(conn_limit_take(&cl, (struct sockaddr *)&c2.ss, 1), 0);
	conn_limit_give(&cl, (struct sockaddr *)&c.ss);
	ck_assert_uint_eq(cl.nsources, 2);
	conn_limit_free(&cl);
	/* The rate limit shares a bucket the same way. */
	ratelimit_init(&rl, 1, 1, 32, 64, 42);
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t));
	ck_assert(!ratelimit_allow(&rl, (struct sockaddr *)&a2.ss, t));
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&b.ss, t));
	ratelimit_init(&rl, 1, 1, 32, 128, 42);
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&a.ss, t));
	ck_assert(ratelimit_allow(&rl, (struct sockaddr *)&a2.ss, t));
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_addr_same);
	tcase_add_test(tc, test_addr_is_wildcard);
	tcase_add_test(tc, test_bad_sources);
	tcase_add_test(tc, test_cidr_lists);
	tcase_add_test(tc, test_source_prefixes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(addr_suite());
}
