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

/* True for well-formed UTF-8 with none of utf8_is_control's characters. */
int
utf8_text(const char *s, size_t len)
{
	uint32_t cp;
	size_t i = 0, n;

	while (i < len) {
		if ((n = utf8_next(s + i, len - i, &cp)) == 0 ||
		    utf8_is_control(cp))
			return 0;
		i += n;
	}
	return 1;
}
