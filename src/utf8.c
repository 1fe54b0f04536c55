/* SPDX-License-Identifier: MIT */
/*
 * utf8.c: strict UTF-8 validation, following the table in RFC 3629 section
 * 4, and the stricter test for text shown on someone else's terminal.
 */
#include <stdint.h>

#include "utf8.h"

/* Length of the sequence at s (at most n bytes) if well-formed, else 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	/* The second byte's range is what rules out overlongs and surrogates. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_seq(p + i, len - i)) == 0)
			return 0;
		i += n;
	}
	return 1;
}

/*
 * Whether cp is something a terminal acts on or that bends how the text
 * around it reads: C0 controls but tab, DEL, C1 controls (U+009B is CSI,
 * U+0085 NEL), the line and paragraph separators, and the bidirectional
 * marks, embeddings, overrides and isolates.
 */
int
utf8_is_control(uint32_t cp)
{
	return (cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp <= 0x9f) ||
	    cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	    (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The code point of the well-formed sequence of n bytes at s. */
static uint32_t
utf8_decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * The length of the character at s (at most len bytes) and in *cp its
 * code point; 0 if s starts no well-formed sequence.
 */
size_t
utf8_next(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = utf8_seq(p, len);

	if (n > 0)
		*cp = utf8_decode(p, n);
	return n;
}

/*
 * Whether s holds one of utf8_is_control's characters, or is not
 * well-formed: a line of a dictionary, sent as it is to a terminal. Quick
 * on what such files hold: printable ASCII is passed over as bytes, and a
 * sequence led by 0xE3 or above (U+3000 on, CJK) is past the last
 * control, U+2069.
 */
int
utf8_has_control(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = 1;
		if (p[i] >= 0x20 && p[i] < 0x7f)
			continue;
		if (p[i] >= 0x80 && (n = utf8_seq(p + i, len - i)) == 0)
			return 1;
		if (p[i] < 0xe3 && utf8_is_control(n == 1 ? p[i] :
		    utf8_decode(p + i, n)))
			return 1;
	}
	return 0;
}

/*
 * Whether cp shows nothing of its own yet changes or hides what is there:
 * the format characters (Unicode Cf: soft hyphen, zero-width spaces and
 * joiners, word joiner and invisible operators, BOM, interlinear
 * annotations, tags, ...), the combining grapheme joiner U+034F, the
 * Hangul and Mongolian fillers and variation selectors that render as
 * nothing, and the noncharacters. U+200D ZWJ and U+FE0F VS16 are here too:
 * utf8_text allows them only inside an emoji sequence.
 */
int
utf8_is_invisible(uint32_t cp)
{
	return cp == 0x00ad || cp == 0x034f ||
	    (cp >= 0x0600 && cp <= 0x0605) || cp == 0x06dd || cp == 0x070f ||
	    cp == 0x0890 || cp == 0x0891 ||
	    cp == 0x08e2 || cp == 0x115f || cp == 0x1160 || cp == 0x17b4 ||
	    cp == 0x17b5 || (cp >= 0x180b && cp <= 0x180f) ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2060 && cp <= 0x206f) ||
	    cp == 0x3164 || (cp >= 0xfdd0 && cp <= 0xfdef) ||
	    (cp >= 0xfe00 && cp <= 0xfe0f) || cp == 0xfeff || cp == 0xffa0 ||
	    (cp >= 0xfff0 && cp <= 0xfffb) || (cp & 0xfffe) == 0xfffe ||
	    cp == 0x110bd || cp == 0x110cd ||
	    (cp >= 0x13430 && cp <= 0x1343f) ||
	    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
	    (cp >= 0x1d173 && cp <= 0x1d17a) ||
	    (cp >= 0xe0000 && cp <= 0xe0fff);
}

/*
 * Whether cp is a blank: tab and the Unicode space separators (Zs), and
 * the Braille blank that looks like one.
 */
int
utf8_is_blank(uint32_t cp)
{
	return cp == '\t' || cp == ' ' || cp == 0x00a0 || cp == 0x1680 ||
	    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x202f || cp == 0x205f ||
	    cp == 0x2800 || cp == 0x3000;
}

/*
 * Whether cp is an emoji a ZWJ sequence may join: the pictographic blocks
 * (U+1F000..U+1FAFF, skin tones included) and the older symbols emoji
 * took over (U+2190..U+21FF, U+2300..U+27BF, U+2B00..U+2BFF).
 */
static int
utf8_is_emoji(uint32_t cp)
{
	return (cp >= 0x1f000 && cp <= 0x1faff) ||
	    (cp >= 0x2190 && cp <= 0x21ff) || (cp >= 0x2300 && cp <= 0x27bf) ||
	    (cp >= 0x2b00 && cp <= 0x2bff);
}

/*
 * True for well-formed UTF-8 with none of utf8_is_control's characters
 * and none of utf8_is_invisible's, but for U+FE0F right after an emoji
 * and U+200D between two (👩‍💻, ❤️‍🔥, 1️⃣): the sequences emoji
 * keyboards send.
 */
int
utf8_text(const char *s, size_t len)
{
	uint32_t cp, next;
	size_t i = 0, n;
	int emoji = 0;		/* 1: after an emoji, 2: after its VS16 */

	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &cp)) == 0 ||
		    utf8_is_control(cp))
			return 0;
		if (cp == 0x200d) {
			if (!emoji || i + n == len ||
			    utf8_next(s + i + n, len - i - n, &next) == 0 ||
			    !utf8_is_emoji(next))
				return 0;
			emoji = 0;
		} else if (cp == 0xfe0f) {
			if (emoji != 1)
				return 0;
			emoji = 2;
		} else if (utf8_is_invisible(cp))
			return 0;
		else	/* a keycap is a digit, # or *, VS16, U+20E3 */
			emoji = utf8_is_emoji(cp) || (cp >= '0' && cp <= '9') ||
			    cp == '#' || cp == '*';
		i += n;
	}
	return 1;
}
