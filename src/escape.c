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
 * valid non-ASCII UTF-8 stays readable. In a quoted field (escape_vformat)
 * a quote also becomes \", so the field cannot end early and forge
 * another; escape_vformat formats a log message so that it knows which
 * arguments are quoted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

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
 * cutting only between whole characters or escapes; quoted escapes '"'
 * too. Returns the length written.
 */
static size_t
escape_into(const char *in, size_t n, char *out, size_t outlen, int quoted)
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
		if (k == 1 && quoted && s[i] == '"') {
			m = (size_t)snprintf(esc, sizeof esc, "\\\"");
			piece = esc;
		} else if (k == 0 || (k == 1 && (s[i] < 0x20 || s[i] == 0x7f ||
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

/* in[0..n) escaped for a log line or a terminal, as escape_into says. */
size_t
escape_text(const char *in, size_t n, char *out, size_t outlen)
{
	return escape_into(in, n, out, outlen, 0);
}

/* The length modifier of a conversion, one letter: 'H' for hh, 'q' for ll. */
static char
escape_length_mod(const char **f, char *spec, size_t *n)
{
	char mod = 0;

	if (strchr("hlzjtL", **f) != NULL && **f != '\0') {
		mod = **f;
		spec[(*n)++] = *(*f)++;
		if ((mod == 'h' || mod == 'l') && **f == mod) {
			mod = mod == 'h' ? 'H' : 'q';
			spec[(*n)++] = *(*f)++;
		}
	}
	return mod;
}

/* Formats one integer conversion (spec ends in conv) by its modifier. */
static int
escape_format_int(char *buf, size_t len, const char *spec, char conv, char mod,
    va_list *ap)
{
	int sign = conv == 'd' || conv == 'i';

	switch (mod) {
	case 'l':
		return sign ? snprintf(buf, len, spec, va_arg(*ap, long)) :
		    snprintf(buf, len, spec, va_arg(*ap, unsigned long));
	case 'q':
		return sign ? snprintf(buf, len, spec, va_arg(*ap, long long)) :
		    snprintf(buf, len, spec, va_arg(*ap, unsigned long long));
	case 'z':
		return sign ? snprintf(buf, len, spec, va_arg(*ap, ssize_t)) :
		    snprintf(buf, len, spec, va_arg(*ap, size_t));
	case 'j':
		return sign ? snprintf(buf, len, spec, va_arg(*ap, intmax_t)) :
		    snprintf(buf, len, spec, va_arg(*ap, uintmax_t));
	case 't':
		return snprintf(buf, len, spec, va_arg(*ap, ptrdiff_t));
	default:	/* none, h and hh: promoted to int */
		return sign ? snprintf(buf, len, spec, va_arg(*ap, int)) :
		    snprintf(buf, len, spec, va_arg(*ap, unsigned));
	}
}

/* A '*' width or precision: the int argument, written into spec. */
static void
escape_star(char *spec, size_t *n, int precision, va_list *ap)
{
	int v = va_arg(*ap, int);

	if (precision && v < 0)
		return;		/* a negative precision is none */
	if (precision)
		spec[(*n)++] = '.';
	else if (v < 0)
		spec[(*n)++] = '-';	/* a negative width is left-justified */
	*n += (size_t)snprintf(spec + *n, 16, "%u",
	    v < 0 ? 0u - (unsigned)v : (unsigned)v);
}

/*
 * Formats the one conversion at *f (its '%') into buf and moves *f past
 * it: printf's own conversions, one at a time, so that the logger knows
 * which text an argument gave (escape_vformat). -1 for one it does not
 * know (%n, %ls).
 */
static int
escape_format_arg(char *buf, size_t len, const char **f, va_list *ap)
{
	char spec[64], mod, conv;
	size_t n = 0;

	spec[n++] = *(*f)++;
	while (**f != '\0' && strchr("-+ #0", **f) != NULL && n < 8)
		spec[n++] = *(*f)++;
	if (**f == '*') {
		(*f)++;
		escape_star(spec, &n, 0, ap);
	}
	while (**f >= '0' && **f <= '9' && n < 24)
		spec[n++] = *(*f)++;
	if (**f == '.' && (*f)[1] == '*') {
		*f += 2;
		escape_star(spec, &n, 1, ap);
	} else if (**f == '.')
		for (spec[n++] = *(*f)++; **f >= '0' && **f <= '9' && n < 48;)
			spec[n++] = *(*f)++;
	mod = escape_length_mod(f, spec, &n);
	if ((conv = **f) == '\0')
		return -1;
	(*f)++;
	spec[n++] = conv;
	spec[n] = '\0';
	if (strchr("diouxX", conv) != NULL)
		return escape_format_int(buf, len, spec, conv, mod, ap);
	if (strchr("fFeEgGaA", conv) != NULL)
		return mod == 'L' ? snprintf(buf, len, spec,
		    va_arg(*ap, long double)) : snprintf(buf, len, spec,
		    va_arg(*ap, double));
	if (conv == 'c' && mod == 0)
		return snprintf(buf, len, spec, va_arg(*ap, int));
	if (conv == 's' && mod == 0)
		return snprintf(buf, len, spec, va_arg(*ap, const char *));
	if (conv == 'p')
		return snprintf(buf, len, spec, va_arg(*ap, void *));
	if (conv == '%')
		return snprintf(buf, len, "%%");
	return -1;
}

/*
 * Formats fmt into out (NUL-terminated), escaped exactly once, for the
 * logger: the format's own text and each argument apart, so a conversion
 * between quotes in fmt ("%s") is known as a quoted field, and its
 * argument has '"' escaped as well, which a client's text cannot then
 * close to forge another field. An argument cut short by a full line ends
 * the line.
 */
size_t
escape_vformat(char *out, size_t outlen, const char *fmt, va_list ap)
{
	char piece[2048];
	const char *f = fmt, *lit;
	size_t off = 0, len;
	int n, full, quoted = 0;
	va_list aq;

	if (outlen == 0)
		return 0;
	out[0] = '\0';
	va_copy(aq, ap);
	while (*f != '\0') {
		lit = f;
		f += strcspn(f, "%");
		for (len = 0; lit + len < f; len++)
			quoted ^= lit[len] == '"';
		off += escape_text(lit, len, out + off, outlen - off);
		if (*f == '\0' ||
		    (n = escape_format_arg(piece, sizeof piece, &f, &aq)) < 0)
			break;
		len = n < (int)sizeof piece ? (size_t)n : sizeof piece - 1;
		full = outlen - off < ESCAPE_MAX(len);
		off += escape_into(piece, len, out + off, outlen - off, quoted);
		if (full)
			break;
	}
	va_end(aq);
	return off;
}
