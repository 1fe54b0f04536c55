/* check_request.c: request trimming, UTF-8 validation and address parsing. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "addr.h"
#include "echo_conn_limit.h"
#include "ratelimit.h"
#include "udp.h"
#include "udp_local.h"
#include "udp_repeat.h"
#include "utf8.h"
#include "run_suite.h"

static size_t
trim_len(const char *buf, size_t len)
{
	return udp_request_trim(buf, len);
}

START_TEST(test_trim)
{
	ck_assert_uint_eq(trim_len("apple", 5), 5);
	ck_assert_uint_eq(trim_len("apple\n", 6), 5);
	ck_assert_uint_eq(trim_len("apple\r\n", 7), 5);
	ck_assert_uint_eq(trim_len("apple\n\n\r", 8), 5);
	ck_assert_uint_eq(trim_len("apple\0\0\0\0", 9), 5);
	ck_assert_uint_eq(trim_len("apple\0junk\n", 11), 5);
	ck_assert_uint_eq(trim_len("apple\n\0", 7), 5);
	ck_assert_uint_eq(trim_len("", 0), 0);
	ck_assert_uint_eq(trim_len("\0apple", 6), 0);
	ck_assert_uint_eq(trim_len("\r\n", 2), 0);
	/* Leading and inner blanks belong to the request. */
	ck_assert_uint_eq(trim_len(" a b \n", 6), 5);
}
END_TEST

START_TEST(test_utf8)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("plain", 5));
	ck_assert(utf8_valid("苹果", strlen("苹果")));
	ck_assert(utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("\xc0\x80", 2));		/* overlong NUL */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert(!utf8_valid("\xe8\x8b", 2));		/* cut short */
	ck_assert(!utf8_valid("a\x80", 2));		/* lone continuation */
}
END_TEST

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

/* A received message whose control data holds one pktinfo. */
static void
pktinfo_msg(struct msghdr *m, void *ctl, int level, int type, const void *p,
    size_t len)
{
	struct cmsghdr *cm = ctl;

	memset(m, 0, sizeof *m);
	memset(ctl, 0, UDP_LOCAL_CTLLEN);
	m->msg_control = ctl;
	m->msg_controllen = CMSG_SPACE(len);
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), p, len);
}

/* udp_local_from() on a received pktinfo for dst (IPv4 or IPv6). */
static void
local_for(const char *dst, unsigned ifindex, struct udp_local *local)
{
	union { struct cmsghdr h; char b[UDP_LOCAL_CTLLEN]; } in;
	struct in_pktinfo p4;
	struct in6_pktinfo p6;
	struct msghdr m;

	memset(&p4, 0, sizeof p4);
	memset(&p6, 0, sizeof p6);
	if (inet_pton(AF_INET, dst, &p4.ipi_addr) == 1) {
		p4.ipi_ifindex = (int)ifindex;
		pktinfo_msg(&m, in.b, IPPROTO_IP, IP_PKTINFO, &p4, sizeof p4);
	} else {
		ck_assert_int_eq(inet_pton(AF_INET6, dst, &p6.ipi6_addr), 1);
		p6.ipi6_ifindex = ifindex;
		pktinfo_msg(&m, in.b, IPPROTO_IPV6, IPV6_PKTINFO, &p6, sizeof p6);
	}
	udp_local_from(&m, local);
}

