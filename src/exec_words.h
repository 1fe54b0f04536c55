/* SPDX-License-Identifier: MIT */
/* exec_words.h: exec's request splitter: blanks separate words, quotes group them. */
#ifndef NETDEMO_EXEC_WORDS_H
#define NETDEMO_EXEC_WORDS_H

#include <stddef.h>

#define WORDS_MAX	64	/* words in one command, argv[0] included */

int	words_split(const char *in, size_t len, char *buf, char **argv,
	    size_t max, const char **why);
void	words_join(char *const [], char *, size_t);

#endif
