/* SPDX-License-Identifier: MIT */
/* check_dictd.c: the DICT protocol's command parser and matcher. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "collect.h"
#include "dict.h"
#include "dictd_cmd.h"
#include "dictd_match.h"
#include "run_suite.h"

static struct dictd_cmd cmd;
static char *cbuf;

/* Parses s with a buffer of exactly the size asked for, so ASan sees overruns. */
static int
parse_n(const char *s, size_t len)
{
	int r;

	free(cbuf);
	cbuf = malloc(len + 1);
	ck_assert_ptr_nonnull(cbuf);
	r = dictd_cmd_parse(s, len, cbuf, len + 1, &cmd);
	if (r != 0)
		ck_assert_ptr_nonnull(cmd.why);
	return r;
}

static int
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

static void
arg_is(size_t i, const char *want)
{
	ck_assert_uint_gt(cmd.nargs, i);
	ck_assert_uint_eq(cmd.arg[i].len, strlen(want));
	ck_assert_mem_eq(cmd.arg[i].s, want, strlen(want));
	ck_assert_int_eq(cmd.arg[i].s[cmd.arg[i].len], '\0');
}

START_TEST(test_cmd_forms)
{
	ck_assert_int_eq(parse("DEFINE * apple"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_DEFINE);
	arg_is(0, "*");
	arg_is(1, "apple");
	ck_assert_int_eq(parse("match ! . appel"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_MATCH);
	arg_is(0, "!");
	arg_is(1, ".");
	arg_is(2, "appel");
	ck_assert_int_eq(parse("Show Db"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_DB);
	ck_assert_int_eq(parse("show DATABASES"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_DB);
	ck_assert_int_eq(parse("SHOW strat"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_STRAT);
	ck_assert_int_eq(parse("SHOW STRATEGIES"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_STRAT);
	ck_assert_int_eq(parse("show info en"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_INFO);
	arg_is(0, "en");
	ck_assert_int_eq(parse("SHOW SERVER"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_SHOW_SERVER);
	ck_assert_int_eq(parse("status"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_STATUS);
	ck_assert_int_eq(parse("HeLp"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_HELP);
	ck_assert_int_eq(parse("QUIT"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_QUIT);
	ck_assert_int_eq(parse("option mime"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_OPTION_MIME);
	ck_assert_int_eq(parse("  \t "), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_EMPTY);
	ck_assert_int_eq(parse(""), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_EMPTY);
	ck_assert_int_eq(parse("DEFINE * apple\r"), 0);
	arg_is(1, "apple");
}
END_TEST

START_TEST(test_cmd_client_text_as_sent)
{
	ck_assert_int_eq(parse("CLIENT libcurl 7.88.1  "), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_CLIENT);
	arg_is(0, "libcurl 7.88.1");
	ck_assert_int_eq(parse("client \"dict 1.12.1/rf on Linux\""), 0);
	arg_is(0, "\"dict 1.12.1/rf on Linux\"");
	ck_assert_int_eq(parse("CLIENT 'unbalanced"), 0);
	ck_assert_int_eq(parse("CLIENT"), 0);
	ck_assert_uint_eq(cmd.arg[0].len, 0);
}
END_TEST

START_TEST(test_cmd_quotes_and_escapes)
{
	ck_assert_int_eq(parse("DEFINE * \"ice cream\""), 0);
	arg_is(1, "ice cream");
	ck_assert_int_eq(parse("DEFINE * 'ice  cream'"), 0);
	arg_is(1, "ice  cream");
	ck_assert_int_eq(parse("DEFINE * \"say \\\"hi\\\"\""), 0);
	arg_is(1, "say \"hi\"");
	ck_assert_int_eq(parse("DEFINE * 'don\\'t'"), 0);
	arg_is(1, "don't");
	ck_assert_int_eq(parse("DEFINE * \"a\\\\b\""), 0);
	arg_is(1, "a\\b");
	ck_assert_int_eq(parse("DEFINE * \"it's\""), 0);
	arg_is(1, "it's");
	ck_assert_int_eq(parse("DEFINE * ice\\ cream"), 0);
	arg_is(1, "ice cream");
	ck_assert_int_eq(parse("DEFINE * ab\"c d\"'e'"), 0);
	arg_is(1, "abc de");
	ck_assert_int_eq(parse("DEFINE \"\" ''"), 0);
	arg_is(0, "");
	arg_is(1, "");
	ck_assert_int_eq(parse("DEFINE\t*\t苹果"), 0);
	arg_is(1, "苹果");
	ck_assert_int_eq(parse("\"DEFINE\" * x"), 0);
	ck_assert_int_eq(cmd.kind, DICTD_CMD_DEFINE);
}
END_TEST

START_TEST(test_cmd_errors)
{
	ck_assert_int_eq(parse("FROB"), 500);
	ck_assert_str_eq(cmd.why, "syntax error, command not recognized");
	ck_assert_int_eq(parse("AUTH user secret"), 502);
	ck_assert_int_eq(parse("saslauth x"), 502);
	ck_assert_int_eq(parse("OPTION FOO"), 503);
	ck_assert_int_eq(parse("OPTION"), 501);
	ck_assert_int_eq(parse("DEFINE *"), 501);
	ck_assert_int_eq(parse("DEFINE"), 501);
	ck_assert_int_eq(parse("DEFINE * a b"), 501);
	ck_assert_int_eq(parse("MATCH * exact"), 501);
	ck_assert_int_eq(parse("MATCH * exact a b c d e"), 501);
	ck_assert_str_eq(cmd.why, "too many parameters");
	ck_assert_int_eq(parse("SHOW"), 501);
	ck_assert_int_eq(parse("SHOW FOO"), 501);
	ck_assert_int_eq(parse("SHOW INFO"), 501);
	ck_assert_int_eq(parse("SHOW DB en"), 501);
	ck_assert_int_eq(parse("QUIT now"), 501);
	ck_assert_int_eq(parse("DEFINE * \"apple"), 501);
	ck_assert_str_eq(cmd.why, "unterminated quote");
	ck_assert_int_eq(parse("DEFINE * 'apple"), 501);
	ck_assert_int_eq(parse("DEFINE * apple\\"), 501);
	ck_assert_int_eq(parse("DEFINE * a\x01" "b"), 500);
	ck_assert_int_eq(parse("DEFINE * a\x7f"), 500);
	ck_assert_int_eq(parse_n("DEFINE * a\0b", 12), 500);
	ck_assert_int_eq(parse("DEFINE * a\nb"), 500);
	ck_assert_int_eq(parse("DEFINE * \xc0\xaf"), 500);
	ck_assert_str_eq(cmd.why, "invalid UTF-8");
	ck_assert_int_eq(parse("DEFINE * \xed\xa0\x80"), 500);
	ck_assert_int_eq(parse("DEFINE * \xe8\x8b"), 500);
	/* curl escapes every byte over 0x7f: UTF-8 once unescaped is fine. */
	ck_assert_int_eq(parse("DEFINE * \\\xe8\\\x8b\\\xb9"), 0);
	ck_assert_str_eq(cmd.arg[1].s, "\xe8\x8b\xb9");
	ck_assert_int_eq(parse("DEFINE * \\\xe8\\\x8b"), 500);
}
END_TEST

START_TEST(test_cmd_line_limit)
{
	char line[DICTD_LINE_MAX + 2];
	char small[8];

	memset(line, 'a', sizeof line);
	memcpy(line, "DEFINE * ", 9);
	ck_assert_int_eq(parse_n(line, DICTD_LINE_MAX), 0);
	ck_assert_uint_eq(cmd.arg[1].len, DICTD_LINE_MAX - 9);
	ck_assert_int_eq(parse_n(line, DICTD_LINE_MAX + 1), 500);
	ck_assert_str_eq(cmd.why, "line too long");
	/* A buffer smaller than the line is refused, not overrun. */
	ck_assert_int_eq(dictd_cmd_parse("DEFINE * apple", 14, small,
	    sizeof small, &cmd), 500);
}
END_TEST

static const char table[] =
    "apple:1\nApple:2\nAPPLE PIE:3\napplesauce:4\npineapple:5\n"
    "banana:6\nice cream:7\ncream:8\n苹果:9\n苹果汁:10\nappel:11\n"
    "a:12\n";

static struct dict *d;
static struct dictd_index *ix;
static struct dictd_key found[16];
static struct dictd_match m;
static char got[512];

static void
setup_table(void)
{
	struct collected col;
	struct diag diag = collect_diag(&col);

	d = dict_parse(table, sizeof table - 1, "t", &diag);
	ck_assert_ptr_nonnull(d);
	ix = dictd_index_build(d);
	ck_assert_ptr_nonnull(ix);
}

static void
teardown_table(void)
{
	dictd_index_free(ix);
	dict_free(d);
}

/* The keys strat finds for w, joined with '|'. */
static const char *
match(enum dictd_strat strat, const char *w, size_t max)
{
	size_t i, len = 0;

	dictd_match_begin(&m, ix, strat, w, strlen(w), found, max);
	while (dictd_match_step(&m, 3))
		;
	got[0] = '\0';
	for (i = 0; i < m.n; i++)
		len += (size_t)snprintf(got + len, sizeof got - len, "%s%.*s",
		    i ? "|" : "", (int)found[i].len, found[i].s);
	return got;
}

START_TEST(test_dict_entry_at)
{
	const char *k, *v;
	size_t kl, vl;

	ck_assert_int_eq(dict_entry_at(d, 1, &k, &kl, &v, &vl), 0);
	ck_assert_mem_eq(k, "Apple", 5);
	ck_assert_uint_eq(kl, 5);
	ck_assert_mem_eq(v, "2", 1);
	ck_assert_uint_eq(vl, 1);
	ck_assert_int_eq(dict_entry_at(d, dict_size(d), &k, &kl, &v, &vl), -1);
}
END_TEST

START_TEST(test_strat_names)
{
	ck_assert_int_eq(dictd_strat_lookup("exact", 5), DICTD_STRAT_EXACT);
	ck_assert_int_eq(dictd_strat_lookup("LEV", 3), DICTD_STRAT_LEV);
	ck_assert_int_eq(dictd_strat_lookup(".", 1), DICTD_STRAT_LEV);
	ck_assert_int_eq(dictd_strat_lookup("Word", 4), DICTD_STRAT_WORD);
	ck_assert_int_eq(dictd_strat_lookup("soundex", 7), -1);
	ck_assert_int_eq(dictd_strat_lookup("", 0), -1);
	ck_assert_int_eq(dictd_strat_lookup("prefixx", 7), -1);
}
END_TEST

START_TEST(test_exact_forgives_case_and_blanks)
{
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "apple", 16), "apple");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "Apple", 16), "Apple");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "APPLE", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "  apple\t", 16), "apple");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, " apple pie ", 16), "APPLE PIE");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "苹果", 16), "苹果");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "appl", 16), "");
	ck_assert_str_eq(match(DICTD_STRAT_EXACT, "", 16), "");
	ck_assert_uint_eq(dictd_index_exact(ix, "APPLE", 5, found, 1), 1);
}
END_TEST

