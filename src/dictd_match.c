/* SPDX-License-Identifier: MIT */
/*
 * dictd_match.c: the DICT MATCH strategies over one table's keys.
 *
 * The keys are indexed once per loaded table, sorted with ASCII case
 * folded (ties broken bytewise), so exact and prefix matches are binary
 * searches that forgive case. The other strategies look at every key,
 * and a match is therefore run in steps of a bounded number of keys
 * (dictd_match_step), as the index is built (dictd_index_step): the
 * caller spreads a large table over event-loop turns. Everything here
 * compares bytes, with only ASCII letters folded; Levenshtein distance
 * counts UTF-8 characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "dictd_match.h"

/* Keys sorted by insertion before merging: short runs sort fastest so. */
#define DICTD_RUN	16

enum dictd_index_phase { INDEX_COPY, INDEX_RUNS, INDEX_MERGE, INDEX_DONE };

struct dictd_index {
	const struct dict	*dict;		/* while copying */
	struct dictd_key	*keys, *tmp;	/* tmp: the merge's other half */
	size_t			 n, pos;
	enum dictd_index_phase	 phase;
	/* The merge of keys[lo..mid) and keys[mid..hi) into tmp, at i, j, k. */
	size_t			 width, lo, mid, hi, i, j, k;
};

const struct dictd_strat_info dictd_strats[DICTD_NSTRATS] = {
	{ "exact", "Match headwords exactly" },
	{ "prefix", "Match prefixes" },
	{ "substring", "Match substring occurring anywhere in a headword" },
	{ "suffix", "Match suffixes" },
	{ "lev", "Match headwords within Levenshtein distance one" },
	{ "word", "Match separate words within headwords" },
};

static unsigned char
fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
fold_eq(const char *a, const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (fold(a[i]) != fold(b[i]))
			return 0;
	return 1;
}

/* Orders a and b with case folded; a prefix comes first. */
static int
fold_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i, n = alen < blen ? alen : blen;

	for (i = 0; i < n; i++)
		if (fold(a[i]) != fold(b[i]))
			return fold(a[i]) < fold(b[i]) ? -1 : 1;
	return alen < blen ? -1 : alen > blen;
}

/* The index's order: folded, then bytewise, so "Apple" < "apple". */
static int
key_cmp(const struct dictd_key *a, const struct dictd_key *b)
{
	int r = fold_cmp(a->s, a->len, b->s, b->len);

	return r != 0 ? r : memcmp(a->s, b->s, a->len);
}

/* The strategy named name[0..len) (any case; "." is the default), or -1. */
int
dictd_strat_lookup(const char *name, size_t len)
{
	size_t i;

	if (len == 1 && name[0] == '.')
		return DICTD_STRAT_DEFAULT;
	for (i = 0; i < DICTD_NSTRATS; i++)
		if (strlen(dictd_strats[i].name) == len &&
		    fold_eq(dictd_strats[i].name, name, len))
			return (int)i;
	return -1;
}

/* Starts an index of d's keys, built by dictd_index_step(). NULL: no memory. */
struct dictd_index *
dictd_index_begin(const struct dict *d)
{
	struct dictd_index *ix = calloc(1, sizeof *ix);

	if (ix == NULL)
		return NULL;
	ix->dict = d;
	ix->n = dict_size(d);
	ix->keys = calloc(ix->n + 1, sizeof *ix->keys);
	ix->tmp = calloc(ix->n + 1, sizeof *ix->tmp);
	if (ix->keys == NULL || ix->tmp == NULL) {
		dictd_index_free(ix);
		return NULL;
	}
	return ix;
}

static void
index_copy_some(struct dictd_index *ix, size_t budget)
{
	const char *val;
	size_t vlen;

	for (; budget > 0 && ix->pos < ix->n; budget--, ix->pos++)
		(void)dict_entry_at(ix->dict, ix->pos, &ix->keys[ix->pos].s,
		    &ix->keys[ix->pos].len, &val, &vlen);
	if (ix->pos == ix->n) {
		ix->dict = NULL;
		ix->pos = 0;
		ix->phase = INDEX_RUNS;
	}
}

static void
sort_run(struct dictd_key *k, size_t n)
{
	struct dictd_key t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = k[i];
		for (j = i; j > 0 && key_cmp(&k[j - 1], &t) > 0; j--)
			k[j] = k[j - 1];
		k[j] = t;
	}
}

static void
index_runs_some(struct dictd_index *ix, size_t budget)
{
	size_t len;

	for (; budget > 0 && ix->pos < ix->n; ix->pos += len) {
		len = ix->n - ix->pos < DICTD_RUN ? ix->n - ix->pos : DICTD_RUN;
		sort_run(ix->keys + ix->pos, len);
		budget = budget > len ? budget - len : 0;
	}
	if (ix->pos == ix->n) {
		ix->phase = ix->n > DICTD_RUN ? INDEX_MERGE : INDEX_DONE;
		ix->width = DICTD_RUN;
		ix->lo = ix->hi = ix->k = 0;
	}
}

