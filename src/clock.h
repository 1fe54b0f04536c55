/* SPDX-License-Identifier: MIT */
/* clock.h: the monotonic clock, as one count of nanoseconds. */
#ifndef NETDEMO_CLOCK_H
#define NETDEMO_CLOCK_H

#include <stdint.h>
#include <time.h>

#define NSEC_PER_USEC	1000LL
#define NSEC_PER_MSEC	1000000LL
#define NSEC_PER_SEC	1000000000LL

/* Nanoseconds on CLOCK_MONOTONIC: for intervals, never for dates. */
static inline int64_t
clock_monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

#endif
