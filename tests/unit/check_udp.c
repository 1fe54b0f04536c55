/* SPDX-License-Identifier: MIT */
/* check_udp.c: the UDP front's pure parts: request trimming, reply source addresses, the repeat guard. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "addr.h"
#include "udp.h"
#include "udp_local.h"
#include "udp_ports.h"
#include "udp_repeat.h"
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

/* udpecho against a two-way dictionary: apple, 苹果, apple... is a loop. */
START_TEST(test_repeat_cycle_guard)
{
	static struct udp_repeat r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };
	const struct sockaddr *sa = (const struct sockaddr *)&a;
	const int64_t ms = 1000000;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	udp_repeat_init(&r, 42);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "apple", 5, 1000 * ms), 0);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "pear", 4, 1001 * ms), 0);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "apple", 5, 1002 * ms), 1);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "pear", 4, 1003 * ms), 1);
	/* Outside the window both pass again; a third text always does. */
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "fig", 3, 1004 * ms), 0);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "apple", 5, 1600 * ms), 0);
	ck_assert_int_eq(udp_repeat_cycle_seen(&r, sa, "pear", 4, 1601 * ms), 0);
}
END_TEST

/* A peer that sends back what we sent it, with or without a prefix. */
START_TEST(test_reflection_guard)
{
	static struct udp_repeat r;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(5000) };
	struct sockaddr_in b;
	const struct sockaddr *sa = (const struct sockaddr *)&a;
	const struct sockaddr *sb = (const struct sockaddr *)&b;
	const char *ours = "127.0.0.1:5001# online";
	const char *back = "127.0.0.1:5000# 127.0.0.1:5001# online";
	const int64_t ms = 1000000;

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	b = a;
	b.sin_port = htons(5001);
	udp_repeat_init(&r, 42);
	udp_repeat_sent(&r, sa, ours, strlen(ours), 1000 * ms);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, back, strlen(back), 1001 * ms),
	    UDP_SEEN_REFLECTION);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, ours, strlen(ours), 1001 * ms),
	    UDP_SEEN_REFLECTION);
	/* Not from the peer we sent it to; shorter; or too late. */
	ck_assert_int_eq(udp_repeat_seen(&r, sb, back, strlen(back), 1001 * ms),
	    UDP_SEEN_NEW);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "online", 6, 1002 * ms),
	    UDP_SEEN_NEW);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "x online", 8, 1003 * ms),
	    UDP_SEEN_NEW);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, back, strlen(back), 1600 * ms),
	    UDP_SEEN_NEW);
	/* Only the last datagram sent counts. */
	udp_repeat_sent(&r, sa, ours, strlen(ours), 2200 * ms);
	udp_repeat_sent(&r, sa, "something else", 14, 2201 * ms);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, back, strlen(back), 2202 * ms),
	    UDP_SEEN_NEW);
	/* A short reply ("unknown") is not remembered, and forgets the last. */
	udp_repeat_sent(&r, sa, ours, strlen(ours), 3000 * ms);
	udp_repeat_sent(&r, sa, "unknown", 7, 3001 * ms);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, "is it unknown", 13, 3002 * ms),
	    UDP_SEEN_NEW);
	ck_assert_int_eq(udp_repeat_seen(&r, sa, back, strlen(back), 3003 * ms),
	    UDP_SEEN_NEW);
	/* An empty reply must not make every datagram a reflection. */
	udp_repeat_sent(&r, sb, "", 0, 4000 * ms);
	ck_assert_int_eq(udp_repeat_seen(&r, sb, "apple", 5, 4001 * ms),
	    UDP_SEEN_NEW);
}
END_TEST

/*
 * Many more concurrent loops than the table holds, each a source sending
 * its datagram again every turn: the old direct-mapped table, overwritten
 * by every newcomer, never saw one repeat. A turn takes a microsecond a
 * live loop, at least a millisecond. All must die within 10 s (simulated).
 */
