/* SPDX-License-Identifier: MIT */
/* check_auth.c: exec's signed requests: signing, checking, replay memory. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_auth.h"
#include "run_suite.h"

#define NOW	1800000000LL

static unsigned char key_bytes[40];
static struct auth_key key = { key_bytes, sizeof key_bytes };
static struct auth_replay *replay;
static char req[512];
static const char *cmd;
static size_t cmdlen;

static void
setup(void)
{
	memset(key_bytes, 'k', sizeof key_bytes);
	ck_assert_ptr_nonnull(replay = auth_replay_new(0));
}

static void
teardown(void)
{
	auth_replay_free(replay);
}

static enum auth_verdict
verify(const char *s, int64_t now)
{
	return auth_verify(&key, replay, s, strlen(s), now, &cmd, &cmdlen);
}

static const char *
sign(const char *c, int64_t when)
{
	ck_assert_int_gt(auth_sign(&key, when, c, strlen(c), req, sizeof req), 0);
	return req;
}

START_TEST(test_sign_then_verify)
{
	/* The MAC Python's hmac module gives for this key and text. */
	ck_assert_str_eq(sign("date -u", NOW), "v1 1800000000 333b263d09c8efa1"
	    "d10ed774c63ae7537a6393ebce43693a3b27f395c3a89553 date -u");
	ck_assert_int_eq(verify(req, NOW), AUTH_OK);
	ck_assert_uint_eq(cmdlen, 7);
	ck_assert_int_eq(memcmp(cmd, "date -u", 7), 0);
	ck_assert_int_eq(verify(req, NOW + 1), AUTH_REPLAYED);
}
END_TEST

START_TEST(test_time_window)
{
	ck_assert_int_eq(verify(sign("a", NOW - 30), NOW), AUTH_OK);
	ck_assert_int_eq(verify(sign("a", NOW + 30), NOW), AUTH_OK);
	ck_assert_int_eq(verify(sign("a", NOW - 31), NOW), AUTH_STALE);
	ck_assert_int_eq(verify(sign("a", NOW + 31), NOW), AUTH_STALE);
}
END_TEST

/* A restart forgets what ran: nothing signed up to its second is taken. */
START_TEST(test_nothing_signed_before_the_start)
{
	struct auth_replay *fresh = auth_replay_new(NOW);

	ck_assert_ptr_nonnull(fresh);
	sign("date", NOW - 5);
	ck_assert_int_eq(auth_verify(&key, fresh, req, strlen(req), NOW + 1,
	    &cmd, &cmdlen), AUTH_STALE);
	sign("date", NOW);
	ck_assert_int_eq(auth_verify(&key, fresh, req, strlen(req), NOW + 1,
	    &cmd, &cmdlen), AUTH_STALE);
	sign("date", NOW + 1);
	ck_assert_int_eq(auth_verify(&key, fresh, req, strlen(req), NOW + 1,
	    &cmd, &cmdlen), AUTH_OK);
	auth_replay_free(fresh);
}
END_TEST

START_TEST(test_malformed)
{
	char bad[512];

	ck_assert_int_eq(verify("", NOW), AUTH_MALFORMED);
	ck_assert_int_eq(verify("date", NOW), AUTH_MALFORMED);
	ck_assert_int_eq(verify("v1 ", NOW), AUTH_MALFORMED);
	ck_assert_int_eq(verify("v2 1800000000 00 date", NOW), AUTH_MALFORMED);
	sign("date", NOW);
	/* No command after the MAC. */
	snprintf(bad, sizeof bad, "%.*s", 14 + 64, req);
	ck_assert_int_eq(verify(bad, NOW), AUTH_MALFORMED);
	snprintf(bad, sizeof bad, "%.*s ", 14 + 64, req);
	ck_assert_int_eq(verify(bad, NOW), AUTH_MALFORMED);
	/* Uppercase hex, a sign, or a time too long to be one. */
	snprintf(bad, sizeof bad, "%s", req);
	bad[20] = bad[20] >= 'a' ? (char)(bad[20] - 32) : 'G';
	ck_assert_int_eq(verify(bad, NOW), AUTH_MALFORMED);
	ck_assert_int_eq(verify("v1 -5 0000000000000000000000000000000000000000"
	    "000000000000000000000000 date", NOW), AUTH_MALFORMED);
	ck_assert_int_eq(verify("v1 99999999999999999999 000000000000000000000000"
	    "0000000000000000000000000000000000000000 date", NOW), AUTH_MALFORMED);
}
END_TEST

START_TEST(test_bad_mac)
{
	char bad[512];
	struct auth_key other = { (unsigned char *)"other key, other key, other key!",
	    32 };

	snprintf(bad, sizeof bad, "%s", sign("date", NOW));
	bad[strlen(bad) - 1] = 'X';		/* the command changed */
	ck_assert_int_eq(verify(bad, NOW), AUTH_BAD_MAC);
	ck_assert_int_gt(auth_sign(&other, NOW, "date", 4, bad, sizeof bad), 0);
	ck_assert_int_eq(verify(bad, NOW), AUTH_BAD_MAC);
	/* A bad MAC is not remembered: the genuine request still runs. */
	ck_assert_int_eq(verify(sign("date", NOW), NOW), AUTH_OK);
}
END_TEST

static unsigned
bucket_of(const char *signed_req)
{
	unsigned b0, b1;

	ck_assert_int_eq(sscanf(signed_req + 14, "%2x%2x", &b0, &b1), 2);
	return (b0 | b1 << 8) % 1024;
}

START_TEST(test_replay_memory_is_bounded)
{
	char c[32];
	int i, found = 0;

	/* Fill one bucket (16 ways) with requests that land in it. */
	for (i = 0; i < 200000 && found < 17; i++) {
		snprintf(c, sizeof c, "echo %d", i);
		if (bucket_of(sign(c, NOW)) != 5)
			continue;
		ck_assert_int_eq(verify(req, NOW), found < 16 ? AUTH_OK :
		    AUTH_REPLAY_FULL);
		found++;
	}
	ck_assert_int_eq(found, 17);
	/* Entries expire with their window: the bucket takes new ones. */
	ck_assert_int_eq(verify(sign(c, NOW + 31), NOW + 31), AUTH_OK);
}
END_TEST

START_TEST(test_key_file_checks)
{
	struct auth_key k;
	char err[256];

	ck_assert_int_eq(auth_key_load("relative.key", &k, err, sizeof err), -1);
	ck_assert_str_eq(err, "'relative.key' is neither an absolute path nor"
	    " cred:NAME");
	ck_assert_int_eq(auth_key_load("cred:../x", &k, err, sizeof err), -1);
	ck_assert_int_eq(auth_key_load("/nonexistent/k", &k, err, sizeof err), -1);
	ck_assert_str_eq(err, "/nonexistent/k: No such file or directory");
	ck_assert_int_eq(auth_key_load("/dev/null", &k, err, sizeof err), -1);
	ck_assert_str_eq(err, "/dev/null: not a regular file");
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc = tcase_create("auth");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sign_then_verify);
	tcase_add_test(tc, test_time_window);
	tcase_add_test(tc, test_nothing_signed_before_the_start);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bad_mac);
	tcase_add_test(tc, test_replay_memory_is_bounded);
	tcase_add_test(tc, test_key_file_checks);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(auth_suite());
}
