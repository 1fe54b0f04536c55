/* SPDX-License-Identifier: MIT */
/*
 * svc_dictd.c: the DICT protocol (RFC 2229) over TCP, serving the tables
 * that dict sections loaded (`databases =`), found through the core's
 * registry (dict_registry.c): the same tables, never loaded twice, and
 * reloaded by the same SIGHUP. doc/dictd-design.md has the plan.
 *
 * A connection reads one command line at a time and does not take the
 * next until the reply is queued, so pipelined commands are answered in
 * order. DEFINE is a binary search and answers at once; a MATCH looks at
 * every key, DICTD_MATCH_STEP keys a loop turn, so other services wait
 * ~0.3 ms for it. A MATCH remembers its table's generation and starts
 * over when a reload swapped the table under it. Memory per connection
 * is bounded: a line is at most DICTD_LINE_MAX bytes (DICTD_IN_MAX
 * buffered without a line end closes the connection), and reading stops
 * while more than DICTD_OUT_HIGH bytes of replies wait for the client.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "config_scan.h"
#include "dict.h"
#include "dict_registry.h"
#include "dictd_cmd.h"
#include "dictd_match.h"
#include "dictd_reply.h"
#include "escape.h"
#include "log.h"
#include "service.h"
#include "stats.h"
#include "tcp.h"

/* Buffered input without a line end that closes the connection. */
#define DICTD_IN_MAX		6144
/* Replies waiting for a slow reader: stop reading above, resume below. */
#define DICTD_OUT_HIGH		(64 * 1024)
#define DICTD_OUT_LOW		(16 * 1024)
/* Keys a MATCH looks at a loop turn (~0.3 ms for 120,000 keys' worth). */
#define DICTD_MATCH_STEP	5000
/* Matches listed per MATCH, over all its databases. */
#define DICTD_MATCH_MAX		1000
/* Keys one DEFINE answers with, per database (case variants). */
#define DICTD_DEFINE_MAX	8
#define DICTD_DB_MAX		64

static const char mime_head[] = "Content-type: text/plain; charset=utf-8\n\n";

/* A MATCH under way: a table at a time, its lines gathered in body. */
struct dictd_job {
	struct dictd_match	 m;
	int			 strat;
	char			 db[CONFIG_NAME_MAX + 1]; /* what was asked */
	size_t			 next;		/* the next database to match */
	const char		*name;		/* the one being matched */
	uint64_t		 gen;		/* its table's, when started */
	int			 running;	/* m is set up on that table */
	size_t			 total;
	char			 word[DICTD_WORD_MAX];
	size_t			 wlen;
	struct evbuffer		*body;
	struct event		*ev;
	struct dictd_key	 out[DICTD_MATCH_MAX];
};

struct dictd_conn {
	LIST_ENTRY(dictd_conn)	 entry;
	struct svc_dictd	*s;
	struct bufferevent	*bev;
	struct sockaddr_storage	 peer;
	struct dictd_job	*job;		/* a MATCH in progress */
	int			 mime;		/* OPTION MIME was sent */
	int			 closing;	/* free once output is flushed */
	int			 eof;		/* the client sent all it will */
};

struct svc_dictd {
	const struct svc_conf	*conf;
	const struct svc_conf	*staged_conf;
	struct svc_ctx		*ctx;
	struct tcp_listeners	 ls;
	struct tcp_listeners	 staged_ls;	/* a reload's new addresses */
	LIST_HEAD(, dictd_conn)	 conns;
	size_t			 nconns;
	struct tcp_gate		 gate;
	char			 host[256];
	char			 line[DICTD_LINE_MAX + 2];
	char			 args[DICTD_LINE_MAX + 3];
	unsigned long		 counter;	/* connections, for message ids */
	time_t			 started;
	uint64_t		 accepted, timed_out, commands, defines, matches;
	uint64_t		 errors;
	uint64_t		 too_long;
	int			 stopping;
};

static const struct conf_key dictd_keys[] = {
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "databases", CONF_LIST, NULL, 0, 0,
	    offsetof(struct svc_conf, databases) },
	{ "max_connections", CONF_UINT, "10000", 1, 1000000,
	    offsetof(struct svc_conf, max_connections) },
	{ "per_source", CONF_UINT, "0", 0, 1000000,
	    offsetof(struct svc_conf, per_source) },
	CONF_SOURCE_PREFIXES,
	{ "idle_timeout", CONF_UINT, "300", 0, 604800,
	    offsetof(struct svc_conf, idle_timeout) },
	CONF_KEY_END
};

