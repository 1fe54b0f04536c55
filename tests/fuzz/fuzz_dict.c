/* SPDX-License-Identifier: MIT */
/* fuzz_dict.c: libFuzzer harness for the dictionary parser and table. */
#include <stddef.h>
#include <stdint.h>

#include "dict.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag quiet = { NULL, NULL, 0, 0 };
	struct dict *d = dict_parse((const char *)data, size, "fuzz", &quiet);
	size_t vlen, n;

	if (d == NULL)
		return 0;
	/* Every prefix of the input, up to 64 bytes, as a key. */
	for (n = 0; n <= size && n <= 64; n++)
		(void)dict_lookup(d, (const char *)data, n, &vlen);
	dict_free(d);
	return 0;
}
