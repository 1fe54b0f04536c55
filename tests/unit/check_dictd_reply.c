/* SPDX-License-Identifier: MIT */
/* check_dictd_reply.c: the DICT protocol's responses, formatted. */
#include <check.h>
#include <string.h>

#include "dictd_match.h"
#include "dictd_reply.h"
#include "utf8.h"
#include "run_suite.h"

static char obuf[8192];
static struct dictd_outbuf ob;
static struct dictd_out out = { dictd_outbuf_cb, &ob };

static const char *
sent(void)
{
	ck_assert_uint_lt(ob.len, sizeof obuf);
	obuf[ob.len] = '\0';
	ob.len = 0;
	return obuf;
}

static void
setup_out(void)
{
	ob.buf = obuf;
	ob.size = sizeof obuf - 1;
	ob.len = 0;
	ob.overflow = 0;
}

START_TEST(test_reply_status_lines)
{
	ck_assert_int_eq(dictd_reply_banner(&out, "h.example", 123, 7,
	    1700000000LL), 0);
	ck_assert_str_eq(sent(),
	    "220 h.example netdemo <mime> <123.7.1700000000@h.example>\r\n");
	dictd_reply_banner(&out, "h\x1b", 1, 2, 3);
	ck_assert_str_eq(sent(), "220 h\\x1b netdemo <mime> <1.2.3@h\\x1b>\r\n");
	dictd_reply_code(&out, 250, NULL);
	ck_assert_str_eq(sent(), "250 ok\r\n");
	dictd_reply_code(&out, 552, NULL);
	ck_assert_str_eq(sent(), "552 no match\r\n");
	dictd_reply_code(&out, 221, NULL);
	ck_assert_str_eq(sent(), "221 bye\r\n");
	dictd_reply_code(&out, 551, NULL);
	ck_assert_str_eq(sent(), "551 invalid strategy, use \"SHOW STRAT\" "
	    "for a list of strategies\r\n");
	dictd_reply_code(&out, 501, "unterminated quote");
	ck_assert_str_eq(sent(), "501 unterminated quote\r\n");
	dictd_reply_count(&out, 150, 2);
	ck_assert_str_eq(sent(), "150 2 definitions retrieved\r\n");
	dictd_reply_count(&out, 152, 3);
	ck_assert_str_eq(sent(), "152 3 matches found\r\n");
	dictd_reply_count(&out, 110, 1);
	ck_assert_str_eq(sent(), "110 1 databases present\r\n");
	dictd_reply_count(&out, 111, 6);
	ck_assert_str_eq(sent(), "111 6 strategies available\r\n");
	dictd_reply_definition(&out, "say \"hi\\\"", 9, "en", "English");
	ck_assert_str_eq(sent(),
	    "151 \"say \\\"hi\\\\\\\"\" en \"English\"\r\n");
	dictd_reply_pair(&out, "en", 2, "苹果\n", 7);
	ck_assert_str_eq(sent(), "en \"苹果\\x0a\"\r\n");
}
END_TEST

START_TEST(test_reply_long_status_line_cut)
{
	char word[DICTD_WORD_MAX];
	const char *s;

	memset(word, '"', sizeof word);
	dictd_reply_definition(&out, word, sizeof word, "en", "English");
	s = sent();
	ck_assert_uint_le(strlen(s), DICTD_TEXT_LINE_MAX + 2);
	ck_assert_str_eq(s + strlen(s) - 3, "\"\r\n");
	ck_assert_mem_eq(s, "151 \"\\\"", 7);
}
END_TEST

START_TEST(test_reply_dot_stuffing)
{
	const char text[] = ".hidden\nline\r\n..\n.\n\tx\x1by\n";

	ck_assert_int_eq(dictd_reply_text(&out, text, sizeof text - 1), 0);
	ck_assert_int_eq(dictd_reply_end(&out), 0);
	ck_assert_str_eq(sent(),
	    "..hidden\r\nline\r\n...\r\n..\r\n\tx\\x1by\r\n.\r\n");
	dictd_reply_text(&out, "no newline", 10);
	ck_assert_str_eq(sent(), "no newline\r\n");
	dictd_reply_text(&out, "a\n\nb", 4);
	ck_assert_str_eq(sent(), "a\r\n\r\nb\r\n");
	dictd_reply_text(&out, "", 0);
	ck_assert_str_eq(sent(), "");
}
END_TEST

START_TEST(test_reply_long_lines_wrap_between_characters)
{
	char text[1500 * 3 + 1];
	const char *s, *nl;
	size_t i, total = 0;

	for (i = 0; i < 1500; i++)
		memcpy(text + 3 * i, "苹", 3);
	text[0] = '.';
	text[1] = '.';
	text[2] = '.';
	ck_assert_int_eq(dictd_reply_text(&out, text, sizeof text - 1), 0);
	for (s = sent(); *s != '\0'; s = nl + 2) {
		nl = strstr(s, "\r\n");
		ck_assert_ptr_nonnull(nl);
		ck_assert_uint_le((size_t)(nl - s), DICTD_TEXT_LINE_MAX);
		ck_assert(utf8_valid(s, (size_t)(nl - s)));
		total += (size_t)(nl - s);
	}
	ck_assert_uint_eq(total, sizeof text - 1 + 1);	/* one stuffed dot */
	ob.size = 10;
	ck_assert_int_eq(dictd_reply_text(&out, text, sizeof text - 1), -1);
	ck_assert_int_eq(ob.overflow, 1);
}
END_TEST

START_TEST(test_help_text_is_text)
{
	ck_assert(utf8_valid(dictd_help_text, strlen(dictd_help_text)));
	ck_assert_int_eq(dictd_reply_text(&out, dictd_help_text,
	    strlen(dictd_help_text)), 0);
	ck_assert_ptr_nonnull(strstr(sent(), "MATCH database strategy word"));
}
END_TEST

static Suite *
dictd_reply_suite(void)
{
	Suite *s = suite_create("dictd_reply");
	TCase *tc = tcase_create("reply");

	tcase_add_checked_fixture(tc, setup_out, NULL);
	tcase_add_test(tc, test_reply_status_lines);
	tcase_add_test(tc, test_reply_long_status_line_cut);
	tcase_add_test(tc, test_reply_dot_stuffing);
	tcase_add_test(tc, test_reply_long_lines_wrap_between_characters);
	tcase_add_test(tc, test_help_text_is_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(dictd_reply_suite());
}