static void svc_dictd_run(struct dictd_conn *);

static int
svc_dictd_evbuf_cb(void *arg, const char *s, size_t len)
{
	return evbuffer_add(arg, s, len);
}

static struct dictd_out
svc_dictd_out(struct evbuffer *b)
{
	struct dictd_out o = { svc_dictd_evbuf_cb, b };

	return o;
}

/* Every database must be an enabled dict section of the same file. */
static int
svc_dictd_check_config(const struct config *conf, const struct svc_conf *sc,
    char *err, size_t errlen)
{
	const struct svc_conf *d;
	size_t i, j;

	if (sc->databases.n > DICTD_DB_MAX) {
		snprintf(err, errlen, "databases: more than %d", DICTD_DB_MAX);
		return -1;
	}
	for (i = 0; i < sc->databases.n; i++) {
		for (j = 0; j < conf->nsvcs; j++) {
			d = &conf->svcs[j];
			if (strcasecmp(d->name, sc->databases.v[i]) == 0 &&
			    d->enabled && strcmp(d->kind->kind, "dict") == 0)
				break;
		}
		if (j == conf->nsvcs) {
			snprintf(err, errlen, "databases: '%s' is no enabled"
			    " dict section", sc->databases.v[i]);
			return -1;
		}
	}
	return 0;
}

/* The served database named name (any case), as configured; or NULL. */
static const char *
svc_dictd_db(const struct svc_dictd *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->conf->databases.n; i++)
		if (strcasecmp(s->conf->databases.v[i], name) == 0)
			return s->conf->databases.v[i];
	return NULL;
}

static const char *
svc_dictd_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

static void
svc_dictd_conn_free(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;

	if (c->job != NULL) {
		event_free(c->job->ev);
		evbuffer_free(c->job->body);
		free(c->job);
	}
	LIST_REMOVE(c, entry);
	tcp_gate_release(&s->gate, (struct sockaddr *)&c->peer);
	bufferevent_free(c->bev);
	free(c);
	s->nconns--;
	if (s->stopping)
		s->ctx->drained(s->ctx->owner);
}

/* Stops reading; the connection goes once its output is sent. */
static void
svc_dictd_conn_close(struct dictd_conn *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		svc_dictd_conn_free(c);
}

/* Looks word up in one table: its keys' definitions, appended to defs. */
static size_t
svc_dictd_define_one(const struct dict_entry *e, const char *w, size_t len,
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

static void
svc_dictd_send_def(struct dictd_conn *c, const struct dict_entry *e,
    const struct dictd_key *k, const char *val, size_t vlen)
{
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));

	dictd_reply_definition(&o, k->s, k->len, e->name,
	    svc_dictd_basename(e->file));
	if (c->mime)
		dictd_reply_text(&o, mime_head, sizeof mime_head - 1);
	dictd_reply_text(&o, k->s, k->len);
	dictd_reply_text(&o, val, vlen);
	dictd_reply_end(&o);
}

