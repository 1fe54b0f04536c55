/* SPDX-License-Identifier: MIT */
/* check_words.c: exec's word splitter, allowlist entries and matching. */
#include <check.h>
#include <string.h>

#include "exec_allowlist.h"
#include "config.h"
#include "exec_words.h"
#include "run_suite.h"

static char buf[256];
static char *argv[WORDS_MAX];
static const char *why;

static int
split(const char *s)
{
	why = NULL;
	return words_split(s, strlen(s), buf, argv, WORDS_MAX, &why);
}

START_TEST(test_blanks_separate)
{
	ck_assert_int_eq(split("  date  -u\t+%s "), 3);
	ck_assert_str_eq(argv[0], "date");
	ck_assert_str_eq(argv[1], "-u");
	ck_assert_str_eq(argv[2], "+%s");
	ck_assert_ptr_null(argv[3]);
	ck_assert_int_eq(split(""), 0);
	ck_assert_ptr_null(argv[0]);
	ck_assert_int_eq(split(" \t "), 0);
}
END_TEST

START_TEST(test_quotes_group)
{
	ck_assert_int_eq(split("echo 'a  b' \"c 'd'\""), 3);
	ck_assert_str_eq(argv[1], "a  b");
	ck_assert_str_eq(argv[2], "c 'd'");
	ck_assert_int_eq(split("echo \"it's\""), 2);
	ck_assert_str_eq(argv[1], "it's");
}
END_TEST

START_TEST(test_adjacent_pieces_join)
{
	ck_assert_int_eq(split("r''m -rf"), 2);
	ck_assert_str_eq(argv[0], "rm");
	ck_assert_int_eq(split("a'b c'\"d\"e"), 1);
	ck_assert_str_eq(argv[0], "ab cde");
}
END_TEST

START_TEST(test_empty_words)
{
	ck_assert_int_eq(split("echo '' \"\" x"), 4);
	ck_assert_str_eq(argv[1], "");
	ck_assert_str_eq(argv[2], "");
	ck_assert_str_eq(argv[3], "x");
}
END_TEST

START_TEST(test_shell_syntax_is_plain_bytes)
{
	ck_assert_int_eq(split("date; rm -rf /tmp/x"), 4);
	ck_assert_str_eq(argv[0], "date;");
	ck_assert_int_eq(split("echo $(id) `id` | cat > f *"), 8);
	ck_assert_str_eq(argv[1], "$(id)");
	ck_assert_str_eq(argv[3], "|");
	ck_assert_str_eq(argv[7], "*");
	ck_assert_int_eq(split("a\\ b"), 2);
	ck_assert_str_eq(argv[0], "a\\");
}
END_TEST

START_TEST(test_unterminated_quote)
{
	ck_assert_int_eq(split("echo 'abc"), -1);
	ck_assert_str_eq(why, "unterminated quote");
	ck_assert_int_eq(split("echo \"abc'"), -1);
	ck_assert_int_eq(split("'"), -1);
}
END_TEST

START_TEST(test_too_many_words)
{
	char line[512] = "";
	int i;

	for (i = 0; i < WORDS_MAX - 1; i++)
		strcat(line, "w ");
	ck_assert_int_eq(words_split(line, strlen(line), buf, argv, WORDS_MAX,
	    &why), WORDS_MAX - 1);
	strcat(line, "w");
	ck_assert_int_eq(words_split(line, strlen(line), buf, argv, WORDS_MAX,
	    &why), -1);
	ck_assert_str_eq(why, "too many words");
}
END_TEST

START_TEST(test_allowlist_entries)
{
	ck_assert(allowlist_entry_ok("date"));
	ck_assert(allowlist_entry_ok("/usr/bin/date"));
	ck_assert(!allowlist_entry_ok(""));
	ck_assert(!allowlist_entry_ok("."));
	ck_assert(!allowlist_entry_ok(".."));
	ck_assert(!allowlist_entry_ok("bin/date"));
	ck_assert(!allowlist_entry_ok("../bin/sh"));
	ck_assert(!allowlist_entry_ok("/usr/../bin/sh"));
	ck_assert(!allowlist_entry_ok("/usr/bin/."));
	ck_assert(!allowlist_entry_ok("/usr//bin/date"));
	ck_assert(!allowlist_entry_ok("/usr/bin/"));
	ck_assert(!allowlist_entry_ok("/"));
}
END_TEST

