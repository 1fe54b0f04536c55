/* SPDX-License-Identifier: MIT */
/* diag.c: formatting complaints for a struct diag, and the log-backed sink. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"

void
diag_add(struct diag *d, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	d->count++;
	if (d->emit != NULL && (d->limit == 0 || d->count <= d->limit))
		d->emit(d->arg, msg);
}

/* The level travels in the arg pointer itself: nothing to own or free. */
static void
emit_to_log(void *arg, const char *msg)
{
	log_at((enum log_level)(intptr_t)arg, "%s", msg);
}

struct diag
diag_to_log(enum log_level level)
{
	struct diag d = { emit_to_log, (void *)(intptr_t)level, 0, 0 };

	return d;
}