START_TEST(test_repeat_guard_thrash)
{
	enum { LOOPS = 60000 };
	static struct udp_repeat r;
	static uint8_t dead[LOOPS];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(22081) };
	const struct sockaddr *sa = (const struct sockaddr *)&a;
	const int64_t start = 1000 * 1000000LL, end = start + 10000 * 1000000LL;
	int64_t now = start, turn_start;
	size_t alive = LOOPS, i;

	udp_repeat_init(&r, 7);
	while (alive > 0 && now < end) {
		turn_start = now;
		for (i = 0; i < LOOPS; i++) {
			if (dead[i])
				continue;
			/* 127.1.x.y, as the attack's spoofed pairs. */
			a.sin_addr.s_addr = htonl(0x7f010000u | (uint32_t)i);
			now += 1000;
			if (udp_repeat_seen(&r, sa, "xyzzy", 5, now) ==
			    UDP_SEEN_REPEAT) {
				dead[i] = 1;
				alive--;
			}
		}
		if (now < turn_start + 1000000)
			now = turn_start + 1000000;
	}
	ck_assert_msg(alive == 0, "%zu loops alive after %lld ms", alive,
	    (long long)((now - start) / 1000000));
}
END_TEST

/* Replies split at a line end, else short of a UTF-8 sequence's middle. */
START_TEST(test_chunk_length)
{
	ck_assert_uint_eq(udp_chunk_length("abc", 3, 3), 3);
	ck_assert_uint_eq(udp_chunk_length("", 0, 64), 0);
	ck_assert_uint_eq(udp_chunk_length("ab\ncd\nef", 8, 7), 6);
	ck_assert_uint_eq(udp_chunk_length("ab\ncdef", 7, 5), 3);
	ck_assert_uint_eq(udp_chunk_length("abcdefgh", 8, 5), 5);
	/* "a" then U+4E2D (3 bytes) then "b": a cut at 2 or 3 is inside it. */
	ck_assert_uint_eq(udp_chunk_length("xya\xe4\xb8\xad" "b", 7, 4), 3);
	ck_assert_uint_eq(udp_chunk_length("xya\xe4\xb8\xad" "b", 7, 5), 3);
	ck_assert_uint_eq(udp_chunk_length("a\xe4\xb8\xad" "b", 5, 3), 1);
	ck_assert_uint_eq(udp_chunk_length("a\xe4\xb8\xad" "b", 5, 4), 4);
}
END_TEST

/* The loop guard's registry: a port bound twice is listed until both go. */
START_TEST(test_ports)
{
	struct udp_ports p = { NULL, 0 };

	ck_assert(!udp_ports_has(&p, 7));
	ck_assert_int_eq(udp_ports_add(&p, 7), 0);
	ck_assert_int_eq(udp_ports_add(&p, 9), 0);
	ck_assert_int_eq(udp_ports_add(&p, 7), 0);
	ck_assert(udp_ports_has(&p, 7) && udp_ports_has(&p, 9));
	udp_ports_remove(&p, 7);
	ck_assert(udp_ports_has(&p, 7));
	udp_ports_remove(&p, 7);
	udp_ports_remove(&p, 11);
	ck_assert(!udp_ports_has(&p, 7) && udp_ports_has(&p, 9));
	udp_ports_free(&p);
	ck_assert(!udp_ports_has(&p, 9));
}
END_TEST

static Suite *
udp_suite(void)
{
	Suite *s = suite_create("udp");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_trim);
	tcase_add_test(tc, test_reply_source);
	tcase_add_test(tc, test_repeat_guard);
	tcase_add_test(tc, test_repeat_cycle_guard);
	tcase_add_test(tc, test_reflection_guard);
	tcase_add_test(tc, test_repeat_guard_thrash);
	tcase_add_test(tc, test_chunk_length);
	tcase_add_test(tc, test_ports);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(udp_suite());
}
