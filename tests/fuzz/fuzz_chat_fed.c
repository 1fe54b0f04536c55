/* SPDX-License-Identifier: MIT */
/* fuzz_chat_fed.c: libFuzzer harness for chat federation's bus-message parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fed_msg.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size > 0 ? size : 1), err[256];
	const char *line, *mark;
	struct chat_fed_url u;
	size_t len;
	uint64_t id;

	if (copy == NULL)
		return 0;
	/* An exact-size copy: ASan sees any read past the message. */
	memcpy(copy, data, size);
	if (chat_fed_decode(copy, size, 1024, &id, &line, &len) == 0) {
		/* What passes is one line a member may see: text, a name, "# ". */
		if (line < copy || line + len > copy + size || !utf8_valid(line, len))
			abort();
		if ((mark = memchr(line, '#', len)) == NULL || mark[1] != ' ')
			abort();
	}
	(void)chat_fed_name_ok(copy, size);
	if (size < 200) {
		char *s = malloc(size + 1);

		if (s != NULL) {
			memcpy(s, data, size);
			s[size] = '\0';
			(void)chat_fed_url_parse(s, &u, err, sizeof err);
			(void)chat_fed_room_ok(s);
			free(s);
		}
	}
	free(copy);
	return 0;
}