/* DEFINE db word: "*" all databases, "!" the first that has the word. */
static void
svc_dictd_define(struct dictd_conn *c, const char *db, const char *w,
    size_t len)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
	struct dictd_key keys[DICTD_DB_MAX][DICTD_DEFINE_MAX];
	const char *vals[DICTD_DB_MAX][DICTD_DEFINE_MAX];
	size_t vlens[DICTD_DB_MAX][DICTD_DEFINE_MAX], n[DICTD_DB_MAX];
	const struct dict_entry *e[DICTD_DB_MAX];
	int all = strcmp(db, "*") == 0, first = strcmp(db, "!") == 0;
	size_t i, j, total = 0;

	s->defines++;
	if (!all && !first && svc_dictd_db(s, db) == NULL) {
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
		n[i] = svc_dictd_define_one(e[i], w, len, keys[i], vals[i],
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
			svc_dictd_send_def(c, e[i], &keys[i][j], vals[i][j],
			    vlens[i][j]);
	dictd_reply_code(&o, 250, NULL);
}

static void
svc_dictd_job_free(struct dictd_conn *c)
{
	event_free(c->job->ev);
	evbuffer_free(c->job->body);
	free(c->job);
	c->job = NULL;
}

/* The MATCH is complete: its answer goes out, the next command may run. */
static void
svc_dictd_job_finish(struct dictd_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct dictd_out o = svc_dictd_out(out);

	if (c->job->total == 0)
		dictd_reply_code(&o, 552, NULL);
	else {
		dictd_reply_count(&o, 152, c->job->total);
		evbuffer_add_buffer(out, c->job->body);
		dictd_reply_end(&o);
		dictd_reply_code(&o, 250, NULL);
	}
	svc_dictd_job_free(c);
}

/* Lists the finished table's matches; 1 when the MATCH should go on. */
static int
svc_dictd_job_table_done(struct dictd_job *j)
{
	struct dictd_out o = svc_dictd_out(j->body);
	size_t i;

	for (i = 0; i < j->m.n; i++)
		dictd_reply_pair(&o, j->name, strlen(j->name), j->m.out[i].s,
		    j->m.out[i].len);
	j->total += j->m.n;
	j->running = 0;
	return !(strcmp(j->db, "!") == 0 && j->m.n > 0) &&
	    j->total < DICTD_MATCH_MAX;
}

/* The next database the MATCH covers, or NULL when none is left. */
static const char *
svc_dictd_job_next_db(struct svc_dictd *s, struct dictd_job *j)
{
	const char *name;

	while (j->next < s->conf->databases.n) {
		name = s->conf->databases.v[j->next++];
		if (strcmp(j->db, "*") == 0 || strcmp(j->db, "!") == 0 ||
		    strcasecmp(j->db, name) == 0)
			return name;
	}
	return NULL;
}

/*
 * One turn of a MATCH: up to DICTD_MATCH_STEP keys of the current table.
 * Its table is looked up again every turn: a reload that swapped it in
 * the meantime (a new generation) restarts it on the new table.
 * Returns 1 while more turns are needed, 0 when the MATCH is complete.
 */
static int
svc_dictd_job_turn(struct svc_dictd *s, struct dictd_job *j)
{
	const struct dict_entry *e;

	for (;;) {
		if (j->name == NULL && (j->name = svc_dictd_job_next_db(s, j))
		    == NULL)
			return 0;
		if ((e = dict_registry_find(s->ctx->dicts, j->name)) == NULL ||
		    e->ix_failed) {
			j->name = NULL;		/* withdrawn: nothing from it */
			continue;
		}
		if (!e->ix_ready)
			return 1;		/* the registry is building it */
		if (!j->running || e->gen != j->gen) {
			dictd_match_begin(&j->m, e->ix, (enum dictd_strat)j->strat,
			    j->word, j->wlen, j->out,
			    DICTD_MATCH_MAX - j->total);
			j->gen = e->gen;
			j->running = 1;
		}
		if (dictd_match_step(&j->m, DICTD_MATCH_STEP) == 1)
			return 1;
		if (!svc_dictd_job_table_done(j))
			return 0;
		j->name = NULL;
	}
}

static const struct timeval next_turn = { 0, 0 };

static void
svc_dictd_job_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dictd_conn *c = arg;

	(void)fd;
	(void)what;
	if (svc_dictd_job_turn(c->s, c->job) == 1) {
		evtimer_add(c->job->ev, &next_turn);
		return;
	}
	svc_dictd_job_finish(c);
	svc_dictd_run(c);
}

/* MATCH db strategy word: checked now, run over loop turns. */
static void
svc_dictd_match(struct dictd_conn *c, const char *db, const char *strat,
    const char *w, size_t len)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
	struct dictd_job *j;
	int st;

	s->matches++;
	if (strcmp(db, "*") != 0 && strcmp(db, "!") != 0 &&
	    svc_dictd_db(s, db) == NULL) {
		dictd_reply_code(&o, 550, NULL);
		return;
	}
	if ((st = dictd_strat_lookup(strat, strlen(strat))) == -1) {
		dictd_reply_code(&o, 551, NULL);
		return;
	}
	if ((j = calloc(1, sizeof *j)) == NULL ||
	    (j->body = evbuffer_new()) == NULL ||
	    (j->ev = evtimer_new(s->ctx->base, svc_dictd_job_cb, c)) == NULL) {
		if (j != NULL && j->body != NULL)
			evbuffer_free(j->body);
		free(j);
		dictd_reply_code(&o, 420, NULL);
		return;
	}
	j->strat = st;
	snprintf(j->db, sizeof j->db, "%s", db);
	j->wlen = len < sizeof j->word ? len : sizeof j->word;
	memcpy(j->word, w, j->wlen);
	c->job = j;
	if (svc_dictd_job_turn(s, j) == 1)
		evtimer_add(j->ev, &next_turn);
	else
		svc_dictd_job_finish(c);
}