/* Splits req and matches it against entries (n of them). */
static enum allow_verdict
match(const char *const *entries, size_t n, const char *req)
{
	struct strlist list = { (char **)entries, n };
	struct allowlist l;
	char err[256];
	enum allow_verdict v;

	ck_assert_int_eq(allowlist_parse(&list, 0, &l, err, sizeof err), 0);
	ck_assert_int_ge(split(req), 1);
	v = allowlist_match(&l, argv);
	allowlist_free(&l);
	return v;
}

START_TEST(test_allowlist_match_is_exact)
{
	static const char *const v[] = { "date", "/bin/echo" };

	ck_assert_int_eq(match(v, 2, "date"), ALLOW_OK);
	ck_assert_int_eq(match(v, 2, "/bin/echo"), ALLOW_OK);
	ck_assert_int_eq(match(v, 2, "/bin/date"), ALLOW_NO_PROGRAM);
	ck_assert_int_eq(match(v, 2, "echo"), ALLOW_NO_PROGRAM);
	ck_assert_int_eq(match(v, 2, "dat"), ALLOW_NO_PROGRAM);
	ck_assert_int_eq(match(v, 2, "'date '"), ALLOW_NO_PROGRAM);
	ck_assert_int_eq(match(v, 2, "../bin/date"), ALLOW_NO_PROGRAM);
	ck_assert_int_eq(match(v, 2, "''"), ALLOW_NO_PROGRAM);
}
END_TEST

/* "date" is date alone: -f FILE would print any file it can read. */
START_TEST(test_allowlist_arguments_are_part_of_the_entry)
{
	static const char *const v[] = { "date", "date -u", "df -h",
	    "ping -c 1 *", "echo 'a b'" };

	ck_assert_int_eq(match(v, 5, "date"), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "date -u"), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "date  '-u'"), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "date -f /etc/passwd"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "date -u -f /etc/passwd"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "df"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "df -h /"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "ping -c 1"), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "ping -c 1 ::1 x"), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "ping -c 2 ::1"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "ping"), ALLOW_NO_ARGS);
	ck_assert_int_eq(match(v, 5, "echo \"a b\""), ALLOW_OK);
	ck_assert_int_eq(match(v, 5, "echo a b"), ALLOW_NO_ARGS);
}
END_TEST

static int
parse_one(const char *entry, int runners_ok, char *err, size_t errlen)
{
	const char *v[] = { entry };
	struct strlist list = { (char **)v, 1 };
	struct allowlist l;

	if (allowlist_parse(&list, runners_ok, &l, err, errlen) == -1)
		return -1;
	allowlist_free(&l);
	return 0;
}

