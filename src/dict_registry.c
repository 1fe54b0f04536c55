/* SPDX-License-Identifier: MIT */
/*
 * dict_registry.c: the tables the dict sections have loaded, by section
 * name, so that other kinds (dictd) serve the same tables without loading
 * them again and without calling into the dict service.
 *
 * A dict instance publishes its table when it has one and withdraws it
 * before freeing it (at a reload's swap, or when it is freed). Each
 * publish gets a new generation: work that spans loop turns (a MATCH)
 * remembers name and generation, finds the entry again on every turn and
 * starts over, or gives up, when the generation changed. The registry
 * owns each entry's sorted index (for MATCH), built here in slices once
 * per published table and freed at withdraw, before the table is; only
 * while some instance uses indexes (a dictd section), since a daemon that
 * serves no DICT would spend the CPU and memory for nothing.
 * With several entries of one name (a reload's new instance beside the
 * old one until it applies), the newest answers.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dict_registry.h"
#include "escape.h"
#include "dictd_match.h"

/* The head of a file read for its licence line. */
#define LICENCE_HEAD	4096

static const struct timeval next_turn = { 0, 0 };

static void
entry_free(struct dict_entry *e)
{
	dictd_index_free(e->ix);
	free(e->name);
	free(e->file);
	free(e);
}

/* A slice of the first unbuilt index; again next turn while any is left. */
static void
dict_registry_build_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dict_registry *r = arg;
	struct dict_entry *e;

	(void)fd;
	(void)what;
	if (r->index_users == 0)
		return;
	TAILQ_FOREACH(e, &r->entries, next)
		if (!e->ix_ready && !e->ix_failed)
			break;
	if (e == NULL)
		return;
	if (e->ix == NULL && (e->ix = dictd_index_begin(e->dict)) == NULL)
		e->ix_failed = 1;
	else if (dictd_index_step(e->ix, DICT_REGISTRY_INDEX_STEP) == 0)
		e->ix_ready = 1;
	if (evtimer_add(r->build_ev, &next_turn) == -1)
		e->ix_failed = 1;
}

int
dict_registry_init(struct dict_registry *r, struct event_base *base)
{
	TAILQ_INIT(&r->entries);
	r->gen = 0;
	r->index_users = 0;
	r->build_ev = evtimer_new(base, dict_registry_build_cb, r);
	return r->build_ev == NULL ? -1 : 0;
}

void
dict_registry_free(struct dict_registry *r)
{
	struct dict_entry *e;

	while ((e = TAILQ_FIRST(&r->entries)) != NULL) {
		TAILQ_REMOVE(&r->entries, e, next);
		entry_free(e);
	}
	if (r->build_ev != NULL)
		event_free(r->build_ev);
	r->build_ev = NULL;
}

static int
has_word(const char *s, size_t len, const char *w)
{
	size_t wl = strlen(w), i;

	for (i = 0; i + wl <= len; i++)
		if (strncasecmp(s + i, w, wl) == 0)
			return 1;
	return 0;
}

/*
 * The licence sentence from the comment lines ('#') that open a file's
 * text[0..len): from the first line saying "licensed" (else "licen") to
 * the line that ends with '.', joined by blanks, into out. Returns its
 * length, 0 if the comments name no licence.
 */
size_t
dict_registry_licence(const char *text, size_t len, char *out, size_t outlen)
{
	const char *p, *end = text + len, *nl, *words[] = { "licensed", "licen" };
	size_t i, n, o = 0;
	int on;

	for (i = 0; i < 2 && o == 0; i++) {
		on = 0;
		for (p = text; p < end && *p == '#' && o == 0; p = nl + 1) {
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				nl = end;
			if (!has_word(p, (size_t)(nl - p), words[i]))
				continue;
			for (on = 1; p < end && *p == '#' && on; p = nl + 1) {
				if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
					nl = end;
				for (p++; p < nl && (*p == ' ' || *p == '\t'); p++)
					;
				n = (size_t)(nl - p);
				if (n > 0 && p[n - 1] == '\r')
					n--;
				on = !(n > 0 && p[n - 1] == '.');
				if (o > 0 && o + 1 < outlen)
					out[o++] = ' ';
				if (n > outlen - 1 - o)
					n = outlen - 1 - o;
				memcpy(out + o, p, n);
				o += n;
				if (nl == end)
					break;
			}
			break;
		}
	}
	if (outlen > 0)
		out[o < outlen ? o : outlen - 1] = '\0';
	return o;
}

/*
 * The licence line of file, or a note that it has none. Escaped: the
 * loader checks no comment line, and SHOW INFO sends this one to a DICT
 * client's terminal (U+009B is a CSI there, U+202E turns the text round).
 */
static void
read_licence(const char *file, char *out, size_t outlen)
{
	char head[LICENCE_HEAD], raw[DICT_REGISTRY_LICENCE_MAX + 1];
	size_t n = 0;
	FILE *f;

	if ((f = fopen(file, "re")) != NULL) {
		n = fread(head, 1, sizeof head, f);
		fclose(f);
	}
	if ((n = dict_registry_licence(head, n, raw, sizeof raw)) == 0)
		snprintf(out, outlen, "(the file's comments name no licence)");
	else
		escape_text(raw, n, out, outlen);
}

/*
 * Publishes owner's table dict, loaded from file for section name at
 * loaded_at, replacing what owner published before. -1: out of memory.
 */
int
dict_registry_publish(struct dict_registry *r, const void *owner,
    const char *name, const struct dict *dict, const char *file,
    time_t loaded_at)
{
	struct dict_entry *e;

	dict_registry_withdraw(r, owner);
	if ((e = calloc(1, sizeof *e)) == NULL ||
	    (e->name = strdup(name)) == NULL || (e->file = strdup(file)) == NULL) {
		if (e != NULL)
			free(e->name);
		free(e);
		return -1;
	}
	e->owner = owner;
	e->dict = dict;
	e->loaded_at = loaded_at;
	e->gen = ++r->gen;
	read_licence(file, e->licence, sizeof e->licence);
	TAILQ_INSERT_TAIL(&r->entries, e, next);
	if (r->index_users > 0 && evtimer_add(r->build_ev, &next_turn) == -1)
		e->ix_failed = 1;
	return 0;
}

/*
 * An instance starts (on) or stops (off) using the tables' indexes; the
 * first user starts building them.
 */
void
dict_registry_use_indexes(struct dict_registry *r, int on)
{
	if (!on) {
		if (r->index_users > 0)
			r->index_users--;
		return;
	}
	if (r->index_users++ == 0)
		evtimer_add(r->build_ev, &next_turn);
}

/* Withdraws what owner published (its index with it); no-op if nothing. */
void
dict_registry_withdraw(struct dict_registry *r, const void *owner)
{
	struct dict_entry *e, *tmp;

	for (e = TAILQ_FIRST(&r->entries); e != NULL; e = tmp) {
		tmp = TAILQ_NEXT(e, next);
		if (e->owner == owner) {
			TAILQ_REMOVE(&r->entries, e, next);
			entry_free(e);
		}
	}
}

/* The newest table published for section name (any case), or NULL. */
const struct dict_entry *
dict_registry_find(const struct dict_registry *r, const char *name)
{
	struct dict_entry *e;

	TAILQ_FOREACH_REVERSE(e, &r->entries, dict_registry_entries, next)
		if (strcasecmp(e->name, name) == 0)
			return e;
	return NULL;
}
