/* SPDX-License-Identifier: MIT */
/* fuzz_request.c: libFuzzer harness for the request trimmer (udp.c), UTF-8 and chat's parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chat_cmd.h"
#include "udp.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *arg;
	size_t len = udp_request_trim(s, size), arglen;
	enum chat_cmd cmd;

	if (len > size)
		abort();
	/* Text for a terminal is valid UTF-8, and nothing of it a control. */
	if (utf8_text(s, len) && (!utf8_valid(s, len) ||
	    memchr(s, 0x1b, len) != NULL || memchr(s, 0x7f, len) != NULL))
		abort();
	cmd = chat_cmd_parse(s, len, &arg, &arglen);
	if (arg < s || arg + arglen > s + len)
		abort();
	if ((cmd == CHAT_TEXT || cmd == CHAT_NICK) && !utf8_text(arg, arglen))
		abort();
	(void)cmd;
	return 0;
}
