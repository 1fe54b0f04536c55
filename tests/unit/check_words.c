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

START_TEST(test_allowlist_match_is_exact)
{
	char *v[] = { "date", "/bin/echo" };
	struct strlist allow = { v, 2 };

	ck_assert(allowlist_match(&allow, "date"));
	ck_assert(allowlist_match(&allow, "/bin/echo"));
	ck_assert(!allowlist_match(&allow, "/bin/date"));
	ck_assert(!allowlist_match(&allow, "echo"));
	ck_assert(!allowlist_match(&allow, "dat"));
	ck_assert(!allowlist_match(&allow, "date "));
	ck_assert(!allowlist_match(&allow, "../bin/date"));
	ck_assert(!allowlist_match(&allow, ""));
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
	tcase_add_test(tc, test_allowlist_resolve);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(words_suite());
}
