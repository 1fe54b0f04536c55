/* SPDX-License-Identifier: MIT */
/* check_dict.c: the dictionary parser's line rules and the hash table. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect.h"
#include "dict.h"
#include "run_suite.h"

static struct collected col;
static struct diag diag;

static struct dict *
parse(const char *text)
{
	diag = collect_diag(&col);
	return dict_parse(text, strlen(text), "t.txt", &diag);
}

/* The value of key as a string ("" when absent), for easy comparison. */
static const char *
lookup(const struct dict *d, const char *key)
{
	static char buf[256];
	size_t vlen;
	const char *v = dict_lookup(d, key, strlen(key), &vlen);

	if (v == NULL)
		return "";
	snprintf(buf, sizeof buf, "%.*s", (int)vlen, v);
	return buf;
}

START_TEST(test_basic_entries)
{
	struct dict *d = parse("apple:苹果\nbook:书\n");

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(dict_size(d), 2);
	ck_assert_str_eq(lookup(d, "apple"), "苹果");
	ck_assert_str_eq(lookup(d, "book"), "书");
	ck_assert_str_eq(lookup(d, "cat"), "");
	ck_assert_str_eq(lookup(d, "appl"), "");
	ck_assert_str_eq(lookup(d, "apples"), "");
	ck_assert_int_eq(col.n, 0);
	dict_free(d);
}
END_TEST

static const char *
lookup_loose(const struct dict *d, const char *key)
{
	static char buf[256];
	size_t vlen;
	const char *v = dict_lookup_loose(d, key, strlen(key), &vlen);

	if (v == NULL)
		return "";
	snprintf(buf, sizeof buf, "%.*s", (int)vlen, v);
	return buf;
}

START_TEST(test_loose_lookup_folds_case_and_blanks)
{
	struct dict *d = parse("apple:苹果\nChina:中国\nchina:瓷器\n"
	    "good morning:早上好\n");
	char big[DICT_LOOSE_MAX + 8];

	ck_assert_str_eq(lookup_loose(d, "apple"), "苹果");
	ck_assert_str_eq(lookup_loose(d, "Apple"), "苹果");
	ck_assert_str_eq(lookup_loose(d, "APPLE"), "苹果");
	ck_assert_str_eq(lookup_loose(d, " apple "), "苹果");
	ck_assert_str_eq(lookup_loose(d, "\tApPle\t "), "苹果");
	ck_assert_str_eq(lookup_loose(d, "Good Morning"), "早上好");
	ck_assert_str_eq(lookup_loose(d, "China"), "中国");	/* exact first */
	ck_assert_str_eq(lookup_loose(d, "CHINA"), "瓷器");
	/* trimmed before folded: the padded proper name keeps its entry */
	ck_assert_str_eq(lookup_loose(d, " China"), "中国");
	ck_assert_str_eq(lookup_loose(d, "China\t"), "中国");
	ck_assert_str_eq(lookup_loose(d, " CHINA "), "瓷器");
	ck_assert_str_eq(lookup_loose(d, "ap ple"), "");
	ck_assert_str_eq(lookup_loose(d, "   "), "");
	ck_assert_str_eq(lookup_loose(d, ""), "");
	ck_assert_str_eq(lookup(d, "Apple"), "");	/* exact stays exact */
	memset(big, 'A', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	ck_assert_str_eq(lookup_loose(d, big), "");
	dict_free(d);
}
END_TEST

START_TEST(test_cut_value_at_a_sense)
{
	const char *v = "one; two; three";

	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 100, 5), strlen(v));
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 15, 5), strlen(v));
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 14, 5), 3);
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 13, 5), 3);
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 7, 5), 2);
	/* No sense boundary: a whole UTF-8 character (3 bytes each). */
	ck_assert_uint_eq(dict_cut_value("苹果苹果", 12, 9, 1), 6);
	ck_assert_uint_eq(dict_cut_value("苹果苹果", 12, 10, 1), 9);
	ck_assert_str_eq(dict_cut_mark(v, strlen(v), 3), "; \xe2\x80\xa6");
}
END_TEST

