/* SPDX-License-Identifier: MIT */
/* hash.h: a seeded hash for tables whose keys the network chooses. */
#ifndef NETDEMO_HASH_H
#define NETDEMO_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t	hash_seeded(const void *, size_t, uint64_t);
uint64_t	hash_random_seed(void);

#endif
