/* SPDX-License-Identifier: MIT */
/*
 * print.c: what netdemo-cli prints of a reply reaches a terminal, so
 * control characters (C0 but tab and newline, DEL, C1, bidirectional
 * controls, U+2028/2029) are shown as \u{XXXX} and bytes that are not
 * UTF-8 as \xHH: a service, or a chat member, cannot drive the terminal.
 */
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "utf8.h"

/* Writes s to f, escaped. */
void
cli_print_escaped(FILE *f, const char *s, size_t len)
{
	uint32_t cp;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_next(s + i, len - i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02X", (unsigned char)s[i]);
			n = 1;
		} else if (cp != '\n' && utf8_is_control(cp))
			fprintf(f, "\\u{%04X}", (unsigned)cp);
		else
			fwrite(s + i, 1, n, f);
		i += n;
	}
}