START_TEST(test_reply_source)
{
	union { struct cmsghdr h; char b[UDP_LOCAL_CTLLEN]; } out;
	struct in_pktinfo *o4;
	struct in6_pktinfo *o6;
	struct udp_local local;
	struct msghdr m, r;
	struct in_addr want4;
	struct in6_addr want6;

	local_for("192.0.2.7", 3, &local);
	ck_assert_int_eq(local.family, AF_INET);
	memset(&r, 0, sizeof r);
	udp_local_to(&local, &r, out.b);
	ck_assert_uint_eq(r.msg_controllen, CMSG_SPACE(sizeof *o4));
	ck_assert_int_eq(CMSG_FIRSTHDR(&r)->cmsg_type, IP_PKTINFO);
	o4 = (struct in_pktinfo *)CMSG_DATA(CMSG_FIRSTHDR(&r));
	/* From the destination, by whatever interface the route picks. */
	inet_pton(AF_INET, "192.0.2.7", &want4);
	ck_assert_uint_eq(o4->ipi_spec_dst.s_addr, want4.s_addr);
	ck_assert_int_eq(o4->ipi_ifindex, 0);

	/* No reply can come from a broadcast or multicast address. */
	local_for("255.255.255.255", 3, &local);
	ck_assert_int_eq(local.family, 0);
	udp_local_to(&local, &r, out.b);
	ck_assert_ptr_null(r.msg_control);
	local_for("224.0.0.9", 3, &local);
	ck_assert_int_eq(local.family, 0);
	local_for("ff02::1", 2, &local);
	ck_assert_int_eq(local.family, 0);

	/* A link-local source keeps its interface. */
	local_for("fe80::1", 2, &local);
	ck_assert_int_eq(local.family, AF_INET6);
	udp_local_to(&local, &r, out.b);
	o6 = (struct in6_pktinfo *)CMSG_DATA(CMSG_FIRSTHDR(&r));
	inet_pton(AF_INET6, "fe80::1", &want6);
	ck_assert_int_eq(memcmp(&o6->ipi6_addr, &want6, 16), 0);
	ck_assert_int_eq(o6->ipi6_ifindex, 2);

	/* No control data: the kernel chooses. */
	memset(&m, 0, sizeof m);
	udp_local_from(&m, &local);
	ck_assert_int_eq(local.family, 0);
}
END_TEST

START_TEST(test_utf8_text)
{
	ck_assert(utf8_text("tab\tand 世界", strlen("tab\tand 世界")));
	ck_assert(utf8_text("é ½ ‐ ​", strlen("é ½ ‐ ​")));
	ck_assert(!utf8_text("\xc2\x9b" "31m", 5));		/* U+009B CSI */
	ck_assert(!utf8_text("\xc2\x85", 2));		/* U+0085 NEL */
	ck_assert(!utf8_text("\xc2\x80", 2));
	ck_assert(utf8_text("\xc2\xa0", 2));		/* U+00A0: text */
	ck_assert(!utf8_text("\xe2\x80\xae", 3));	/* U+202E RLO */
	ck_assert(!utf8_text("\xe2\x81\xa6", 3));	/* U+2066 LRI */
	ck_assert(!utf8_text("\xe2\x80\xa8", 3));	/* U+2028 */
	ck_assert(!utf8_text("\xe2\x80\xa9", 3));	/* U+2029 */
	ck_assert(!utf8_text("\xe2\x80\x8f", 3));	/* U+200F RLM */
	ck_assert(!utf8_text("\x1b", 1));
	ck_assert(!utf8_text("\x7f", 1));
	ck_assert(!utf8_text("\xc0\xaf", 2));		/* overlong */
	ck_assert(utf8_text("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
}
END_TEST

START_TEST(test_repeat_guard)
{
	static struct udp_repeat r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct sockaddr_in b = a;
	const struct sockaddr *sa = (const struct sockaddr *)&a;
	const int64_t ms = 1000000;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	b = a;
	b.sin_port = htons(5001);
	udp_repeat_init(&r, 42);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 1000 * ms), 0);
	/* A loop: the same again at once. */
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 1001 * ms), 1);
	/* Another port is another source; another text passes. */
	ck_assert_int_eq(udp_repeat_seen(&r, (const struct sockaddr *)&b,
	    "apple", 5, 1001 * ms), 0);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "pear", 4, 1002 * ms), 0);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 1003 * ms), 0);
	/* A retry after its timeout passes; a drop does not restart the window. */
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 1400 * ms), 1);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 1503 * ms), 0);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "apple", 5, 2600 * ms), 0);
}
END_TEST

static Suite *
request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_addr_same);
	tcase_add_test(tc, test_bad_sources);
	tcase_add_test(tc, test_cidr_lists);
	tcase_add_test(tc, test_rate_limit);
	tcase_add_test(tc, test_conn_limit);
	tcase_add_test(tc, test_source_prefixes);
	tcase_add_test(tc, test_reply_source);
	tcase_add_test(tc, test_utf8_text);
	tcase_add_test(tc, test_repeat_guard);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(request_suite());
}