START_TEST(test_prefix_suffix_substring_word)
{
	ck_assert_str_eq(match(DICTD_STRAT_PREFIX, "app", 16),
	    "appel|Apple|apple|APPLE PIE|applesauce");
	ck_assert_str_eq(match(DICTD_STRAT_PREFIX, "APPLE", 16),
	    "Apple|apple|APPLE PIE|applesauce");
	ck_assert_str_eq(match(DICTD_STRAT_PREFIX, "苹", 16), "苹果|苹果汁");
	ck_assert_str_eq(match(DICTD_STRAT_PREFIX, "zzz", 16), "");
	ck_assert_str_eq(match(DICTD_STRAT_SUFFIX, "APPLE", 16),
	    "Apple|apple|pineapple");
	ck_assert_str_eq(match(DICTD_STRAT_SUFFIX, "果", 16), "苹果");
	ck_assert_str_eq(match(DICTD_STRAT_SUBSTRING, "ppl", 16),
	    "Apple|apple|APPLE PIE|applesauce|pineapple");
	ck_assert_str_eq(match(DICTD_STRAT_SUBSTRING, "果", 16), "苹果|苹果汁");
	ck_assert_str_eq(match(DICTD_STRAT_WORD, "cream", 16), "cream|ice cream");
	ck_assert_str_eq(match(DICTD_STRAT_WORD, "Pie", 16), "APPLE PIE");
	ck_assert_str_eq(match(DICTD_STRAT_WORD, "ice cream", 16), "ice cream");
	ck_assert_str_eq(match(DICTD_STRAT_WORD, "crea", 16), "");
	ck_assert_str_eq(match(DICTD_STRAT_WORD, "", 16), "");
}
END_TEST