/* Sets up the next pair of runs; 0 when the last pass is complete. */
static int
merge_next_pair(struct dictd_index *ix)
{
	struct dictd_key *t;

	ix->lo = ix->hi;
	if (ix->lo >= ix->n) {
		t = ix->keys;
		ix->keys = ix->tmp;
		ix->tmp = t;
		ix->width *= 2;
		ix->lo = 0;
		if (ix->width >= ix->n)
			return 0;
	}
	ix->mid = ix->n - ix->lo < ix->width ? ix->n : ix->lo + ix->width;
	ix->hi = ix->n - ix->mid < ix->width ? ix->n : ix->mid + ix->width;
	ix->i = ix->lo;
	ix->j = ix->mid;
	ix->k = ix->lo;
	return 1;
}

/* Merges budget keys of a bottom-up merge sort, one pass at a time. */
static void
index_merge_some(struct dictd_index *ix, size_t budget)
{
	const struct dictd_key *src = ix->keys;

	while (budget > 0) {
		if (ix->k == ix->hi) {
			if (!merge_next_pair(ix)) {
				ix->phase = INDEX_DONE;
				return;
			}
			src = ix->keys;
			continue;
		}
		if (ix->i < ix->mid &&
		    (ix->j == ix->hi || key_cmp(&src[ix->i], &src[ix->j]) <= 0))
			ix->tmp[ix->k++] = src[ix->i++];
		else
			ix->tmp[ix->k++] = src[ix->j++];
		budget--;
	}
}

/*
 * Builds about budget keys' worth of the index. Returns 1 while more is
 * left, 0 when the index is complete (and the table may be unloaded only
 * with it: the keys point into the table).
 */
int
dictd_index_step(struct dictd_index *ix, size_t budget)
{
	if (ix->phase == INDEX_COPY)
		index_copy_some(ix, budget);
	else if (ix->phase == INDEX_RUNS)
		index_runs_some(ix, budget);
	else if (ix->phase == INDEX_MERGE)
		index_merge_some(ix, budget);
	if (ix->phase != INDEX_DONE)
		return 1;
	free(ix->tmp);
	ix->tmp = NULL;
	return 0;
}

/* The index of d's keys at once (for tests and small tables). */
struct dictd_index *
dictd_index_build(const struct dict *d)
{
	struct dictd_index *ix = dictd_index_begin(d);

	while (ix != NULL && dictd_index_step(ix, SIZE_MAX))
		;
	return ix;
}

size_t
dictd_index_size(const struct dictd_index *ix)
{
	return ix->n;
}

/* The i-th key in the index's order (i < dictd_index_size()). */
const struct dictd_key *
dictd_index_key(const struct dictd_index *ix, size_t i)
{
	return &ix->keys[i];
}

void
dictd_index_free(struct dictd_index *ix)
{
	if (ix == NULL)
		return;
	free(ix->keys);
	free(ix->tmp);
	free(ix);
}