/* SHOW DB: each database and its file, in the configured order. */
static void
svc_dictd_show_db(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
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
		desc = e != NULL ? svc_dictd_basename(e->file) : "(not loaded)";
		dictd_reply_pair(&o, s->conf->databases.v[i],
		    strlen(s->conf->databases.v[i]), desc, strlen(desc));
	}
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

static void
svc_dictd_show_strat(struct dictd_conn *c)
{
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
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
static void
svc_dictd_show_info(struct dictd_conn *c, const char *db)
{
	struct svc_dictd *s = c->s;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct dictd_out o = svc_dictd_out(out);
	const struct dict_entry *e;
	const char *name = svc_dictd_db(s, db);
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
	    "loaded: %s\nlicence: %s\n", e->name, e->file, dict_size(e->dict),
	    when, e->licence);
	dictd_reply_code(&o, 112, NULL);
	dictd_reply_text(&o, text, n > 0 && (size_t)n < sizeof text ?
	    (size_t)n : strlen(text));
	dictd_reply_end(&o);
	dictd_reply_code(&o, 250, NULL);
}

static void
svc_dictd_show_server(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
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

static void
svc_dictd_client(struct dictd_conn *c, const char *text, size_t len)
{
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
	char esc[ESCAPE_MAX(128)];

	if (log_enabled(LOG_LVL_DEBUG)) {
		escape_text(text, len < 128 ? len : 128, esc, sizeof esc);
		log_debug("%s: client \"%s\"", c->s->conf->name, esc);
	}
	dictd_reply_code(&o, 250, NULL);
}

/* Answers one parsed command (a MATCH may go on over loop turns). */
static void
svc_dictd_exec(struct dictd_conn *c, const struct dictd_cmd *cmd)
{
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));

	switch (cmd->kind) {
	case DICTD_CMD_EMPTY:
		break;
	case DICTD_CMD_DEFINE:
		svc_dictd_define(c, cmd->arg[0].s, cmd->arg[1].s,
		    cmd->arg[1].len);
		break;
	case DICTD_CMD_MATCH:
		svc_dictd_match(c, cmd->arg[0].s, cmd->arg[1].s, cmd->arg[2].s,
		    cmd->arg[2].len);
		break;
	case DICTD_CMD_SHOW_DB:
		svc_dictd_show_db(c);
		break;
	case DICTD_CMD_SHOW_STRAT:
		svc_dictd_show_strat(c);
		break;
	case DICTD_CMD_SHOW_INFO:
		svc_dictd_show_info(c, cmd->arg[0].s);
		break;
	case DICTD_CMD_SHOW_SERVER:
		svc_dictd_show_server(c);
		break;
	case DICTD_CMD_CLIENT:
		svc_dictd_client(c, cmd->arg[0].s, cmd->arg[0].len);
		break;
	case DICTD_CMD_STATUS:
		dictd_reply_code(&o, 210, NULL);
		break;
	case DICTD_CMD_HELP:
		dictd_reply_code(&o, 113, NULL);
		dictd_reply_text(&o, dictd_help_text, strlen(dictd_help_text));
		dictd_reply_end(&o);
		dictd_reply_code(&o, 250, NULL);
		break;
	case DICTD_CMD_QUIT:
		dictd_reply_code(&o, 221, NULL);
		c->closing = 1;
		break;
	case DICTD_CMD_OPTION_MIME:
		c->mime = 1;
		dictd_reply_code(&o, 250, NULL);
		break;
	}
}

/*
 * Takes the next complete line from the input and answers it. Returns 1
 * when a line was taken, 0 when none is complete, -1 when the input holds
 * DICTD_IN_MAX bytes without a line end (answered; close).
 */
