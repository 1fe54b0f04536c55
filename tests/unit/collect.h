/* SPDX-License-Identifier: MIT */
/* collect.h: a struct diag sink for tests that keeps every message. */
#ifndef NETDEMO_TEST_COLLECT_H
#define NETDEMO_TEST_COLLECT_H

#include <stdio.h>
#include <string.h>

#include "diag.h"

struct collected {
	char	msgs[64][512];
	int	n;
};

static inline void
collect_emit(void *arg, const char *msg)
{
	struct collected *c = arg;

	if (c->n < 64)
		snprintf(c->msgs[c->n++], sizeof c->msgs[0], "%s", msg);
}

static inline struct diag
collect_diag(struct collected *c)
{
	struct diag d = { collect_emit, c, 0, 0 };

	memset(c, 0, sizeof *c);
	return d;
}

/* True when some collected message contains needle. */
static inline int
collected_has(const struct collected *c, const char *needle)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strstr(c->msgs[i], needle) != NULL)
			return 1;
	return 0;
}

#endif
