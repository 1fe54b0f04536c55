/* SPDX-License-Identifier: MIT */
/* utf8.h: strict UTF-8 validation (no overlongs, surrogates or values past U+10FFFF). */
#ifndef NETDEMO_UTF8_H
#define NETDEMO_UTF8_H

#include <stddef.h>
#include <stdint.h>

int	utf8_valid(const char *, size_t);
int	utf8_text(const char *, size_t);
size_t	utf8_next(const char *, size_t, uint32_t *);
int	utf8_is_control(uint32_t);
int	utf8_has_control(const char *, size_t);
int	utf8_is_invisible(uint32_t);
int	utf8_is_blank(uint32_t);

#endif
