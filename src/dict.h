/* dict.h: the key:value dictionary file, parsed into an O(1) lookup table. */
#ifndef NETDEMO_DICT_H
#define NETDEMO_DICT_H

#include <stddef.h>

#include "diag.h"

struct dict;

/* The largest text dict_parse takes; dict_load takes its limit from the caller. */
#define DICT_MAX_FILE_SIZE	((size_t)1 << 30)

struct dict	*dict_parse(const char *, size_t, const char *, struct diag *);
struct dict	*dict_load(const char *, size_t, struct diag *, char *, size_t);
const char	*dict_lookup(const struct dict *, const char *, size_t, size_t *);
size_t		 dict_size(const struct dict *);
void		 dict_free(struct dict *);

#endif
