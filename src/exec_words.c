/*
 * exec_words.c: splitting an exec request into argv, the way a user types it
 * and without a shell: blanks separate words, '...' and "..." keep blanks
 * (and each other's quote) inside one word, and adjacent pieces join
 * (r''m is rm). Nothing else is special: ; | $() > * are plain bytes, so
 * no input can do more than name a program and its arguments.
 */
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
