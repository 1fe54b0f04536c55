/* SPDX-License-Identifier: MIT */
/* check_utf8.c: strict UTF-8 validation and text checks. */
#include <arpa/inet.h>
#include <check.h>
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

START_TEST(test_utf8_text)
{
	ck_assert(utf8_text("tab\tand 世界", strlen("tab\tand 世界")));
	ck_assert(utf8_text("é ½ ‐ ​", strlen("é ½ ‐ ​")));
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

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_utf8_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(utf8_suite());
}