/* The first key not folded-less than w: where w or its extensions start. */
static size_t
lower_bound(const struct dictd_index *ix, const char *w, size_t len)
{
	size_t lo = 0, hi = ix->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (fold_cmp(ix->keys[mid].s, ix->keys[mid].len, w, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The keys equal to w: the one equal byte for byte, else all equal folded. */
static size_t
exact_lookup(const struct dictd_index *ix, const char *w, size_t len,
    struct dictd_key *out, size_t max)
{
	size_t i, n = 0;
	const struct dictd_key *k;

	for (i = lower_bound(ix, w, len); i < ix->n; i++) {
		k = &ix->keys[i];
		if (k->len != len || !fold_eq(k->s, w, len))
			break;
		if (memcmp(k->s, w, len) == 0 && max > 0) {
			out[0] = *k;
			return 1;
		}
		if (n < max)
			out[n++] = *k;
	}
	return n;
}

/*
 * Puts up to max keys that w names into out and returns how many: the key
 * equal to w, else keys equal to it but for ASCII case, else the same
 * again for w without leading and trailing blanks (as the UDP dict
 * forgives). Cheap (a binary search): DEFINE and "exact" need no steps.
 */
size_t
dictd_index_exact(const struct dictd_index *ix, const char *w, size_t len,
    struct dictd_key *out, size_t max)
{
	size_t n;

	if ((n = exact_lookup(ix, w, len, out, max)) > 0)
		return n;
	while (len > 0 && is_blank(*w)) {
		w++;
		len--;
	}
	while (len > 0 && is_blank(w[len - 1]))
		len--;
	return exact_lookup(ix, w, len, out, max);
}

/* Bytes in the UTF-8 character at s, never past left. */
static size_t
char_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	return n < left ? n : left;
}

static int
rest_eq(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && fold_eq(a, b, alen);
}

/*
 * Whether a and b are at most one character's insertion, deletion or
 * substitution apart: after their common start, one of the three must
 * leave equal rests. Linear, where full dynamic programming is quadratic.
 */
static int
lev_within_one(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i = 0, ca, cb;

	if (alen > blen + 4 || blen > alen + 4)
		return 0;
	while (i < alen && i < blen) {
		ca = char_len(a + i, alen - i);
		cb = char_len(b + i, blen - i);
		if (ca != cb || !fold_eq(a + i, b + i, ca))
			break;
		i += ca;
	}
	if (i == alen && i == blen)
		return 1;
	ca = i < alen ? char_len(a + i, alen - i) : 0;
	cb = i < blen ? char_len(b + i, blen - i) : 0;
	return rest_eq(a + i + ca, alen - i - ca, b + i + cb, blen - i - cb) ||
	    rest_eq(a + i + ca, alen - i - ca, b + i, blen - i) ||
	    rest_eq(a + i, alen - i, b + i + cb, blen - i - cb);
}

/* Whether w occurs in key at from or later; its place in *at. */
static int
fold_find(const char *key, size_t klen, const char *w, size_t wlen,
    size_t from, size_t *at)
{
	size_t i;

	for (i = from; wlen <= klen && i <= klen - wlen; i++)
		if (fold_eq(key + i, w, wlen)) {
			*at = i;
			return 1;
		}
	return 0;
}

/* Whether w is one or more whole blank-separated words of key. */
static int
word_match(const char *key, size_t klen, const char *w, size_t wlen)
{
	size_t at, from = 0;

	if (wlen == 0)
		return 0;
	while (fold_find(key, klen, w, wlen, from, &at)) {
		if ((at == 0 || is_blank(key[at - 1])) &&
		    (at + wlen == klen || is_blank(key[at + wlen])))
			return 1;
		from = at + 1;
	}
	return 0;
}

static int
key_matches(const struct dictd_match *m, const struct dictd_key *k)
{
	size_t at;

	switch (m->strat) {
	case DICTD_STRAT_PREFIX:
		return k->len >= m->len && fold_eq(k->s, m->word, m->len);
	case DICTD_STRAT_SUFFIX:
		return k->len >= m->len &&
		    fold_eq(k->s + k->len - m->len, m->word, m->len);
	case DICTD_STRAT_SUBSTRING:
		return fold_find(k->s, k->len, m->word, m->len, 0, &at);
	case DICTD_STRAT_WORD:
		return word_match(k->s, k->len, m->word, m->len);
	case DICTD_STRAT_LEV:
		return lev_within_one(k->s, k->len, m->word, m->len);
	default:
		return 0;
	}
}

/*
 * Starts matching word[0..len) (copied) by strat over ix, keeping up to
 * max matching keys in out (ix's order) and counting the rest in m->more.
 * Exact matches are complete at once; others need dictd_match_step().
 */
void
dictd_match_begin(struct dictd_match *m, const struct dictd_index *ix,
    enum dictd_strat strat, const char *word, size_t len,
    struct dictd_key *out, size_t max)
{
	memset(m, 0, sizeof *m);
	m->ix = ix;
	m->strat = strat;
	m->len = len < sizeof m->word ? len : sizeof m->word;
	memcpy(m->word, word, m->len);
	m->out = out;
	m->max = max;
	m->end = ix->n;
	if (strat == DICTD_STRAT_EXACT) {
		m->n = dictd_index_exact(ix, m->word, m->len, out, max);
		m->pos = m->end;
	} else if (strat == DICTD_STRAT_PREFIX)
		m->pos = lower_bound(ix, m->word, m->len);
}

/*
 * Looks at up to budget more keys. Returns 1 while keys remain, 0 when
 * the match is complete: m->out[0..m->n) hold it, m->more the overflow.
 */
int
dictd_match_step(struct dictd_match *m, size_t budget)
{
	const struct dictd_key *k;

	for (; budget > 0 && m->pos < m->end; budget--, m->pos++) {
		k = &m->ix->keys[m->pos];
		if (!key_matches(m, k)) {
			/* The prefix range is contiguous: past it, nothing more. */
			if (m->strat == DICTD_STRAT_PREFIX) {
				m->end = m->pos;
				break;
			}
			continue;
		}
		if (m->n < m->max)
			m->out[m->n++] = *k;
		else
			m->more++;
	}
	return m->pos < m->end;
}
