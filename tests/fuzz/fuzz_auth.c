/* SPDX-License-Identifier: MIT */
/* fuzz_auth.c: libFuzzer harness for exec's signed-request parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char kb[32] = "fuzzing key, fuzzing key, fuzz!";
	static struct auth_replay *replay;
	struct auth_key key = { kb, sizeof kb };
	const char *cmd = NULL;
	size_t cmdlen = 0;
	char *req = malloc(size ? size : 1);
	enum auth_verdict v;

	if (req == NULL || (replay == NULL && (replay = auth_replay_new(0)) == NULL))
		abort();
	memcpy(req, data, size);	/* an exact-size copy: ASan sees overreads */
	v = auth_verify(&key, replay, req, size, 1800000000, &cmd, &cmdlen);
	if (v == AUTH_OK && (cmd < req || cmd + cmdlen > req + size))
		abort();
	(void)auth_verdict_name(v);
	free(req);
	return 0;
}
