/*
 * request.c: the request inside a datagram.
 *
 * The text runs up to the first NUL byte (the seed's client sends a
 * NUL-padded buffer) and loses trailing CR and LF (nc and socat send a
 * line). Nothing else is touched: leading blanks may be part of a word.
 */
#include <string.h>

#include "request.h"

/* Returns the length of the request at the start of buf. */
size_t
request_trim(const char *buf, size_t len)
{
	const char *nul = memchr(buf, '\0', len);

	if (nul != NULL)
		len = (size_t)(nul - buf);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	return len;
}