START_TEST(test_lev_within_one)
{
	/* Deletion, insertion, substitution, none; a swap is two. */
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "aple", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "applex", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "appla", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "xpple", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "pple", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "apple", 16), "Apple|apple");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "paple", 16), "");
	/* Characters, not bytes: 苹 to 苹果 is one, 苺果 to 苹果 one. */
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "苹", 16), "a|苹果");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "苺果", 16), "苹果");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "苹果", 16), "苹果|苹果汁");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "", 16), "a");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "b", 16), "a");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "ab", 16), "a");
	ck_assert_str_eq(match(DICTD_STRAT_LEV, "xyz", 16), "");
}
END_TEST

START_TEST(test_results_capped_and_counted)
{
	ck_assert_str_eq(match(DICTD_STRAT_PREFIX, "app", 2), "appel|Apple");
	ck_assert_uint_eq(m.more, 3);
	ck_assert_str_eq(match(DICTD_STRAT_SUBSTRING, "", 0), "");
	ck_assert_uint_eq(m.more, dict_size(d));
}
END_TEST

#define BIG	120000

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* BIG keys in no particular order, some with capitals and blanks. */
static struct dict *
big_dict(void)
{
	struct collected col;
	struct diag diag = collect_diag(&col);
	size_t size = (size_t)BIG * 32, len = 0;
	char *text = malloc(size);
	struct dict *big;
	uint32_t x = 12345;
	unsigned i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < BIG; i++) {
		x = x * 1103515245u + 12345u;
		len += (size_t)snprintf(text + len, size - len, "%s%u%s:%u\n",
		    i % 7 == 0 ? "Key" : "key", (x >> 8) % 1000u * 1000000u + i,
		    i % 5 == 0 ? " word" : "", i);
	}
	big = dict_parse(text, len, "big", &diag);
	free(text);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(dict_size(big), BIG);
	return big;
}

