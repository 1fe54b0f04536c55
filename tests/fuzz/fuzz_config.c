/* SPDX-License-Identifier: MIT */
/* fuzz_config.c: libFuzzer harness for iniparser plus netdemo's config validation. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag quiet = { NULL, NULL, 0, 0 };
	struct config *conf;
	char path[64];
	int fd = memfd_create("netdemo-fuzz.ini", MFD_CLOEXEC);

	if (fd == -1)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		if ((conf = config_load(path, &quiet)) != NULL)
			config_free(conf);
	}
	close(fd);
	return 0;
}
