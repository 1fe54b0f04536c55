/* SPDX-License-Identifier: MIT */
/* escape.h: control bytes and invalid UTF-8 as visible escapes (escape.c). */
#ifndef NETDEMO_ESCAPE_H
#define NETDEMO_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>

/* An escape is at most 4 bytes for each byte of input. */
#define ESCAPE_MAX(n)	((n) * 4 + 1)

size_t	escape_text(const char *, size_t, char *, size_t);
size_t	escape_vformat(char *, size_t, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));

#endif