static void
match_both_ways(const struct dictd_index *a, const struct dictd_index *b,
    enum dictd_strat strat, const char *w)
{
	static struct dictd_key ka[1000], kb[1000];
	struct dictd_match ma, mb;
	int steps = 0;

	dictd_match_begin(&ma, a, strat, w, strlen(w), ka, 1000);
	ck_assert_int_eq(dictd_match_step(&ma, SIZE_MAX), 0);
	dictd_match_begin(&mb, b, strat, w, strlen(w), kb, 1000);
	while (dictd_match_step(&mb, 1000))
		steps++;
	ck_assert_int_ge(steps, strat == DICTD_STRAT_LEV ? BIG / 1000 - 1 : 0);
	ck_assert_uint_eq(ma.n, mb.n);
	ck_assert_uint_eq(ma.more, mb.more);
	ck_assert_int_eq(memcmp(ka, kb, ma.n * sizeof ka[0]), 0);
}

START_TEST(test_big_table_in_slices)
{
	struct dict *big = big_dict();
	struct dictd_index *whole, *sliced;
	struct dictd_key k[4];
	double t0, worst = 0, t;
	size_t i;

	t0 = now_ms();
	whole = dictd_index_build(big);
	fprintf(stderr, "index of %d keys at once: %.1f ms\n", BIG, now_ms() - t0);
	ck_assert_ptr_nonnull(whole);
	sliced = dictd_index_begin(big);
	ck_assert_ptr_nonnull(sliced);
	for (;;) {
		t = now_ms();
		if (!dictd_index_step(sliced, 5000))
			break;
		worst = now_ms() - t > worst ? now_ms() - t : worst;
	}
	fprintf(stderr, "longest slice of 5000 keys: %.2f ms\n", worst);
	ck_assert_uint_eq(dictd_index_size(sliced), BIG);
	/* Both sorted alike, and every key still found exactly. */
	for (i = 0; i < BIG; i += 997) {
		k[0] = *dictd_index_key(sliced, i);
		ck_assert_mem_eq(k[0].s, dictd_index_key(whole, i)->s, k[0].len);
		ck_assert_uint_eq(dictd_index_exact(whole, k[0].s, k[0].len, k,
		    4), 1);
	}
	match_both_ways(whole, sliced, DICTD_STRAT_PREFIX, "key12");
	match_both_ways(whole, sliced, DICTD_STRAT_SUBSTRING, "777");
	match_both_ways(whole, sliced, DICTD_STRAT_SUFFIX, "0 WORD");
	match_both_ways(whole, sliced, DICTD_STRAT_WORD, "word");
	match_both_ways(whole, sliced, DICTD_STRAT_LEV, "key123456000");
	match_both_ways(whole, sliced, DICTD_STRAT_EXACT, "KEY1");
	dictd_index_free(whole);
	dictd_index_free(sliced);
	dict_free(big);
}
END_TEST

