/* request.h: what part of a UDP datagram is the request. */
#ifndef NETDEMO_REQUEST_H
#define NETDEMO_REQUEST_H

#include <stddef.h>

size_t	request_trim(const char *, size_t);

#endif
