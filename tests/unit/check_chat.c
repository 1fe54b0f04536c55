/* SPDX-License-Identifier: MIT */
/* check_chat.c: chat's member table and command parser. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "chat_cmd.h"
#include "chat_members.h"
#include "run_suite.h"

static struct udp_peer
peer4(const char *ip, unsigned port)
{
	struct udp_peer p;
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;

	memset(&p, 0, sizeof p);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin->sin_addr);
	p.len = sizeof *sin;
	return p;
}

static struct udp_peer
peer6(const char *ip, unsigned port)
{
	struct udp_peer p;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&p.addr;

	memset(&p, 0, sizeof p);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, ip, &sin6->sin6_addr);
	p.len = sizeof *sin6;
	return p;
}

#define SA(p)	((const struct sockaddr *)&(p).addr)

START_TEST(test_add_find_remove)
{
	struct chat_members *m = members_new(10, 42);
	struct udp_peer a = peer4("127.0.0.1", 5000), b = peer4("127.0.0.1", 5001);
	struct udp_peer c = peer6("::1", 5000);
	struct chat_member *ma, *mb, *mc;

	ma = members_add(m, &a, 1);
	mb = members_add(m, &b, 2);
	mc = members_add(m, &c, 3);
	ck_assert_ptr_nonnull(ma);
	ck_assert_uint_eq(m->count, 3);
	ck_assert_ptr_eq(members_find(m, SA(a)), ma);
	ck_assert_ptr_eq(members_find(m, SA(b)), mb);
	ck_assert_ptr_eq(members_find(m, SA(c)), mc);
	members_remove(m, mb);
	ck_assert_ptr_null(members_find(m, SA(b)));
	ck_assert_ptr_eq(members_find(m, SA(a)), ma);
	ck_assert_uint_eq(m->count, 2);
	members_free(m);
}
END_TEST

START_TEST(test_key_is_address_and_port)
{
	struct chat_members *m = members_new(10, 7);
	struct udp_peer a = peer4("127.0.0.1", 5000);
	struct udp_peer other_port = peer4("127.0.0.1", 5002);
	struct udp_peer other_ip = peer4("127.0.0.2", 5000);
	struct udp_peer mapped = peer6("::ffff:127.0.0.1", 5000);

	members_add(m, &a, 1);
	ck_assert_ptr_null(members_find(m, SA(other_port)));
	ck_assert_ptr_null(members_find(m, SA(other_ip)));
	ck_assert_ptr_null(members_find(m, SA(mapped)));
	/* Stray bytes in sin_zero do not make another member. */
	memset(((struct sockaddr_in *)&a.addr)->sin_zero, 0xff, 8);
	ck_assert_ptr_nonnull(members_find(m, SA(a)));
	members_free(m);
}
END_TEST

START_TEST(test_full)
{
	struct chat_members *m = members_new(2, 1);
	struct udp_peer a = peer4("10.0.0.1", 1), b = peer4("10.0.0.1", 2);
	struct udp_peer c = peer4("10.0.0.1", 3);

	ck_assert_ptr_nonnull(members_add(m, &a, 0));
	ck_assert_ptr_nonnull(members_add(m, &b, 0));
	ck_assert_ptr_null(members_add(m, &c, 0));
	members_remove(m, members_find(m, SA(a)));
	ck_assert_ptr_nonnull(members_add(m, &c, 0));
	members_free(m);
}
END_TEST

START_TEST(test_lru_order)
{
	struct chat_members *m = members_new(10, 3);
	struct udp_peer a = peer4("127.0.0.1", 1), b = peer4("127.0.0.1", 2);
	struct chat_member *ma = members_add(m, &a, 10);
	struct chat_member *mb = members_add(m, &b, 11);

	ck_assert_ptr_eq(TAILQ_FIRST(&m->lru), ma);
	members_touch(m, ma, 20);
	ck_assert_ptr_eq(TAILQ_FIRST(&m->lru), mb);
	ck_assert_ptr_eq(TAILQ_LAST(&m->lru, chat_lru), ma);
	ck_assert_int_eq(ma->last_seen, 20);
	members_free(m);
}
END_TEST

