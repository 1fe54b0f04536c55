/* SPDX-License-Identifier: MIT */
/*
 * print.c: what netdemo-cli prints of a reply reaches a terminal, so
 * control characters (C0 but tab and newline, DEL, C1, bidirectional
 * controls, U+2028/2029) are shown as \u{XXXX} and bytes that are not
 * UTF-8 as \xHH: a service, or a chat member, cannot drive the terminal.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "utf8.h"

/* Writes s to f, escaped; a newline too unless keep_newline. */
static void
print_escaped(FILE *f, const char *s, size_t len, int keep_newline)
{
	uint32_t cp;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02X", (unsigned char)s[i]);
			n = 1;
		} else if ((cp != '\n' || !keep_newline) && utf8_is_control(cp))
			fprintf(f, "\\u{%04X}", (unsigned)cp);
		else
			fwrite(s + i, 1, n, f);
		i += n;
	}
}

/* Writes s to f, escaped; a reply's lines stay lines. */
void
cli_print_escaped(FILE *f, const char *s, size_t len)
{
	print_escaped(f, s, len, 1);
}

/* Writes s to f, escaped, a newline too: a word stays on its line. */
void
cli_print_word(FILE *f, const char *s, size_t len)
{
	print_escaped(f, s, len, 0);
}

/*
 * A message and a newline to stderr, escaped as one word: what it quotes
 * (HOST, an option's value, a service's name for us) cannot drive the
 * terminal or forge a line. Longer ones are cut at the buffer.
 */
void
cli_warn(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	cli_print_word(stderr, buf, (size_t)n < sizeof buf ? (size_t)n :
	    sizeof buf - 1);
	fputc('\n', stderr);
}
