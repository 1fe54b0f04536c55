/* SPDX-License-Identifier: MIT */
/* check_utf8.c: strict UTF-8 validation and text checks. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "run_suite.h"

START_TEST(test_utf8)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("plain", 5));
	ck_assert(utf8_valid("苹果", strlen("苹果")));
	ck_assert(utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	ck_assert(!utf8_valid("\xff", 1));
	ck_assert(!utf8_valid("\xc0\x80", 2));		/* overlong NUL */
	ck_assert(!utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	ck_assert(!utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	ck_assert(!utf8_valid("\xe8\x8b", 2));		/* cut short */
	ck_assert(!utf8_valid("a\x80", 2));		/* lone continuation */
}
END_TEST

/* cp as UTF-8 into buf; its length. */
static size_t
encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Its shortcuts (printable ASCII, lead bytes from 0xE3) agree with
 * utf8_is_control on every code point. */
START_TEST(test_utf8_has_control)
{
	char buf[8];
	uint32_t cp, wrong = 0;
	size_t n;

	/* A plain test in the loop: ck_assert marks a point each call. */
	for (cp = 0x10ffff; cp > 0; cp--) {
		n = encode(cp, buf);
		if (!(cp >= 0xd800 && cp <= 0xdfff) &&
		    utf8_has_control(buf, n) != utf8_is_control(cp))
			wrong = cp;
	}
	ck_assert_msg(wrong == 0, "U+%04X", (unsigned)wrong);
	ck_assert(utf8_has_control("\0", 1));
	ck_assert(utf8_has_control("ok\xff", 3));		/* not UTF-8 */
	ck_assert(utf8_has_control("\xe8\x8b", 2));		/* cut short */
	ck_assert(!utf8_has_control("tab\tand 苹果", strlen("tab\tand 苹果")));
}
END_TEST

START_TEST(test_utf8_text)
{
	ck_assert(utf8_text("tab\tand 世界", strlen("tab\tand 世界")));
	ck_assert(utf8_text("é ½ ‐ x", strlen("é ½ ‐ x")));
	ck_assert(!utf8_text("\xc2\x9b" "31m", 5));		/* U+009B CSI */
	ck_assert(!utf8_text("\xc2\x85", 2));		/* U+0085 NEL */
	ck_assert(!utf8_text("\xc2\x80", 2));
	ck_assert(utf8_text("\xc2\xa0", 2));		/* U+00A0: text */
	ck_assert(!utf8_text("\xe2\x80\xae", 3));	/* U+202E RLO */
	ck_assert(!utf8_text("\xe2\x81\xa6", 3));	/* U+2066 LRI */
	ck_assert(!utf8_text("\xe2\x80\xa8", 3));	/* U+2028 */
	ck_assert(!utf8_text("\xe2\x80\xa9", 3));	/* U+2029 */
	ck_assert(!utf8_text("\xe2\x80\x8f", 3));	/* U+200F RLM */
	ck_assert(!utf8_text("\x1b", 1));
	ck_assert(!utf8_text("\x7f", 1));
	ck_assert(!utf8_text("\xc0\xaf", 2));		/* overlong */
	ck_assert(utf8_text("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
}
END_TEST

/* Text with c inside, c a code point given as UTF-8. */
static int
text_with(const char *c)
{
	char buf[32];

	snprintf(buf, sizeof buf, "a%sb", c);
	return utf8_text(buf, strlen(buf));
}

START_TEST(test_utf8_text_invisible)
{
	static const char *const refused[] = {
		"\u200b", "\u200c", "\u200d", "\u2060", "\u2061", "\u206a",
		"\u206f", "\ufeff", "\u00ad", "\U000E0041", "\U000E0001",
		"\U000E007F", "\ufff9", "\ufffb", "\u180e", "\u3164",
		"\u115f", "\u1160", "\uffa0", "\ufffe", "\uffff",
		"\U0001FFFE", "\U0010FFFF", "\ufdd0", "\u0600", "\u06dd",
		"\U0001D173", "\U0001BCA0", "\ufe00", "\ufe0f", "\U000E0100",
		"\u034f",	/* combining grapheme joiner (attack pass 2) */
	};
	size_t i;

	for (i = 0; i < sizeof refused / sizeof refused[0]; i++)
		ck_assert_msg(!text_with(refused[i]), "case %zu", i);
	ck_assert(text_with("\u00a0"));			/* NBSP: text */
	ck_assert(text_with("\u0301"));			/* a combining accent */
	ck_assert(text_with("\ufffd"));
	/* Emoji sequences: ZWJ between emoji, VS16 after one, keycaps. */
	ck_assert(utf8_text("👩‍💻", strlen("👩‍💻")));
	ck_assert(utf8_text("❤️", strlen("❤️")));
	ck_assert(utf8_text("❤️‍🔥 ok", strlen("❤️‍🔥 ok")));
	ck_assert(utf8_text("👍🏽", strlen("👍🏽")));
	ck_assert(utf8_text("1️⃣", strlen("1️⃣")));
	ck_assert(!utf8_text("👩\u200d", strlen("👩\u200d")));	/* at the end */
	ck_assert(!utf8_text("\u200d💻", strlen("\u200d💻")));	/* at the start */
	ck_assert(!utf8_text("a\u200d💻", strlen("a\u200d💻")));
	ck_assert(!utf8_text("👩\u200d\u200d💻", strlen("👩\u200d\u200d💻")));
	ck_assert(!utf8_text("❤️\ufe0f", strlen("❤️\ufe0f")));
	ck_assert(!utf8_text("x\ufe0f", strlen("x\ufe0f")));
}
END_TEST

START_TEST(test_utf8_blank)
{
	static const uint32_t blanks[] = {
		' ', '\t', 0xa0, 0x1680, 0x2000, 0x200a, 0x202f, 0x205f, 0x3000,
	};
	size_t i;

	for (i = 0; i < sizeof blanks / sizeof blanks[0]; i++)
		ck_assert(utf8_is_blank(blanks[i]));
	ck_assert(!utf8_is_blank('a'));
	ck_assert(!utf8_is_blank(0x4e16));
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_utf8_has_control);
	tcase_add_test(tc, test_utf8_text);
	tcase_add_test(tc, test_utf8_text_invisible);
	tcase_add_test(tc, test_utf8_blank);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(utf8_suite());
}