START_TEST(test_many_members)
{
	enum { N = 20000 };
	struct chat_members *m = members_new(N, 99);
	struct udp_peer p;
	int i;

	for (i = 0; i < N; i++) {
		p = peer4(i % 2 ? "127.0.0.1" : "127.0.0.2", 1024 + (unsigned)i / 2);
		ck_assert_ptr_nonnull(members_add(m, &p, i));
	}
	for (i = 0; i < N; i++) {
		p = peer4(i % 2 ? "127.0.0.1" : "127.0.0.2", 1024 + (unsigned)i / 2);
		ck_assert_ptr_nonnull(members_find(m, SA(p)));
	}
	for (i = 0; i < N; i += 2) {
		p = peer4("127.0.0.2", 1024 + (unsigned)i / 2);
		members_remove(m, members_find(m, SA(p)));
	}
	ck_assert_uint_eq(m->count, N / 2);
	members_free(m);
}
END_TEST

START_TEST(test_find_nick)
{
	struct chat_members *m = members_new(4, 5);
	struct udp_peer a = peer4("127.0.0.1", 1);
	struct chat_member *ma = members_add(m, &a, 0);

	strcpy(ma->nick, "ann");
	ck_assert_ptr_eq(members_find_nick(m, "ann"), ma);
	ck_assert_ptr_null(members_find_nick(m, "bob"));
	members_free(m);
}
END_TEST

static enum chat_cmd
parse(const char *s, const char **arg, size_t *len)
{
	return chat_cmd_parse(s, strlen(s), arg, len);
}

START_TEST(test_commands)
{
	const char *arg;
	size_t len;

	ck_assert_int_eq(parse("online", &arg, &len), CHAT_ONLINE);
	ck_assert_int_eq(parse("offline", &arg, &len), CHAT_OFFLINE);
	ck_assert_int_eq(parse("who", &arg, &len), CHAT_WHO);
	ck_assert_int_eq(parse("ping", &arg, &len), CHAT_PING);
	ck_assert_int_eq(parse("ping me", &arg, &len), CHAT_TEXT);
	ck_assert_int_eq(parse("", &arg, &len), CHAT_EMPTY);
	ck_assert_int_eq(parse("Online", &arg, &len), CHAT_TEXT);
	ck_assert_int_eq(parse("online now", &arg, &len), CHAT_TEXT);
	ck_assert_int_eq(parse(" who", &arg, &len), CHAT_TEXT);
	ck_assert_int_eq(parse("hello 世界", &arg, &len), CHAT_TEXT);
	ck_assert_uint_eq(len, strlen("hello 世界"));
}
END_TEST

START_TEST(test_nick_rules)
{
	const char *arg;
	size_t len;

	ck_assert_int_eq(parse("nick bob", &arg, &len), CHAT_NICK);
	ck_assert_uint_eq(len, 3);
	ck_assert(memcmp(arg, "bob", 3) == 0);
	ck_assert_int_eq(parse("nick 小明", &arg, &len), CHAT_NICK);
	ck_assert_int_eq(parse("nick abcdefghijklmnopqrstuvwxyz012345", &arg,
	    &len), CHAT_NICK);		/* 32 characters */
	ck_assert_int_eq(parse("nick abcdefghijklmnopqrstuvwxyz0123456", &arg,
	    &len), CHAT_BAD_NICK);	/* 33 */
	ck_assert_int_eq(parse("nick ", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick a b", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick 1.2.3.4:5", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick x#", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick \x1b[1m", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick \xc2\x9b" "1m", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nick ab\xe2\x80\xae", &arg, &len), CHAT_BAD_NICK);
	ck_assert_int_eq(parse("nickname", &arg, &len), CHAT_TEXT);
}
END_TEST

START_TEST(test_text_rules)
{
	const char *arg;
	size_t len;

	ck_assert_int_eq(parse("tab\tok", &arg, &len), CHAT_TEXT);
	ck_assert_int_eq(parse("esc\x1b[31m", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("bell\a", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("del\x7f", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("bad\xff", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("cut\xe4\xb8", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("csi\xc2\x9b" "2J", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("nel\xc2\x85", &arg, &len), CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("rlo\xe2\x80\xae" "gpj.exe", &arg, &len),
	    CHAT_BAD_TEXT);
	ck_assert_int_eq(parse("ls\xe2\x80\xa8", &arg, &len), CHAT_BAD_TEXT);
}
END_TEST

static Suite *
chat_suite(void)
{
	Suite *s = suite_create("chat");
	TCase *tm = tcase_create("members");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tm, test_add_find_remove);
	tcase_add_test(tm, test_key_is_address_and_port);
	tcase_add_test(tm, test_full);
	tcase_add_test(tm, test_lru_order);
	tcase_add_test(tm, test_many_members);
	tcase_add_test(tm, test_find_nick);
	tcase_add_test(tc, test_commands);
	tcase_add_test(tc, test_nick_rules);
	tcase_add_test(tc, test_text_rules);
	suite_add_tcase(s, tm);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(chat_suite());
}
