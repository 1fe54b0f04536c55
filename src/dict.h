/* SPDX-License-Identifier: MIT */
/* dict.h: the key:value dictionary file, parsed into an O(1) lookup table. */
#ifndef NETDEMO_DICT_H
#define NETDEMO_DICT_H

#include <stddef.h>

#include "diag.h"

struct dict;
struct dict_load;

/* The longest marker dict_cut_mark() returns: "; …". */
#define DICT_CUT_MARK_MAX	5

/* The largest text dict_parse takes; dict_load takes its limit from the caller. */
#define DICT_MAX_FILE_SIZE	((size_t)1 << 30)

/* The longest key dict_lookup_loose() folds (on the stack). */
#define DICT_LOOSE_MAX	256

/* dict.c: the table and its parser. */
struct dict	*dict_parse(const char *, size_t, const char *, struct diag *);
size_t		 dict_count_line_ends(const char *, size_t);
struct dict	*dict_new(char *text, size_t len, size_t line_ends,
		    const char *name, struct diag *diag);
int		 dict_parse_some(struct dict *, size_t);
const char	*dict_lookup(const struct dict *, const char *, size_t, size_t *);
const char	*dict_lookup_loose(const struct dict *, const char *, size_t,
		    size_t *);
size_t		 dict_cut_value(const char *, size_t, size_t, size_t);
const char	*dict_cut_mark(const char *, size_t, size_t);
size_t		 dict_count_longer(const struct dict *, size_t);
size_t		 dict_size(const struct dict *);
int		 dict_release_some(struct dict *, size_t);
void		 dict_free(struct dict *);

/* dict_load.c: a file into a table, at once or in slices. */
struct dict	*dict_load(const char *path, size_t max, struct diag *diag,
		    char *err, size_t errlen);
struct dict_load *dict_load_begin(const char *path, size_t max,
		    struct diag *diag, char *err, size_t errlen);
int		 dict_load_step(struct dict_load *, char *, size_t);
struct dict	*dict_load_take(struct dict_load *);
void		 dict_load_free(struct dict_load *);

/* dict.c: the entries one by one, for an index of another order. */
int		 dict_entry_at(const struct dict *d, size_t i, const char **key,
		    size_t *klen, const char **val, size_t *vlen);

#endif