/* No "; " fits: the last word end, and the marker has no stray ';'. */
START_TEST(test_cut_value_at_a_word)
{
	const char *v = "a fruit of the apple  tree, round";
	const char *w = "苹果 苹果苹果苹果";

	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 26, 5), 20);
	ck_assert_str_eq(dict_cut_mark(v, strlen(v), 20), " \xe2\x80\xa6");
	/* A word end at the cut itself counts. */
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 25, 5), 20);
	ck_assert_uint_eq(dict_cut_value(v, strlen(v), 24, 5), 14);
	/* One long word: a whole UTF-8 character. */
	ck_assert_uint_eq(dict_cut_value(w, strlen(w), 15, 5), 6);
	ck_assert_uint_eq(dict_cut_value(w + 7, strlen(w + 7), 10, 2), 6);
	ck_assert_str_eq(dict_cut_mark(w + 7, strlen(w + 7), 6), " \xe2\x80\xa6");
}
END_TEST

START_TEST(test_count_longer_values)
{
	struct dict *d = parse("a:12345\nb:123\nc:1234567890\n");

	ck_assert_uint_eq(dict_count_longer(d, 4), 2);
	ck_assert_uint_eq(dict_count_longer(d, 10), 0);
	dict_free(d);
}
END_TEST

START_TEST(test_trim_comments_blank_crlf)
{
	struct dict *d = parse("# comment\n\n   \n  good morning  :\t早上好 \r\n"
	    "  # indented comment\nlast:line");

	ck_assert_uint_eq(dict_size(d), 2);
	ck_assert_str_eq(lookup(d, "good morning"), "早上好");
	ck_assert_str_eq(lookup(d, "last"), "line");
	ck_assert_int_eq(col.n, 0);
	dict_free(d);
}
END_TEST

START_TEST(test_split_at_first_colon)
{
	struct dict *d = parse("time:12:30\n");

	ck_assert_str_eq(lookup(d, "time"), "12:30");
	dict_free(d);
}
END_TEST

START_TEST(test_bad_lines_warn_with_line_numbers)
{
	struct dict *d = parse("ok:好\nnocolon\n:novalue\nnokey:\n"
	    "bad\xff:x\nfine:行\n");

	ck_assert_uint_eq(dict_size(d), 2);
	ck_assert_int_eq(col.n, 4);
	ck_assert(collected_has(&col, "t.txt:2: no ':' separator"));
	ck_assert(collected_has(&col, "t.txt:3: empty key"));
	ck_assert(collected_has(&col, "t.txt:4: empty value"));
	ck_assert(collected_has(&col, "t.txt:5: invalid UTF-8"));
	dict_free(d);
}
END_TEST

START_TEST(test_nul_byte_line)
{
	static const char text[] = "a\0b:c\nok:好\n";
	struct dict *d;

	diag = collect_diag(&col);
	d = dict_parse(text, sizeof text - 1, "t.txt", &diag);
	ck_assert_uint_eq(dict_size(d), 1);
	ck_assert(collected_has(&col, "t.txt:1: contains a NUL byte"));
	ck_assert_str_eq(lookup(d, "ok"), "好");
	dict_free(d);
}
END_TEST

/* The attack pass: a value with ESC went raw to `nc -u`'s terminal. */
START_TEST(test_control_characters_skip_the_line)
{
	struct dict *d = parse("title:\x1b]0;pwned\x07\x1b[2J\nc1:\xc2\x9b" "31m\n"
	    "bidi:ab\xe2\x80\xae" "cd\nmac1:one\rmac2:two\r\ntab:a\tb\nok:好\r\n");

	ck_assert_uint_eq(dict_size(d), 2);
	ck_assert_int_eq(col.n, 4);
	ck_assert(collected_has(&col, "t.txt:1: a control character"));
	ck_assert(collected_has(&col, "t.txt:2: a control character"));
	ck_assert(collected_has(&col, "t.txt:3: a control character"));
	ck_assert(collected_has(&col, "t.txt:4: a carriage return inside"));
	ck_assert_str_eq(lookup(d, "tab"), "a\tb");
	ck_assert_str_eq(lookup(d, "ok"), "好");
	dict_free(d);
}
END_TEST

