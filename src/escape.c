/* SPDX-License-Identifier: MIT */
/*
 * escape.c: text from the network or a file made safe for a log line or a
 * terminal. Control bytes (below 0x20, 0x7f), the C1 controls U+0080-U+009F
 * and bytes that are not valid UTF-8 become visible escapes (\n, \t, \r,
 * \xNN for each byte), so a client cannot end a log line and forge the
 * next, prefix a journal priority or send a terminal escape sequence.
 * Format characters (Unicode's Cf: bidirectional marks, embeddings,
 * overrides and isolates, zero-width spaces and joiners, the BOM) and the
 * line and paragraph separators become \u{XXXX}, as netdemo-cli shows
 * them, so a line cannot be made to read other than it is; a backslash
 * becomes \\, so a typed "\n" differs from an escaped newline. Other
 * valid non-ASCII UTF-8 stays readable.
 */
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "utf8.h"

/*
 * Unicode's format characters (general category Cf, as of Unicode 15)
 * and the line and paragraph separators: invisible, yet they reorder,
 * join or break the text around them.
 */
static int
is_format_char(uint32_t cp)
{
	static const unsigned ranges[][2] = {
		{ 0x00ad, 0x00ad }, { 0x0600, 0x0605 }, { 0x061c, 0x061c },
		{ 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
		{ 0x08e2, 0x08e2 }, { 0x180e, 0x180e }, { 0x200b, 0x200f },
		{ 0x2028, 0x202e }, { 0x2060, 0x2064 }, { 0x2066, 0x206f },
		{ 0xfeff, 0xfeff }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd },
		{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
		{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 },
		{ 0xe0020, 0xe007f },
	};
	size_t i;

	for (i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return 1;
	return 0;
}

/* The escape for control byte c: "\n", "\t", "\r" or "\xNN". */
static int
escape_byte(unsigned char c, char *buf, size_t len)
{
	switch (c) {
	case '\n':
		return snprintf(buf, len, "\\n");
	case '\t':
		return snprintf(buf, len, "\\t");
	case '\r':
		return snprintf(buf, len, "\\r");
	case '\\':
		return snprintf(buf, len, "\\\\");
	default:
		return snprintf(buf, len, "\\x%02x", c);
	}
}

/*
 * Writes in[0..n) escaped into out (always NUL-terminated when outlen > 0),
 * cutting only between whole characters or escapes. Returns the length
 * written.
 */
size_t
escape_text(const char *in, size_t n, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, off = 0, k, m;
	uint32_t cp = 0;
	char esc[16];
	const char *piece;

	if (outlen == 0)
		return 0;
	while (i < n) {
		k = utf8_next(in + i, n - i, &cp);
		piece = in + i;
		m = k;
		/* C1 controls are U+0080-U+009F: 0xc2 0x80 to 0xc2 0x9f. */
		if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f ||
		    s[i] == '\\'))) {
			k = 1;
			m = (size_t)escape_byte(s[i], esc, sizeof esc);
			piece = esc;
		} else if (k == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f) {
			m = (size_t)escape_byte(s[i], esc, sizeof esc);
			m += (size_t)escape_byte(s[i + 1], esc + m, sizeof esc - m);
			piece = esc;
		} else if (k >= 2 && is_format_char(cp)) {
			m = (size_t)snprintf(esc, sizeof esc, "\\u{%04X}",
			    (unsigned)cp);
			piece = esc;
		}
		if (off + m >= outlen)
			break;
		memcpy(out + off, piece, m);
		off += m;
		i += k;
	}
	out[off] = '\0';
	return off;
}
