/* SPDX-License-Identifier: MIT */
/* dictd_match.h: DICT MATCH strategies over a sorted index of a table's keys. */
#ifndef NETDEMO_DICTD_MATCH_H
#define NETDEMO_DICTD_MATCH_H

#include <stddef.h>

struct dict;
struct dictd_index;

/* The longest word matched; the command line's limit, so none is cut. */
#define DICTD_WORD_MAX	1024

enum dictd_strat {
	DICTD_STRAT_EXACT,
	DICTD_STRAT_PREFIX,
	DICTD_STRAT_SUBSTRING,
	DICTD_STRAT_SUFFIX,
	DICTD_STRAT_LEV,
	DICTD_STRAT_WORD,
	DICTD_NSTRATS
};

/* What "." asks for: dictd's default too. */
#define DICTD_STRAT_DEFAULT	DICTD_STRAT_LEV

struct dictd_strat_info {
	const char	*name, *desc;
};

extern const struct dictd_strat_info dictd_strats[DICTD_NSTRATS];

struct dictd_key {
	const char	*s;	/* the table's bytes, not NUL-terminated */
	size_t		 len;
};

/* One MATCH under way; the caller's memory, so a step allocates nothing. */
struct dictd_match {
	const struct dictd_index *ix;
	enum dictd_strat	 strat;
	char			 word[DICTD_WORD_MAX];
	size_t			 len;
	size_t			 pos, end;	/* the keys still to look at */
	struct dictd_key	*out;
	size_t			 max, n;	/* out[0..n), at most max */
	size_t			 more;		/* matches past max */
};

int		 dictd_strat_lookup(const char *, size_t);

struct dictd_index *dictd_index_begin(const struct dict *);
int		 dictd_index_step(struct dictd_index *, size_t);
struct dictd_index *dictd_index_build(const struct dict *);
size_t		 dictd_index_size(const struct dictd_index *);
const struct dictd_key *dictd_index_key(const struct dictd_index *, size_t);
void		 dictd_index_free(struct dictd_index *);
size_t		 dictd_index_exact(const struct dictd_index *ix, const char *w,
		    size_t len, struct dictd_key *out, size_t max);

void		 dictd_match_begin(struct dictd_match *m,
		    const struct dictd_index *ix, enum dictd_strat strat,
		    const char *word, size_t len, struct dictd_key *out,
		    size_t max);
int		 dictd_match_step(struct dictd_match *, size_t);

#endif
