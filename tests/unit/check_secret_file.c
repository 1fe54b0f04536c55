/* SPDX-License-Identifier: MIT */
/* check_secret_file.c: secrets read from files: specs, modes, bounds, text. */
#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_suite.h"
#include "secret_file.h"

static const struct secret_rules key_rules = { "a key", "head -c 32 x", 0,
    NULL, NULL };
static const struct secret_rules text_rules = { "a password",
    "openssl rand -hex 32", 1, NULL, NULL };
static char dir[] = "/tmp/check_secret_XXXXXX";
static char path[256], err[512];
static struct secret s;

static void
setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/pw", dir);
}

static void
teardown(void)
{
	secret_free(&s);
	unlink(path);
	rmdir(dir);
	strcpy(dir, "/tmp/check_secret_XXXXXX");
}

/* Writes len bytes of b to path with mode. */
static void
put(const void *b, size_t len, mode_t mode)
{
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static int
load(size_t min, size_t max, const struct secret_rules *r)
{
	return secret_load(path, min, max, r, &s, err, sizeof err);
}

START_TEST(test_spec_forms)
{
	ck_assert_int_eq(secret_spec_check("/etc/x", err, sizeof err), 0);
	ck_assert_int_eq(secret_spec_check("cred:redis-pass", err, sizeof err), 0);
	ck_assert_int_eq(secret_spec_check("rel/x", err, sizeof err), -1);
	ck_assert_str_eq(err, "'rel/x' is neither an absolute path nor"
	    " cred:NAME");
	ck_assert_int_eq(secret_spec_check("cred:", err, sizeof err), -1);
	ck_assert_int_eq(secret_spec_check("cred:a/b", err, sizeof err), -1);
	ck_assert_int_eq(secret_spec_check("cred:..", err, sizeof err), -1);
	ck_assert_str_eq(err, "'cred:..': NAME must be a file name");
}
END_TEST

START_TEST(test_cred_reads_the_credentials_directory)
{
	put("hunter2", 7, 0600);
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_int_eq(secret_load("cred:pw", 1, 10, &key_rules, &s, err,
	    sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "$CREDENTIALS_DIRECTORY is not set"));
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	ck_assert_int_eq(secret_load("cred:pw", 1, 10, &key_rules, &s, err,
	    sizeof err), 0);
	unsetenv("CREDENTIALS_DIRECTORY");
	ck_assert_uint_eq(s.len, 7);
	ck_assert_mem_eq(s.bytes, "hunter2", 7);
}
END_TEST

START_TEST(test_file_checks)
{
	char want[512];

	ck_assert_int_eq(secret_load("/dev/null", 0, 10, &key_rules, &s, err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "/dev/null: not a regular file");
	put("hunter2", 7, 0640);
	ck_assert_int_eq(load(1, 10, &key_rules), -1);
	snprintf(want, sizeof want, "%s: group or others may read or write it"
	    " (mode 640); chmod 600 it", path);
	ck_assert_str_eq(err, want);
	put("hunter2", 7, 0602);
	ck_assert_int_eq(load(1, 10, &key_rules), -1);
	ck_assert_ptr_null(s.bytes);
}
END_TEST

START_TEST(test_bounds_name_the_caller)
{
	char want[512];

	put("short", 5, 0600);
	ck_assert_int_eq(load(32, 4096, &key_rules), -1);
	snprintf(want, sizeof want, "%s: holds 5 bytes; a key is 32 to 4096"
	    " (e.g. head -c 32 x)", path);
	ck_assert_str_eq(err, want);
	put("0123456789x", 11, 0600);
	ck_assert_int_eq(load(1, 10, &key_rules), -1);
	snprintf(want, sizeof want, "%s: holds over 10 bytes; a key is 1 to 10"
	    " (e.g. head -c 32 x)", path);
	ck_assert_str_eq(err, want);
	put("0123456789", 10, 0600);
	ck_assert_int_eq(load(1, 10, &key_rules), 0);
	ck_assert_uint_eq(s.len, 10);
}
END_TEST

/* Not text: every byte is kept, a newline and NULs too. */
START_TEST(test_binary_is_exact)
{
	put("a\0b\n", 4, 0600);
	ck_assert_int_eq(load(1, 10, &key_rules), 0);
	ck_assert_uint_eq(s.len, 4);
	ck_assert_mem_eq(s.bytes, "a\0b\n", 4);
}
END_TEST

START_TEST(test_text_drops_a_final_newline)
{
	char big[514];

	put("short-pass12\n", 13, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), 0);
	ck_assert_uint_eq(s.len, 12);
	ck_assert_mem_eq(s.bytes, "short-pass12", 12);
	secret_free(&s);
	memset(big, 'p', sizeof big);
	big[512] = '\n';
	put(big, 513, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), 0);
	ck_assert_uint_eq(s.len, 512);
	secret_free(&s);
	big[512] = 'p';
	put(big, 513, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	ck_assert_ptr_nonnull(strstr(err, "holds over 512 bytes; a password is"
	    " 1 to 512 (e.g. openssl rand -hex 32)"));
	big[513] = '\n';
	put(big, 514, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	put("\n", 1, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	ck_assert_ptr_nonnull(strstr(err, "holds 0 bytes"));
}
END_TEST

/* Text refuses control bytes and says where, never what the secret holds. */
START_TEST(test_text_refuses_control_bytes)
{
	char want[512];

	put("pass\tword\n", 10, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	snprintf(want, sizeof want, "%s: byte 5 is a control byte; a password"
	    " is printable text (e.g. openssl rand -hex 32)", path);
	ck_assert_str_eq(err, want);
	put("password\r\n", 10, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	put("pass\x7fword", 9, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	put("pass\0word", 9, 0600);
	ck_assert_int_eq(load(1, 512, &text_rules), -1);
	ck_assert_ptr_null(s.bytes);
	put("p\xc3\xa4ss w\"rd", 10, 0600);
	ck_assert_msg(load(1, 512, &text_rules) == 0, "%s", err);
}
END_TEST

static int
refuse_cb(const char *p, const struct stat *st, const void *arg, char *e,
    size_t elen)
{
	(void)st;
	++*(int *)(uintptr_t)arg;
	snprintf(e, elen, "%s: refused by the caller", p);
	return -1;
}

START_TEST(test_stat_check_runs_before_reading)
{
	int calls = 0;
	struct secret_rules r = { "a key", "x", 0, refuse_cb, &calls };

	put("hunter2", 7, 0600);
	ck_assert_int_eq(load(1, 10, &r), -1);
	ck_assert_int_eq(calls, 1);
	ck_assert_ptr_nonnull(strstr(err, "refused by the caller"));
	ck_assert_ptr_null(s.bytes);
	put("hunter2", 7, 0644);
	ck_assert_int_eq(load(1, 10, &r), -1);
	ck_assert_int_eq(calls, 1);
}
END_TEST

START_TEST(test_free_empties)
{
	put("hunter2", 7, 0600);
	ck_assert_int_eq(load(1, 10, &key_rules), 0);
	secret_free(&s);
	ck_assert_ptr_null(s.bytes);
	ck_assert_uint_eq(s.len, 0);
	secret_free(&s);
}
END_TEST

static Suite *
secret_file_suite(void)
{
	Suite *s = suite_create("secret_file");
	TCase *tc = tcase_create("secret_file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_spec_forms);
	tcase_add_test(tc, test_cred_reads_the_credentials_directory);
	tcase_add_test(tc, test_file_checks);
	tcase_add_test(tc, test_bounds_name_the_caller);
	tcase_add_test(tc, test_binary_is_exact);
	tcase_add_test(tc, test_text_drops_a_final_newline);
	tcase_add_test(tc, test_text_refuses_control_bytes);
	tcase_add_test(tc, test_stat_check_runs_before_reading);
	tcase_add_test(tc, test_free_empties);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(secret_file_suite());
}
