/* SPDX-License-Identifier: MIT */
/*
 * dictd_answer.c: the dictd answers that read the tables (or the service)
 * and are complete at once: DEFINE (a binary search per database), SHOW
 * DB, STRAT, INFO and SERVER, and CLIENT. A MATCH, which looks at every
 * key, runs over loop turns in dictd_conn.c.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dict.h"
#include "dict_registry.h"
#include "dictd_conn.h"
#include "log.h"
#include "service.h"

static const char mime_head[] = "Content-type: text/plain; charset=utf-8\n\n";

static int
dictd_answer_evbuf_cb(void *arg, const char *s, size_t len)
{
	return evbuffer_add(arg, s, len);
}

struct dictd_out
dictd_answer_out(struct evbuffer *b)
{
	struct dictd_out o = { dictd_answer_evbuf_cb, b };

	return o;
}

/* The served database named name (any case), as configured; or NULL. */
const char *
dictd_answer_db(const struct svc_dictd *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->conf->databases.n; i++)
		if (strcasecmp(s->conf->databases.v[i], name) == 0)
			return s->conf->databases.v[i];
	return NULL;
}

static const char *
dictd_answer_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* Looks word up in one table: its keys' definitions, appended to defs. */
static size_t
dictd_answer_define_one(const struct dict_entry *e, const char *w, size_t len,
    struct dictd_key *keys, const char **vals, size_t *vlens, size_t max)
{
	size_t n = 0, i, k;

	if (e->ix_ready) {
		n = dictd_index_exact(e->ix, w, len, keys, max);
		for (i = k = 0; i < n; i++) {
			vals[k] = dict_lookup(e->dict, keys[i].s, keys[i].len,
			    &vlens[k]);
			if (vals[k] != NULL)
				keys[k++] = keys[i];
		}
		return k;
	}
	/* The index is still being built: the UDP dict's lookup. */
	if (max == 0 || (vals[0] = dict_lookup_loose(e->dict, w, len,
	    &vlens[0])) == NULL)
		return 0;
	keys[0].s = w;
	keys[0].len = len;
	return 1;
}

/* One definition; db is the database's name as configured, as SHOW DB says. */
static void
dictd_answer_send_def(struct dictd_conn *c, const char *db,
    const struct dict_entry *e, const struct dictd_key *k, const char *val,
    size_t vlen)
{
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));

	dictd_reply_definition(&o, k->s, k->len, db,
	    dictd_answer_basename(e->file));
	if (c->mime)
		dictd_reply_text(&o, mime_head, sizeof mime_head - 1);
	dictd_reply_text(&o, k->s, k->len);
	dictd_reply_text(&o, val, vlen);
	dictd_reply_end(&o);
}

/* DEFINE db word: "*" all databases, "!" the first that has the word. */
void
dictd_answer_define(struct dictd_conn *c, const char *db, const char *w,
    size_t len)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	struct dictd_key keys[DICTD_DB_MAX][DICTD_DEFINE_MAX];
	const char *vals[DICTD_DB_MAX][DICTD_DEFINE_MAX];
	size_t vlens[DICTD_DB_MAX][DICTD_DEFINE_MAX], n[DICTD_DB_MAX];
	const struct dict_entry *e[DICTD_DB_MAX];
	int all = strcmp(db, "*") == 0, first = strcmp(db, "!") == 0;
	size_t i, j, total = 0;

	s->defines++;
	if (!all && !first && dictd_answer_db(s, db) == NULL) {
		dictd_reply_code(&o, 550, NULL);
		return;
	}
	for (i = 0; i < s->conf->databases.n; i++) {
		n[i] = 0;
		e[i] = NULL;
		if ((!all && !first && strcasecmp(s->conf->databases.v[i], db)
		    != 0) || (first && total > 0))
			continue;
		if ((e[i] = dict_registry_find(s->ctx->dicts,
		    s->conf->databases.v[i])) == NULL)
			continue;
		n[i] = dictd_answer_define_one(e[i], w, len, keys[i], vals[i],
		    vlens[i], DICTD_DEFINE_MAX);
		total += n[i];
	}
	if (total == 0) {
		dictd_reply_code(&o, 552, NULL);
		return;
	}
	dictd_reply_count(&o, 150, total);
	for (i = 0; i < s->conf->databases.n; i++)
		for (j = 0; j < n[i]; j++)
			dictd_answer_send_def(c, s->conf->databases.v[i], e[i],
			    &keys[i][j], vals[i][j], vlens[i][j]);
	dictd_reply_code(&o, 250, NULL);
}

/* SHOW DB: each database and its file, in the configured order. */
void
dictd_answer_show_db(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	const struct dict_entry *e;
	const char *desc;
	size_t i;

	if (s->conf->databases.n == 0) {
		dictd_reply_code(&o, 554, NULL);
		return;
	}
	dictd_reply_count(&o, 110, s->conf->databases.n);
	for (i = 0; i < s->conf->databases.n; i++) {
		e = dict_registry_find(s->ctx->dicts, s->conf->databases.v[i]);
		desc = e != NULL ? dictd_answer_basename(e->file) :
		    "(not loaded)";
		dictd_reply_pair(&o, s->conf->databases.v[i],
		    strlen(s->conf->databases.v[i]), desc, strlen(desc));
	}
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

void
dictd_answer_show_strat(struct dictd_conn *c)
{
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	size_t i;

	dictd_reply_count(&o, 111, DICTD_NSTRATS);
	for (i = 0; i < DICTD_NSTRATS; i++)
		dictd_reply_pair(&o, dictd_strats[i].name,
		    strlen(dictd_strats[i].name), dictd_strats[i].desc,
		    strlen(dictd_strats[i].desc));
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

/* SHOW INFO db: its file, entries, load time and licence line. */
void
dictd_answer_show_info(struct dictd_conn *c, const char *db)
{
	struct svc_dictd *s = c->s;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct dictd_out o = dictd_answer_out(out);
	const struct dict_entry *e;
	const char *name = dictd_answer_db(s, db);
	char text[2048], when[64];
	struct tm tm;
	int n;

	if (name == NULL || (e = dict_registry_find(s->ctx->dicts, name)) ==
	    NULL) {
		dictd_reply_code(&o, 550, NULL);
		return;
	}
	if (gmtime_r(&e->loaded_at, &tm) == NULL ||
	    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof when, "%lld", (long long)e->loaded_at);
	n = snprintf(text, sizeof text, "%s\nfile: %s\nentries: %zu\n"
	    "loaded: %s\nlicence: %s\n", name, e->file, dict_size(e->dict),
	    when, e->licence);
	dictd_reply_code(&o, 112, NULL);
	dictd_reply_text(&o, text, n > 0 && (size_t)n < sizeof text ?
	    (size_t)n : strlen(text));
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

void
dictd_answer_show_server(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	char text[512];
	int n;

	n = snprintf(text, sizeof text, "netdemo dictd on %s\nup %lld seconds,"
	    " %zu connections, %llu commands\n", s->host,
	    (long long)(time(NULL) - s->started), s->nconns,
	    (unsigned long long)s->commands);
	dictd_reply_code(&o, 114, NULL);
	dictd_reply_text(&o, text, n > 0 && (size_t)n < sizeof text ?
	    (size_t)n : strlen(text));
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

void
dictd_answer_client(struct dictd_conn *c, const char *text, size_t len)
{
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));

	/* Raw: the logger escapes it, quotes included, as a quoted field. */
	log_debug("%s: client \"%.*s\"", c->s->conf->name,
	    (int)(len < 128 ? len : 128), text);
	dictd_reply_code(&o, 250, NULL);
}
