/* SPDX-License-Identifier: MIT */
/*
 * dict.c: dictionary files ("apple:苹果" a line) and their hash table.
 *
 * The file's bytes stay in one buffer that the table points into, so a
 * table costs the file plus 24 bytes an entry plus 4 bytes a slot. Lines
 * that cannot be entries are skipped with a complaint naming the line.
 * The parser sees only bytes (and can be fuzzed), and takes them in slices
 * so a large file loads without holding up the event loop; dict_load.c
 * reads the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dict.h"
#include "utf8.h"

struct dict_entry {
	uint32_t	key_off, key_len;
	uint32_t	val_off, val_len;
	uint32_t	hash;
	uint32_t	line;
};

struct dict {
	char			*text;		/* the file; keys and values point here */
	struct dict_entry	*entries;
	size_t			 nentries;
	uint32_t		*slots;		/* entry index + 1; 0 is empty */
	size_t			 mask;		/* slots - 1, a power of two less one */
	/* Where dict_parse_some() goes on: lines before pos are in. */
	size_t			 len, pos;
	uint32_t		 lineno;
	const char		*name;		/* for complaints */
	struct diag		*diag;
	int			 release_region; /* dict_release_some()'s place */
	size_t			 release_off;
};

/* One line, cut into its parts. */
struct dict_line {
	const char	*key, *val;
	size_t		 key_len, val_len;
};

/* FNV-1a: keys come from the admin's file, not from the network. */
static uint32_t
dict_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/*
 * Why a line utf8_has_control() refused is bad, as its owner would fix
 * it: a NUL byte, invalid UTF-8, a CR inside it (old Mac line ends), else
 * a character a terminal acts on (a reply carries a value as it is, and
 * `nc -u` shows it).
 */
static const char *
dict_bad_text(const char *s, size_t len)
{
	if (memchr(s, '\0', len) != NULL)
		return "contains a NUL byte";
	if (!utf8_valid(s, len))
		return "invalid UTF-8";
	if (memchr(s, '\r', len) != NULL)
		return "a carriage return inside the line (old Mac line ends?)";
	return "a control character (escape, C1 or bidi control)";
}

/*
 * Cuts line into key and value. Returns 1 for an entry, 0 for a line to
 * skip quietly (blank, comment), -1 with *why set for a bad line.
 */
static int
dict_split_line(const char *s, size_t len, struct dict_line *out,
    const char **why)
{
	const char *colon;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	trim(&s, &len);
	if (len == 0 || s[0] == '#')
		return 0;
	if (utf8_has_control(s, len))	/* one pass over a good line */
		*why = dict_bad_text(s, len);
	else if ((colon = memchr(s, ':', len)) == NULL)
		*why = "no ':' separator";
	else {
		out->key = s;
		out->key_len = (size_t)(colon - s);
		out->val = colon + 1;
		out->val_len = len - out->key_len - 1;
		trim(&out->key, &out->key_len);
		trim(&out->val, &out->val_len);
		if (out->key_len == 0)
			*why = "empty key";
		else if (out->val_len == 0)
			*why = "empty value";
		else
			return 1;
	}
	return -1;
}

static const struct dict_entry *
dict_find(const struct dict *d, const char *key, size_t len, uint32_t hash)
{
	size_t i = hash & d->mask;
	const struct dict_entry *e;

	for (; d->slots[i] != 0; i = (i + 1) & d->mask) {
		e = &d->entries[d->slots[i] - 1];
		if (e->hash == hash && e->key_len == len &&
		    memcmp(d->text + e->key_off, key, len) == 0)
			return e;
	}
	return NULL;
}

/* Adds the entry unless its key is there; returns the earlier entry if so. */
static const struct dict_entry *
dict_insert(struct dict *d, const struct dict_line *l, uint32_t line)
{
	uint32_t hash = dict_hash(l->key, l->key_len);
	const struct dict_entry *old = dict_find(d, l->key, l->key_len, hash);
	struct dict_entry *e;
	size_t i;

	if (old != NULL)
		return old;
	e = &d->entries[d->nentries++];
	e->key_off = (uint32_t)(l->key - d->text);
	e->key_len = (uint32_t)l->key_len;
	e->val_off = (uint32_t)(l->val - d->text);
	e->val_len = (uint32_t)l->val_len;
	e->hash = hash;
	e->line = line;
	for (i = hash & d->mask; d->slots[i] != 0; i = (i + 1) & d->mask)
		;
	d->slots[i] = (uint32_t)d->nentries;
	return NULL;
}

