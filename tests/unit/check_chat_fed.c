/* SPDX-License-Identifier: MIT */
/* check_chat_fed.c: chat federation's URL, room names and bus message form. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "chat_fed_msg.h"
#include "run_suite.h"

static int
url(const char *s, struct chat_fed_url *u)
{
	char err[256];

	return chat_fed_url_parse(s, u, err, sizeof err);
}

START_TEST(test_url)
{
	struct chat_fed_url u;

	ck_assert_int_eq(url("redis://127.0.0.1:6379", &u), 0);
	ck_assert_str_eq(u.host, "127.0.0.1");
	ck_assert_int_eq(u.port, 6379);
	ck_assert_uint_eq(u.db, 0);
	ck_assert_int_eq(url("redis://[::1]:7/12", &u), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_int_eq(u.port, 7);
	ck_assert_uint_eq(u.db, 12);
	ck_assert_int_eq(url("redis://localhost:6379", &u), -1);
	ck_assert_int_eq(url("redis://::1:6379", &u), -1);
	ck_assert_int_eq(url("redis://[127.0.0.1]:6379", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1:0", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1:65536", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1:6379/", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1:6379/x", &u), -1);
	ck_assert_int_eq(url("redis://127.0.0.1:6379/99999999999", &u), -1);
	ck_assert_int_eq(url("rediss://127.0.0.1:6379", &u), -1);
	ck_assert_int_eq(url("http://127.0.0.1:6379", &u), -1);
	ck_assert_int_eq(url("redis://:6379", &u), -1);
}
END_TEST

START_TEST(test_room)
{
	char longroom[CHAT_FED_ROOM_MAX + 2];

	ck_assert(chat_fed_room_ok("chat"));
	ck_assert(chat_fed_room_ok("site-1.lobby_2"));
	ck_assert(!chat_fed_room_ok(""));
	ck_assert(!chat_fed_room_ok("a b"));
	ck_assert(!chat_fed_room_ok("a:b"));
	ck_assert(!chat_fed_room_ok("a*"));
	memset(longroom, 'r', sizeof longroom - 1);
	longroom[sizeof longroom - 1] = '\0';
	ck_assert(!chat_fed_room_ok(longroom));
	longroom[CHAT_FED_ROOM_MAX] = '\0';
	ck_assert(chat_fed_room_ok(longroom));
}
END_TEST

static int
decode(const char *s, size_t max, uint64_t *id, const char **line,
    size_t *len)
{
	return chat_fed_decode(s, strlen(s), max, id, line, len);
}

START_TEST(test_round_trip)
{
	char buf[256];
	const char *line;
	size_t n, len;
	uint64_t id;

	n = chat_fed_encode(buf, sizeof buf, 0x0123456789abcdefULL,
	    "bob# hi 世界", strlen("bob# hi 世界"));
	ck_assert_str_eq(buf, "nd1 0123456789abcdef bob# hi 世界");
	ck_assert_uint_eq(n, strlen(buf));
	ck_assert_int_eq(chat_fed_decode(buf, n, 100, &id, &line, &len), 0);
	ck_assert(id == 0x0123456789abcdefULL);
	ck_assert_uint_eq(len, strlen("bob# hi 世界"));
	ck_assert(memcmp(line, "bob# hi 世界", len) == 0);
	ck_assert_int_eq(decode("nd1 0000000000000001 [::1]:5# x", 1, &id,
	    &line, &len), 0);
	/* Too small a buffer: nothing, not a cut message. */
	ck_assert_uint_eq(chat_fed_encode(buf, 24, 1, "bob# hi", 7), 0);
}
END_TEST

START_TEST(test_hostile)
{
	static const char *bad[] = {
		"",
		"nd1",
		"nd2 0123456789abcdef bob# hi",
		"nd1 0123456789ABCDEF bob# hi",		/* upper-case id */
		"nd1 0123456789abcde bob# hi",
		"nd1 0123456789abcdefXbob# hi",
		"nd1 0123456789abcdef bob hi",		/* no mark */
		"nd1 0123456789abcdef # hi",		/* no name */
		"nd1 0123456789abcdef bo b# hi",	/* blank in the name */
		"nd1 0123456789abcdef bob#hi",		/* no blank after # */
		"nd1 0123456789abcdef bob# ",		/* no text */
		"nd1 0123456789abcdef bob# \x1b[2J",	/* C0 */
		"nd1 0123456789abcdef bob# \xc2\x9b" "1m",	/* C1 */
		"nd1 0123456789abcdef bob# \xe2\x80\xae" "evil",	/* bidi */
		"nd1 0123456789abcdef bob# \xc0\xaf",	/* overlong */
		"nd1 0123456789abcdef b\x07# hi",	/* control in the name */
		"nd1 0123456789abcdef bob# 0123456789x",	/* over max */
	};
	const char *line;
	size_t i, len;
	uint64_t id;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(decode(bad[i], 10, &id, &line, &len) == -1,
		    "accepted %zu", i);
	ck_assert_int_eq(decode("nd1 0123456789abcdef bob# 0123456789", 10,
	    &id, &line, &len), 0);
	/* A NUL inside is not text either. */
	ck_assert_int_eq(chat_fed_decode("nd1 0123456789abcdef bob# a\0b", 29,
	    10, &id, &line, &len), -1);
}
END_TEST

START_TEST(test_names)
{
	ck_assert(chat_fed_name_ok("alice", 5));
	ck_assert(chat_fed_name_ok("[::1]:5", 7));
	ck_assert(!chat_fed_name_ok("", 0));
	ck_assert(!chat_fed_name_ok("a b", 3));
	ck_assert(!chat_fed_name_ok("a#", 2));
	ck_assert(!chat_fed_name_ok("a\n", 2));
	ck_assert(!chat_fed_name_ok("\xff", 1));
}
END_TEST

static Suite *
chat_fed_suite(void)
{
	Suite *s = suite_create("chat_fed");
	TCase *tc = tcase_create("msg");

	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_room);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(chat_fed_suite());
}
