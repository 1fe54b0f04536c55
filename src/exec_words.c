/* SPDX-License-Identifier: MIT */
/*
 * exec_words.c: splitting an exec request into argv, the way a user types it
 * and without a shell: blanks separate words, '...' and "..." keep blanks
 * (and each other's quote) inside one word, and adjacent pieces join
 * (r''m is rm). Nothing else is special: ; | $() > * are plain bytes, so
 * no input can do more than name a program and its arguments.
 */
#include <string.h>

#include "exec_words.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * Splits in[0..len) into at most max - 1 words, written NUL-terminated into
 * buf (len + 1 bytes), with argv[argc] = NULL. Returns argc, or -1 with
 * *why set ("unterminated quote", "too many words").
 */
int
words_split(const char *in, size_t len, char *buf, char **argv, size_t max,
    const char **why)
{
	size_t i = 0, argc = 0;
	char *out = buf, quote;

	for (;;) {
		while (i < len && is_blank(in[i]))
			i++;
		if (i == len)
			break;
		if (argc + 1 >= max) {
			*why = "too many words";
			return -1;
		}
		argv[argc++] = out;
		while (i < len && !is_blank(in[i])) {
			if (in[i] != '\'' && in[i] != '"') {
				*out++ = in[i++];
				continue;
			}
			quote = in[i++];
			while (i < len && in[i] != quote)
				*out++ = in[i++];
			if (i == len) {
				*why = "unterminated quote";
				return -1;
			}
			i++;
		}
		*out++ = '\0';
	}
	argv[argc] = NULL;
	return (int)argc;
}

/*
 * argv as a user would type it: words joined by blanks, a word holding a
 * blank or a quote, or nothing, in quotes; cut with "..." to fit len (at
 * least 8). Bytes are copied as they are: whoever shows the result escapes.
 */
void
words_join(char *const argv[], char *buf, size_t len)
{
	size_t off = 0, i;
	const char *a;
	char quote;

	for (i = 0; argv[i] != NULL && off + 8 < len; i++) {
		quote = strchr(argv[i], '\'') != NULL ? '"' :
		    (argv[i][0] == '\0' || strpbrk(argv[i], " \t\"") != NULL) ?
		    '\'' : '\0';
		if (i > 0)
			buf[off++] = ' ';
		if (quote)
			buf[off++] = quote;
		for (a = argv[i]; *a != '\0' && off + 8 < len; a++)
			buf[off++] = *a;
		if (quote)
			buf[off++] = quote;
	}
	if (argv[i] != NULL || off + 8 >= len)
		memcpy(buf + off, "...", 3), off += 3;
	buf[off] = '\0';
}