/* Sizes the table for at most maxlines entries at a load of one half. */
static int
dict_alloc_table(struct dict *d, size_t maxlines)
{
	size_t nslots = 16;

	while (nslots < maxlines * 2)
		nslots *= 2;
	d->entries = malloc(maxlines * sizeof *d->entries);
	d->slots = calloc(nslots, sizeof *d->slots);
	d->mask = nslots - 1;
	return (d->entries == NULL || d->slots == NULL) ? -1 : 0;
}

static void
dict_parse_line(struct dict *d, const char *s, size_t len, uint32_t lineno,
    const char *name, struct diag *diag)
{
	const struct dict_entry *old;
	struct dict_line l;
	const char *why = NULL;
	int r = dict_split_line(s, len, &l, &why);

	if (r == -1)
		diag_add(diag, "%s:%u: %s, line skipped", name, lineno, why);
	if (r != 1)
		return;
	if ((old = dict_insert(d, &l, lineno)) != NULL)
		diag_add(diag, "%s:%u: duplicate key '%.*s' (first on line %u),"
		    " keeping the first", name, lineno, (int)l.key_len, l.key,
		    old->line);
}

/* How many line ends (\n) len bytes of text hold: sums over slices. */
size_t
dict_count_line_ends(const char *s, size_t len)
{
	size_t n = 0;
	const char *p = s, *end = s + len;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	return n;
}

/*
 * Starts a dictionary over text, which it takes ownership of (text must be
 * len + 1 bytes, holding line_ends line ends): an empty table sized for every
 * line, to be filled by dict_parse_some(). name prefixes complaints, which
 * go to diag (both must outlive the parsing). NULL when out of memory.
 */
struct dict *
dict_new(char *text, size_t len, size_t line_ends, const char *name,
    struct diag *diag)
{
	struct dict *d = calloc(1, sizeof *d);