static int
svc_dictd_next_line(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct dictd_out o = svc_dictd_out(bufferevent_get_output(c->bev));
	struct evbuffer_ptr eol;
	struct dictd_cmd cmd;
	size_t eol_len, len;
	int code;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
	if (eol.pos == -1) {
		if (evbuffer_get_length(in) < DICTD_IN_MAX)
			return 0;
		s->too_long++;
		dictd_reply_code(&o, 500, "line too long");
		return -1;
	}
	len = (size_t)eol.pos;
	s->commands++;
	if (len > DICTD_LINE_MAX) {
		s->too_long++;
		s->errors++;
		evbuffer_drain(in, len + eol_len);
		dictd_reply_code(&o, 500, "line too long");
		return 1;
	}
	evbuffer_copyout(in, s->line, len);
	evbuffer_drain(in, len + eol_len);
	if ((code = dictd_cmd_parse(s->line, len, s->args, sizeof s->args,
	    &cmd)) != 0) {
		s->errors++;
		dictd_reply_code(&o, code, cmd.why);
		return 1;
	}
	svc_dictd_exec(c, &cmd);
	return 1;
}

/*
 * Answers the buffered commands in order while nothing holds the queue
 * (a MATCH under way, QUIT, too much unsent output), then reads on or not.
 */
static void
svc_dictd_run(struct dictd_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int rc = 1;

	while (c->job == NULL && !c->closing &&
	    evbuffer_get_length(out) < DICTD_OUT_HIGH &&
	    (rc = svc_dictd_next_line(c)) == 1)
		;
	if (rc == -1 || c->closing || (c->eof && c->job == NULL)) {
		svc_dictd_conn_close(c);
		return;
	}
	if (c->job == NULL && evbuffer_get_length(out) < DICTD_OUT_HIGH)
		bufferevent_enable(c->bev, EV_READ);
	else
		bufferevent_disable(c->bev, EV_READ);
}

static void
svc_dictd_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	svc_dictd_run(arg);
}

/* The output drained to DICTD_OUT_LOW or below: go on, or finish closing. */
static void
svc_dictd_write_cb(struct bufferevent *bev, void *arg)
{
	struct dictd_conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			svc_dictd_conn_free(c);
		return;
	}
	if (c->job == NULL)
		svc_dictd_run(c);
}

static void
svc_dictd_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct dictd_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		c->s->timed_out++;
		log_debug("%s: connection idle, closed", c->s->conf->name);
	}
	/* At EOF, what was sent before it is still answered. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->closing) {
		c->eof = 1;
		svc_dictd_run(c);
		return;
	}
	svc_dictd_conn_free(c);
}

/* The idle timeout for reads and writes; NULL for none. */
static void
svc_dictd_set_timeouts(struct dictd_conn *c)
{
	struct timeval tv = { (time_t)c->s->conf->idle_timeout, 0 };
	const struct timeval *common = NULL;

	if (tv.tv_sec != 0 && (common = event_base_init_common_timeout(
	    c->s->ctx->base, &tv)) == NULL)
		common = &tv;
	bufferevent_set_timeouts(c->bev, common, common);
}

static int
svc_dictd_conn_new(struct svc_dictd *s, evutil_socket_t fd,
    const struct sockaddr *sa, socklen_t salen)
{
	struct dictd_conn *c;
	struct dictd_out o;
	int on = 1;

	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return -1;
	}
	if ((c->bev = bufferevent_socket_new(s->ctx->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(c);
		return -1;
	}
	c->s = s;
	memcpy(&c->peer, sa, (size_t)salen < sizeof c->peer ?
	    (size_t)salen : sizeof c->peer);
	bufferevent_setcb(c->bev, svc_dictd_read_cb, svc_dictd_write_cb,
	    svc_dictd_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, DICTD_OUT_LOW, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, DICTD_IN_MAX + 1024);
	svc_dictd_set_timeouts(c);
	o = svc_dictd_out(bufferevent_get_output(c->bev));
	if (dictd_reply_banner(&o, s->host, (long)getpid(), ++s->counter,
	    (long long)time(NULL)) == -1 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1) {
		bufferevent_free(c->bev);
		free(c);
		return -1;
	}
	LIST_INSERT_HEAD(&s->conns, c, entry);
	s->nconns++;
	return 0;
}

static void
svc_dictd_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct svc_dictd *s = arg;

	(void)l;
	if (!tcp_gate_admit(&s->gate, s->conf, s->nconns, fd, sa))
		return;
	if (svc_dictd_conn_new(s, fd, sa, (socklen_t)salen) == -1) {
		tcp_gate_drop(&s->gate, s->conf, sa);
		return;
	}
	s->accepted++;
}

