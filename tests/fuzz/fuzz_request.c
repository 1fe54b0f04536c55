/* fuzz_request.c: libFuzzer harness for the request trimmer, UTF-8 and chat's parser. */
#include <stdint.h>
#include <stdlib.h>

#include "chat_cmd.h"
#include "request.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *arg;
	size_t len = request_trim(s, size), arglen;
	enum chat_cmd cmd;

	if (len > size)
		abort();
	(void)utf8_valid(s, len);
	cmd = chat_cmd_parse(s, len, &arg, &arglen);
	if (arg < s || arg + arglen > s + len)
		abort();
	(void)cmd;
	return 0;
}