START_TEST(test_allowlist_refuses_shells_and_runners)
{
	static const char *const bad[] = { "sh", "/bin/sh", "bash -c id",
	    "python3", "python3.11", "/usr/bin/perl", "env", "xargs *",
	    "find / *", "busybox", "awk", "sudo ls", "timeout 5 date",
	    "setsid *", "nice", "ssh", "ld.so", "/lib64/ld-linux-x86-64.so.2",
	    "prlimit *", "valgrind", "valgrind.bin", "vim", "vim.basic", "vi",
	    "view", "ex", "nvim", "git *", "make", "tar *", "sqlite3", "man *",
	    "scp *", "run-parts", "pydoc3", "ldd", "apt-get", "apt", "dpkg",
	    "pip3", "less", "emacs", "ed", "rsync *", "nc.openbsd", "socat",
	    "php8.2", "tclsh8.6", "Rscript", "gawk", "crontab", "at" };
	char err[256];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse_one(bad[i], 0, err, sizeof err) == -1,
		    "%s accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "interpreter"));
		ck_assert_int_eq(parse_one(bad[i], 1, err, sizeof err), 0);
	}
	/* The admin's own script, and names that only start like one. */
	ck_assert_int_eq(parse_one("/usr/local/bin/report", 0, err,
	    sizeof err), 0);
	ck_assert_int_eq(parse_one("shred", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("envsubst", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("timedatectl", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("/usr/local/bin/tar.report", 0, err,
	    sizeof err), 0);
	ck_assert_int_eq(parse_one("mandb", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("edit-report", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("date -u", 0, err, sizeof err), 0);
	ck_assert_int_eq(parse_one("../bin/date", 0, err, sizeof err), -1);
	ck_assert_int_eq(parse_one("date 'x", 0, err, sizeof err), -1);
	ck_assert_int_eq(parse_one(" *", 0, err, sizeof err), -1);
}
END_TEST

START_TEST(test_path_dirs_are_absolute)
{
	char err[256];

	ck_assert_int_eq(allowlist_path_check("/usr/bin:/bin", err,
	    sizeof err), 0);
	ck_assert_int_eq(allowlist_path_check("bin:/usr/bin", err,
	    sizeof err), -1);
	ck_assert_str_eq(err, "'bin' is not an absolute directory");
	ck_assert_int_eq(allowlist_path_check("/bin::/usr/bin", err,
	    sizeof err), -1);
	ck_assert_int_eq(allowlist_path_check("/bin:", err, sizeof err), -1);
	ck_assert_int_eq(allowlist_path_check("", err, sizeof err), -1);
	ck_assert_int_eq(allowlist_path_check(".", err, sizeof err), -1);
}
END_TEST

START_TEST(test_join_quotes_what_needs_it)
{
	char out[64];

	ck_assert_int_eq(split("date -f /etc/passwd"), 3);
	words_join(argv, out, sizeof out);
	ck_assert_str_eq(out, "date -f /etc/passwd");
	ck_assert_int_eq(split("echo 'a b' '' \"it's\""), 4);
	words_join(argv, out, sizeof out);
	ck_assert_str_eq(out, "echo 'a b' '' \"it's\"");
	ck_assert_int_eq(split("echo aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), 3);
	words_join(argv, out, 32);
	ck_assert_uint_lt(strlen(out), 32);
	ck_assert_ptr_nonnull(strstr(out, "..."));
}
END_TEST

START_TEST(test_allowlist_resolve)
{
	char out[256];

	ck_assert_int_eq(allowlist_resolve("sh", "/nonexistent:/bin", out,
	    sizeof out), 0);
	ck_assert_str_eq(out, "/bin/sh");
	ck_assert_int_eq(allowlist_resolve("sh", "/nonexistent", out,
	    sizeof out), -1);
	ck_assert_int_eq(allowlist_resolve("/bin/sh", "", out, sizeof out), 0);
	ck_assert_int_eq(allowlist_resolve("/etc/passwd", "", out, sizeof out), -1);
	ck_assert_int_eq(allowlist_resolve("bin", "/", out, sizeof out), -1);
}
END_TEST

static Suite *
words_suite(void)
{
	Suite *s = suite_create("words");
	TCase *tc = tcase_create("split");

	tcase_add_test(tc, test_blanks_separate);
	tcase_add_test(tc, test_quotes_group);
	tcase_add_test(tc, test_adjacent_pieces_join);
	tcase_add_test(tc, test_empty_words);
	tcase_add_test(tc, test_shell_syntax_is_plain_bytes);
	tcase_add_test(tc, test_unterminated_quote);
	tcase_add_test(tc, test_too_many_words);
	tcase_add_test(tc, test_allowlist_entries);
	tcase_add_test(tc, test_allowlist_match_is_exact);
	tcase_add_test(tc, test_allowlist_arguments_are_part_of_the_entry);
	tcase_add_test(tc, test_allowlist_refuses_shells_and_runners);
	tcase_add_test(tc, test_path_dirs_are_absolute);
	tcase_add_test(tc, test_join_quotes_what_needs_it);
	tcase_add_test(tc, test_allowlist_resolve);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(words_suite());
}