START_TEST(test_overlong_and_surrogate_utf8)
{
	struct dict *d = parse("a:\xc0\xaf\nb:\xed\xa0\x80\nc:\xf4\x90\x80\x80\n"
	    "d:\xe6\x97\n");

	ck_assert_uint_eq(dict_size(d), 0);
	ck_assert_int_eq(col.n, 4);
	dict_free(d);
}
END_TEST

START_TEST(test_duplicate_keeps_first)
{
	struct dict *d = parse("cat:猫\ndog:狗\ncat:貓\n");

	ck_assert_uint_eq(dict_size(d), 2);
	ck_assert_str_eq(lookup(d, "cat"), "猫");
	ck_assert(collected_has(&col,
	    "t.txt:3: duplicate key 'cat' (first on line 1)"));
	dict_free(d);
}
END_TEST

START_TEST(test_bom_skipped)
{
	struct dict *d = parse("\xef\xbb\xbf" "apple:苹果\n");

	ck_assert_str_eq(lookup(d, "apple"), "苹果");
	dict_free(d);
}
END_TEST

START_TEST(test_empty_input)
{
	struct dict *d = parse("");

	ck_assert_ptr_nonnull(d);
	ck_assert_uint_eq(dict_size(d), 0);
	ck_assert_str_eq(lookup(d, "x"), "");
	dict_free(d);
}
END_TEST

START_TEST(test_many_entries_all_found)
{
	enum { N = 50000 };
	char *text = malloc((size_t)N * 32), key[32], want[32];
	size_t off = 0;
	struct dict *d;
	int i;

	for (i = 0; i < N; i++)
		off += (size_t)sprintf(text + off, "k%d:v%d\n", i, i * 7);
	diag = collect_diag(&col);
	d = dict_parse(text, off, "big", &diag);
	ck_assert_uint_eq(dict_size(d), N);
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof key, "k%d", i);
		snprintf(want, sizeof want, "v%d", i * 7);
		ck_assert_str_eq(lookup(d, key), want);
	}
	ck_assert_str_eq(lookup(d, "k50000"), "");
	dict_free(d);
	free(text);
}
END_TEST

START_TEST(test_load_errors_name_the_file)
{
	char err[512], path[] = "/tmp/netdemo-check-XXXXXX";
	struct dict *d;
	int fd;

	diag = collect_diag(&col);
	d = dict_load("/nonexistent/dict.txt", 1 << 20, &diag, err, sizeof err);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(err, "/nonexistent/dict.txt: No such file or directory");

	d = dict_load("/tmp", 1 << 20, &diag, err, sizeof err);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(err, "/tmp: not a regular file");

	fd = mkstemp(path);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "# only junk\njunk\n", 17), 17);
	close(fd);
	d = dict_load(path, 1 << 20, &diag, err, sizeof err);
	ck_assert_ptr_null(d);
	ck_assert(strstr(err, "no valid entries") != NULL);
	ck_assert(collected_has(&col, ":2: no ':' separator"));
	unlink(path);
}
END_TEST

START_TEST(test_load_reads_file)
{
	char err[512] = "", path[] = "/tmp/netdemo-check-XXXXXX";
	struct dict *d;
	int fd = mkstemp(path);

	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(write(fd, "water:水\n", 10), 10);
	close(fd);
	diag = collect_diag(&col);
	d = dict_load(path, 1 << 20, &diag, err, sizeof err);
	ck_assert_ptr_nonnull(d);
	ck_assert_str_eq(lookup(d, "water"), "水");
	dict_free(d);
	ck_assert_ptr_null(dict_load(path, 5, &diag, err, sizeof err));
	ck_assert(strstr(err, "larger than max_file_size (5 bytes)") != NULL);
	d = dict_load(path, 10, &diag, err, sizeof err);
	ck_assert_ptr_nonnull(d);
	dict_free(d);
	unlink(path);
}
END_TEST