static void
svc_dictd_accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct svc_dictd *s = arg;

	(void)l;
	tcp_pause_accepting(&s->ls, s->conf->name, s->nconns);
}

static void *
svc_dictd_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dictd *s = calloc(1, sizeof *s);

	if (s == NULL || tcp_gate_init(&s->gate, conf) == -1) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	s->started = time(NULL);
	LIST_INIT(&s->conns);
	if (gethostname(s->host, sizeof s->host - 1) == -1)
		snprintf(s->host, sizeof s->host, "localhost");
	return s;
}

static int
svc_dictd_start(void *arg, char *err, size_t errlen)
{
	struct svc_dictd *s = arg;

	service_warn_exposure(s->conf, "anyone may read the dictionaries");
	return tcp_listen_all(s->ctx, s->conf, svc_dictd_accept_cb,
	    svc_dictd_accept_error_cb, s, &s->ls, err, errlen);
}

/* The new databases were checked against the new file (check_config). */
static int
svc_dictd_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dictd *s = arg;

	if (tcp_listen_changed(s->conf, conf) &&
	    tcp_stage_all(s->ctx, conf, svc_dictd_accept_cb,
	    svc_dictd_accept_error_cb, s, &s->staged_ls, err, errlen) == -1) {
		tcp_close_all(&s->staged_ls);
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

static void
svc_dictd_commit(void *arg, int apply)
{
	struct svc_dictd *s = arg;
	struct dictd_conn *c;

	if (apply) {
		s->conf = s->staged_conf;
		LIST_FOREACH(c, &s->conns, entry)
			svc_dictd_set_timeouts(c);
		if (s->staged_ls.v != NULL)
			tcp_replace(&s->ls, &s->staged_ls);
	}
	tcp_close_all(&s->staged_ls);
	s->staged_conf = NULL;
}

static void
svc_dictd_stop(void *arg)
{
	struct svc_dictd *s = arg;
	struct dictd_conn *c, *next;

	s->stopping = 1;
	tcp_close_all(&s->ls);
	for (c = LIST_FIRST(&s->conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->job == NULL)
			svc_dictd_conn_close(c);
	}
}

static size_t
svc_dictd_pending(void *arg)
{
	return ((struct svc_dictd *)arg)->nconns;
}

static void
svc_dictd_free(void *arg)
{
	struct svc_dictd *s = arg;

	s->stopping = 0;
	while (!LIST_EMPTY(&s->conns))
		svc_dictd_conn_free(LIST_FIRST(&s->conns));
	tcp_close_all(&s->ls);
	tcp_close_all(&s->staged_ls);
	tcp_gate_free(&s->gate);
	free(s);
}

static void
svc_dictd_stats(void *arg, struct stats *st)
{
	struct svc_dictd *s = arg;

	stats_put(st, s->conf->name, "connections", s->nconns);
	stats_put(st, s->conf->name, "connections_accepted", s->accepted);
	stats_put(st, s->conf->name, "refused_max_connections",
	    s->gate.refused);
	stats_put(st, s->conf->name, "refused_per_source",
	    s->gate.refused_source);
	stats_put(st, s->conf->name, "refused_allow_from", s->gate.denied);
	stats_put(st, s->conf->name, "closed_timeout", s->timed_out);
	stats_put(st, s->conf->name, "commands", s->commands);
	stats_put(st, s->conf->name, "defines", s->defines);
	stats_put(st, s->conf->name, "matches", s->matches);
	stats_put(st, s->conf->name, "command_errors", s->errors);
	stats_put(st, s->conf->name, "lines_too_long", s->too_long);
}

const struct service svc_dictd = {
	.kind = "dictd",
	.proto = "tcp",
	.enabled_default = 1,
	.keys = dictd_keys,
	.check_config = svc_dictd_check_config,
	.create = svc_dictd_create,
	.start = svc_dictd_start,
	.prepare = svc_dictd_prepare,
	.commit = svc_dictd_commit,
	.stop = svc_dictd_stop,
	.pending = svc_dictd_pending,
	.free = svc_dictd_free,
	.stats = svc_dictd_stats,
};