START_TEST(test_index_sorted)
{
	struct dict *big = big_dict();
	struct dictd_index *sliced = dictd_index_begin(big);
	const struct dictd_key *k;
	char prev[64] = "", cur[64];
	size_t i;

	ck_assert_ptr_nonnull(sliced);
	while (dictd_index_step(sliced, 777))
		;
	for (i = 0; i < BIG; i++) {
		k = dictd_index_key(sliced, i);
		snprintf(cur, sizeof cur, "%.*s", (int)k->len, k->s);
		/* Digits and blanks fold to themselves: strcasecmp's order. */
		ck_assert_int_le(strcasecmp(prev, cur), 0);
		memcpy(prev, cur, sizeof cur);
	}
	dictd_index_free(sliced);
	dict_free(big);
}
END_TEST

static Suite *
dictd_suite(void)
{
	Suite *s = suite_create("dictd");
	TCase *tc = tcase_create("cmd"), *tm = tcase_create("match");
	TCase *tb = tcase_create("big");

	tcase_add_test(tc, test_cmd_forms);
	tcase_add_test(tc, test_cmd_client_text_as_sent);
	tcase_add_test(tc, test_cmd_quotes_and_escapes);
	tcase_add_test(tc, test_cmd_errors);
	tcase_add_test(tc, test_cmd_line_limit);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tm, setup_table, teardown_table);
	tcase_add_test(tm, test_dict_entry_at);
	tcase_add_test(tm, test_strat_names);
	tcase_add_test(tm, test_exact_forgives_case_and_blanks);
	tcase_add_test(tm, test_prefix_suffix_substring_word);
	tcase_add_test(tm, test_lev_within_one);
	tcase_add_test(tm, test_results_capped_and_counted);
	suite_add_tcase(s, tm);
	tcase_set_timeout(tb, 60);
	tcase_add_test(tb, test_big_table_in_slices);
	tcase_add_test(tb, test_index_sorted);
	suite_add_tcase(s, tb);
	return s;
}

int
main(void)
{
	int r = run_suite(dictd_suite());

	free(cbuf);
	return r;
}