	if (d == NULL) {
		free(text);
		return NULL;
	}
	d->text = text;
	d->len = len;
	d->lineno = 1;
	d->name = name;
	d->diag = diag;
	if (dict_alloc_table(d, line_ends + 1) == -1) {
		dict_free(d);
		return NULL;
	}
	/* A byte-order mark from a Windows editor is not part of the first key. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		d->pos = 3;
	return d;
}

/*
 * Parses up to maxlines more lines into the table, so a large file can be
 * taken in slices between other work. Returns 1 while lines remain, else 0.
 */
int
dict_parse_some(struct dict *d, size_t maxlines)
{
	const char *line, *end = d->text + d->len, *nl;

	for (; maxlines > 0 && d->pos < d->len; maxlines--, d->lineno++) {
		line = d->text + d->pos;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		dict_parse_line(d, line, (size_t)(nl - line), d->lineno, d->name,
		    d->diag);
		d->pos = (size_t)(nl - d->text) + 1;
	}
	if (d->pos < d->len)
		return 1;
	d->name = NULL;		/* the caller's; not needed any more */
	d->diag = NULL;
	return 0;
}

/*
 * Parses len bytes of dictionary text; name prefixes complaints. Returns
 * NULL only when out of memory: an empty table is the caller's to judge.
 */
struct dict *
dict_parse(const char *text, size_t len, const char *name, struct diag *diag)
{
	struct dict *d;
	char *copy;

	if (len > DICT_MAX_FILE_SIZE || (copy = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if ((d = dict_new(copy, len, dict_count_line_ends(copy, len), name,
	    diag)) == NULL)
		return NULL;
	while (dict_parse_some(d, SIZE_MAX))
		;
	return d;
}

/* Returns key's value and its length in *vlen, or NULL. */
const char *
dict_lookup(const struct dict *d, const char *key, size_t len, size_t *vlen)
{
	const struct dict_entry *e = dict_find(d, key, len, dict_hash(key, len));

	if (e == NULL)
		return NULL;
	*vlen = e->val_len;
	return d->text + e->val_off;
}

/*
 * dict_lookup(), and on a miss the key as people type it: first with
 * leading and trailing blanks and tabs dropped, then also with ASCII
 * letters folded to lower case (" Apple" finds "apple"). Each step keeps
 * the one before it first, so a file's own "China" answers "China" and
 * " China" too, not "china". Keys longer than DICT_LOOSE_MAX get no folded
 * lookup: the folded copy lives on the stack.
 */
const char *
dict_lookup_loose(const struct dict *d, const char *key, size_t len,
    size_t *vlen)
{
	char buf[DICT_LOOSE_MAX];
	const char *val;
	size_t i, full = len;
	int folded = 0;

	if ((val = dict_lookup(d, key, len, vlen)) != NULL)
		return val;
	while (len > 0 && is_blank(key[len - 1]))
		len--;
	for (; len > 0 && is_blank(*key); key++, len--)
		;
	if (len != full && (val = dict_lookup(d, key, len, vlen)) != NULL)
		return val;
	if (len > sizeof buf)
		return NULL;
	for (i = 0; i < len; i++) {
		buf[i] = key[i];
		if (key[i] >= 'A' && key[i] <= 'Z') {
			buf[i] = (char)(key[i] - 'A' + 'a');
			folded = 1;
		}
	}
	return folded ? dict_lookup(d, buf, len, vlen) : NULL;
}

/*
 * How many bytes of a value of len bytes to send when it, plus a marker of
 * mark bytes (DICT_CUT_MARK_MAX will do), must fit in max: up to the last
 * "; " sense boundary that fits, else the last word end, else the last
 * whole UTF-8 character. len itself when it fits.
 */
size_t
dict_cut_value(const char *val, size_t len, size_t max, size_t mark)
{
	size_t room, i;

	if (len <= max)
		return len;
	room = max > mark ? max - mark : 0;
	for (i = room; i >= 2; i--)
		if (val[i - 2] == ';' && val[i - 1] == ' ')
			return i - 2;
	for (i = room; i > 0 && val[i] != ' '; i--)
		;
	for (; i > 0 && val[i - 1] == ' '; i--)
		;
	if (i > 0)
		return i;
	for (i = room; i > 0 && ((unsigned char)val[i] & 0xc0) == 0x80; i--)
		;
	return i;
}

/*
 * The marker to append to the first n bytes of a value cut by
 * dict_cut_value(): "; …" where a sense was left out, " …" where a word.
 */
const char *
dict_cut_mark(const char *val, size_t len, size_t n)
{
	if (n + 1 < len && val[n] == ';' && val[n + 1] == ' ')
		return "; \xe2\x80\xa6";
	return " \xe2\x80\xa6";
}

size_t
dict_count_longer(const struct dict *d, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < d->nentries; i++)
		if (d->entries[i].val_len > max)
			n++;
	return n;
}

size_t
dict_size(const struct dict *d)
{
	return d->nentries;
}

/*
 * Gives back up to max bytes (a multiple of the page size) of a table
 * nobody queries any more, so freeing a large one is spread over several
 * calls instead of one long munmap. Only whole pages inside each block go,
 * and free() still works on it after. Returns 1 while more is left.
 */
int
dict_release_some(struct dict *d, size_t max)
{
	const struct { void *p; size_t len; } r[3] = {
		{ d->text, d->len + 1 },
		{ d->entries, d->nentries * sizeof *d->entries },
		{ d->slots, (d->mask + 1) * sizeof *d->slots },
	};
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;
	size_t n;

	for (; d->release_region < 3; d->release_region++, d->release_off = 0) {
		if (r[d->release_region].p == NULL)
			continue;
		start = ((uintptr_t)r[d->release_region].p + page - 1) & ~(page - 1);
		end = ((uintptr_t)r[d->release_region].p +
		    r[d->release_region].len) & ~(page - 1);
		start += d->release_off;
		if (start >= end)
			continue;
		n = end - start < max ? end - start : max;
		(void)madvise((void *)start, n, MADV_DONTNEED);
		d->release_off += n;
		return 1;
	}
	return 0;
}

void
dict_free(struct dict *d)
{
	if (d == NULL)
		return;
	free(d->text);
	free(d->entries);
	free(d->slots);
	free(d);
}

/*
 * The i-th entry (in file order, i < dict_size()): its key and value,
 * which stay the table's. Returns -1 when there is no such entry.
 */
int
dict_entry_at(const struct dict *d, size_t i, const char **key, size_t *klen,
    const char **val, size_t *vlen)
{
	const struct dict_entry *e;

	if (i >= d->nentries)
		return -1;
	e = &d->entries[i];
	*key = d->text + e->key_off;
	*klen = e->key_len;
	*val = d->text + e->val_off;
	*vlen = e->val_len;
	return 0;
}
