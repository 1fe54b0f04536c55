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
	char *buf = malloc(size + 1), *argv[WORDS_MAX], *allow[] = { "date", "/bin/echo" };
	struct strlist list = { allow, 2 };
	const char *why = NULL;
	int argc, i;

	if (buf == NULL)
		return 0;
	argc = words_split((const char *)data, size, buf, argv, WORDS_MAX, &why);
	for (i = 0; i < argc; i++) {
		(void)allowlist_match(&list, argv[i]);
		(void)allowlist_entry_ok(argv[i]);
		(void)strlen(argv[i]);	/* every word is NUL-terminated in buf */
	}
	if (argc >= 0 && argv[argc] != NULL)
		abort();
	free(buf);
	return 0;
}
