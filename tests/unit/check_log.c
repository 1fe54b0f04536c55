/* SPDX-License-Identifier: MIT */
/* check_log.c: what the logger makes of text from the network or a file. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "run_suite.h"

static char out[256];

static const char *
esc(const char *in, size_t n)
{
	escape_text(in, n, out, sizeof out);
	return out;
}

#define ESC(s)	esc(s, sizeof s - 1)

/* A newline would end the line and let the rest forge the next one. */
START_TEST(test_controls_become_visible)
{
	ck_assert_str_eq(ESC("x\n2026-01-01 error: forged"),
	    "x\\n2026-01-01 error: forged");
	ck_assert_str_eq(ESC("a\tb\rc"), "a\\tb\\rc");
	ck_assert_str_eq(ESC("\x1b]0;pwned\x07"), "\\x1b]0;pwned\\x07");
	ck_assert_str_eq(ESC("del\x7f"), "del\\x7f");
	ck_assert_str_eq(ESC("nul\0byte"), "nul\\x00byte");
	ck_assert_str_eq(ESC("<0>emerg"), "<0>emerg");
}
END_TEST

START_TEST(test_utf8_stays_readable_and_c1_does_not)
{
	ck_assert_str_eq(ESC("苹果 café"), "苹果 café");
	/* U+009B is the one-byte CSI; U+0085 is NEL, a line end. */
	ck_assert_str_eq(ESC("a\xc2\x9b" "2J\xc2\x85"), "a\\xc2\\x9b2J\\xc2\\x85");
	ck_assert_str_eq(ESC("\xc2\xa0"), "\xc2\xa0");	/* U+00A0 is text */
	/* Invalid: a lone continuation, an overlong, a surrogate, a cut one. */
	ck_assert_str_eq(ESC("\x80"), "\\x80");
	ck_assert_str_eq(ESC("\xc0\xaf"), "\\xc0\\xaf");
	ck_assert_str_eq(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	ck_assert_str_eq(ESC("\xe8\x8b"), "\\xe8\\x8b");
	ck_assert_str_eq(ESC("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}
END_TEST

/* Invisible characters that reorder or break a line are shown. */
START_TEST(test_format_characters_become_visible)
{
	/* RLO, PDI, LRM, ALM, LS, PS, ZWSP, BOM, a tag character. */
	ck_assert_str_eq(ESC("a\xe2\x80\xae" "b"), "a\\u{202E}b");
	ck_assert_str_eq(ESC("\xe2\x81\xa9"), "\\u{2069}");
	ck_assert_str_eq(ESC("\xe2\x80\x8e\xd8\x9c"), "\\u{200E}\\u{061C}");
	ck_assert_str_eq(ESC("x\xe2\x80\xa8y\xe2\x80\xa9"),
	    "x\\u{2028}y\\u{2029}");
	ck_assert_str_eq(ESC("\xe2\x80\x8b\xef\xbb\xbf"), "\\u{200B}\\u{FEFF}");
	ck_assert_str_eq(ESC("\xf3\xa0\x80\x81"), "\\u{E0001}");
	ck_assert_str_eq(ESC("\xe2\x80\x90"), "\xe2\x80\x90");	/* U+2010 */
}
END_TEST

/* A typed backslash-n must not read as an escaped newline. */
START_TEST(test_backslash_is_escaped)
{
	ck_assert_str_eq(ESC("a\\nb"), "a\\\\nb");
	ck_assert_str_eq(ESC("a\nb"), "a\\nb");
}
END_TEST

static const char *fmt(const char *, ...) __attribute__((format(printf, 1, 2)));

/* What the logger writes for fmt: escape_vformat, into out. */
static const char *
fmt(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	escape_vformat(out, sizeof out, f, ap);
	va_end(ap);
	return out;
}

/* A quoted field's argument cannot close it and forge another field. */
START_TEST(test_quoted_field_escapes_quotes)
{
	ck_assert_str_eq(fmt("client \"%s\"", "back\\slash \"q\""),
	    "client \"back\\\\slash \\\"q\\\"\"");
	ck_assert_str_eq(fmt("%s: client \"%.*s\" (%d)", "d\"x", 3, "a\"bc",
	    7), "d\"x: client \"a\\\"b\" (7)");
	/* Outside quotes a quote is text; the format's own are never escaped. */
	ck_assert_str_eq(fmt("say \"hi\" to %s", "\"x\""),
	    "say \"hi\" to \"x\"");
}
END_TEST

/* Escaped once: a format character, a backslash, a newline. */
START_TEST(test_arguments_escaped_once)
{
	ck_assert_str_eq(fmt("client \"%s\"", "evil\xe2\x80\xae" "fdp.exe"),
	    "client \"evil\\u{202E}fdp.exe\"");
	ck_assert_str_eq(fmt("%s|%s", "a\\nb", "a\nb"), "a\\\\nb|a\\nb");
}
END_TEST

/* Every printf conversion the daemon uses formats as printf does. */
START_TEST(test_conversions_as_printf)
{
	char want[256];
	long long ll = -5;
	size_t z = 42;

	snprintf(want, sizeof want, "%d %5u %-3x| %lld %zu %ld %hhd %.2f %c %% "
	    "%*d|%-*s|%.*s|%08.3f %p", -1, 7u, 10u, ll, z, 123456789L,
	    (signed char)3, 2.5, 'q', 4, 9, -3, "ab", 2, "xyz", 3.14159,
	    (void *)&z);
	ck_assert_str_eq(fmt("%d %5u %-3x| %lld %zu %ld %hhd %.2f %c %% "
	    "%*d|%-*s|%.*s|%08.3f %p", -1, 7u, 10u, ll, z, 123456789L,
	    (signed char)3, 2.5, 'q', 4, 9, -3, "ab", 2, "xyz", 3.14159,
	    (void *)&z), want);
}
END_TEST

/* A line cut inside an argument ends there: no quote closes it after. */
START_TEST(test_cut_argument_ends_the_line)
{
	char big[600];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	fmt("x \"%s\" tail", big);
	ck_assert_uint_eq(strlen(out), sizeof out - 1);
	ck_assert_ptr_null(strstr(out, "tail"));
}
END_TEST

/* A full buffer cuts between characters, never inside an escape. */
START_TEST(test_cut_between_whole_pieces)
{
	char small[6];

	ck_assert_uint_eq(escape_text("abcd\ne", 6, small, sizeof small), 4);
	ck_assert_str_eq(small, "abcd");
	ck_assert_uint_eq(escape_text("abc苹", 6, small, sizeof small), 3);
	ck_assert_str_eq(small, "abc");
	ck_assert_uint_eq(escape_text("x", 1, small, 1), 0);
	ck_assert_str_eq(small, "");
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_controls_become_visible);
	tcase_add_test(tc, test_utf8_stays_readable_and_c1_does_not);
	tcase_add_test(tc, test_format_characters_become_visible);
	tcase_add_test(tc, test_backslash_is_escaped);
	tcase_add_test(tc, test_cut_between_whole_pieces);
	tcase_add_test(tc, test_quoted_field_escapes_quotes);
	tcase_add_test(tc, test_arguments_escaped_once);
	tcase_add_test(tc, test_conversions_as_printf);
	tcase_add_test(tc, test_cut_argument_ends_the_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return run_suite(log_suite());
}
