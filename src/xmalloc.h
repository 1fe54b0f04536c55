/* SPDX-License-Identifier: MIT */
/* xmalloc.h: allocation for start-up and config paths: fail loudly, never NULL. */
#ifndef NETDEMO_XMALLOC_H
#define NETDEMO_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);

#endif