/* Parsing a line at a time gives the table parsing at once gives. */
START_TEST(test_parse_in_slices)
{
	static const char src[] = "\xef\xbb\xbf" "a:1\nbad\nb:2\n\na:3\nc:4";
	char *text = malloc(sizeof src);
	struct dict *d;
	int more, calls = 0;

	memcpy(text, src, sizeof src);
	diag = collect_diag(&col);
	d = dict_new(text, sizeof src - 1, dict_count_line_ends(text,
	    sizeof src - 1), "t.txt", &diag);
	ck_assert_ptr_nonnull(d);
	do {
		more = dict_parse_some(d, 1);
		calls++;
	} while (more && calls < 100);
	ck_assert_int_eq(calls, 6);
	ck_assert_uint_eq(dict_size(d), 3);
	ck_assert_str_eq(lookup(d, "a"), "1");
	ck_assert_str_eq(lookup(d, "c"), "4");
	ck_assert(collected_has(&col, "t.txt:2: no ':' separator"));
	ck_assert(collected_has(&col, "t.txt:5: duplicate key 'a'"));
	dict_free(d);
}
END_TEST

/* A table given back in slices can still be freed (ASan, valgrind watch). */
START_TEST(test_release_in_slices)
{
	enum { N = 100000 };
	char *text = malloc((size_t)N * 32);
	size_t off = 0;
	struct dict *d;
	int i, calls = 0;

	for (i = 0; i < N; i++)
		off += (size_t)sprintf(text + off, "key%d:value%d\n", i, i);
	diag = collect_diag(&col);
	d = dict_parse(text, off, "big", &diag);
	free(text);
	ck_assert_uint_eq(dict_size(d), N);
	while (dict_release_some(d, 65536) && calls < 10000)
		calls++;
	ck_assert_int_gt(calls, 10);
	ck_assert_int_lt(calls, 10000);
	dict_free(d);
}
END_TEST

START_TEST(test_load_fifo_does_not_block)
{
	char err[512], dir[] = "/tmp/netdemo-check-XXXXXX", path[64];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	diag = collect_diag(&col);
	ck_assert_ptr_null(dict_load(path, 1 << 20, &diag, err, sizeof err));
	ck_assert(strstr(err, "not a regular file") != NULL);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
dict_suite(void)
{
	Suite *s = suite_create("dict");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_basic_entries);
	tcase_add_test(tc, test_loose_lookup_folds_case_and_blanks);
	tcase_add_test(tc, test_control_characters_skip_the_line);
	tcase_add_test(tc, test_cut_value_at_a_sense);
	tcase_add_test(tc, test_cut_value_at_a_word);
	tcase_add_test(tc, test_count_longer_values);
	tcase_add_test(tc, test_trim_comments_blank_crlf);
	tcase_add_test(tc, test_split_at_first_colon);
	tcase_add_test(tc, test_bad_lines_warn_with_line_numbers);
	tcase_add_test(tc, test_nul_byte_line);
	tcase_add_test(tc, test_overlong_and_surrogate_utf8);
	tcase_add_test(tc, test_duplicate_keeps_first);
	tcase_add_test(tc, test_bom_skipped);
	tcase_add_test(tc, test_empty_input);
	tcase_add_test(tc, test_many_entries_all_found);
	tcase_add_test(tc, test_load_errors_name_the_file);
	tcase_add_test(tc, test_load_reads_file);
	tcase_add_test(tc, test_parse_in_slices);
	tcase_add_test(tc, test_release_in_slices);
	tcase_add_test(tc, test_load_fifo_does_not_block);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(dict_suite());
}
