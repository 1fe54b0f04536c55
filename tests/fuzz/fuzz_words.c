/* SPDX-License-Identifier: MIT */
/* fuzz_words.c: libFuzzer harness for exec's word splitter and the allowlist. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_allowlist.h"
#include "config.h"
#include "exec_words.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[WORDS_MAX], line[256], err[256];
	char *allow[] = { "date", "/bin/echo", "df -h", "ping -c 1 *" };
	struct strlist list = { allow, 4 };
	struct allowlist l;
	const char *why = NULL;
	int argc, i;

	if (buf == NULL || allowlist_parse(&list, 0, &l, err, sizeof err) == -1)
		abort();
	argc = words_split((const char *)data, size, buf, argv, WORDS_MAX, &why);
	for (i = 0; i < argc; i++) {
		(void)allowlist_entry_ok(argv[i]);
		(void)allowlist_is_runner(argv[i]);
		(void)strlen(argv[i]);	/* every word is NUL-terminated in buf */
	}
	if (argc >= 0 && argv[argc] != NULL)
		abort();
	if (argc > 0) {
		(void)allowlist_match(&l, argv);
		words_join(argv, line, sizeof line);
		if (strlen(line) >= sizeof line)
			abort();
	}
	allowlist_free(&l);
	free(buf);
	return 0;
}
