/* SPDX-License-Identifier: MIT */
/*
 * svc_dict.c: the dict service: a datagram holds a word, the reply is its
 * translation from the dictionary file, or "unknown".
 *
 * SIGHUP loads the file into a new table beside the old one and swaps only
 * when the load succeeded, so no query sees a half-loaded table and a bad
 * file leaves the old one serving. That load goes in slices, one a loop
 * turn, so datagrams keep being answered while a large file loads.
 *
 * The table in use is published in the core's registry (ctx->dicts) for
 * the dictd kind, and withdrawn before it is swapped out or freed.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "service.h"
#include "dict.h"
#include "dict_registry.h"
#include "log.h"
#include "service.h"
#include "stats.h"
#include "udp.h"

/* Beyond this many, a file's warnings are counted, not each logged. */
#define DICT_WARN_LIMIT	20
/* A replaced table goes back to the system this much a loop turn. */
#define DICT_RELEASE_SLICE	(4u << 20)
/* A reload's load works this long a loop turn, then lets datagrams in. */
#define DICT_LOAD_USEC		500

struct svc_dict {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	struct dict		*dict;
	struct dict		*staged;	/* loaded for a reload */
	const struct svc_conf	*staged_conf;
	struct dict_load	*loading;	/* the reload's load in progress */
	struct diag		 load_warn;	/* its complaints */
	struct event		*load_ev;	/* runs one slice a loop turn */
	struct dict		*retired;	/* the replaced table, being freed */
	struct event		*retire_ev;
	char			 load_err[768];	/* why it failed; "" if not */
	char			 cut[65507];	/* a value cut to reply_size */
	struct udp_front	*udp;
	uint64_t		 found, unknown, reload_failures;
	time_t			 loaded_at;
};

static const char unknown_reply[] = "unknown";

/* A zero timer runs on the next loop turn, after pending I/O is served. */
static const struct timeval next_turn = { 0, 0 };

static const struct conf_key dict_keys[] = {
	UDP_CONF_KEYS,
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "file", CONF_PATH, NULL, 0, 0, offsetof(struct svc_conf, file) },
	{ "max_file_size", CONF_UINT, "268435456", 1, 1073741824,
	    offsetof(struct svc_conf, max_file_size) },
	CONF_KEY_END
};

static struct diag
svc_dict_load_diag(void)
{
	struct diag warn = diag_to_log(LOG_LVL_WARNING);

	warn.limit = DICT_WARN_LIMIT;
	return warn;
}

/* Logs how a load of conf's file went, as far as its warnings go. */
static void
svc_dict_load_report(const struct svc_conf *conf, const struct diag *warn,
    const struct dict *dict)
{
	size_t n;

	if (warn->count > DICT_WARN_LIMIT)
		log_warnx("%s: %s: %u more warnings not shown", conf->name,
		    conf->file, warn->count - DICT_WARN_LIMIT);
	if (dict != NULL)
		log_info("%s: loaded %zu entries from %s%s", conf->name,
		    dict_size(dict), conf->file,
		    warn->count ? " (some lines skipped, see above)" : "");
	if (dict != NULL && (n = dict_count_longer(dict, conf->reply_size)) > 0)
		log_warnx("%s: %s: %zu values longer than reply_size (%u):"
		    " their replies are cut at a sense", conf->name, conf->file,
		    n, conf->reply_size);
}

/* Loads conf's file at once, logging its warnings; NULL + reason in err. */
static struct dict *
svc_dict_load(const struct svc_conf *conf, char *err, size_t errlen)
{
	struct diag warn = svc_dict_load_diag();
	struct dict *dict;

	dict = dict_load(conf->file, conf->max_file_size, &warn, err, errlen);
	svc_dict_load_report(conf, &warn, dict);
	return dict;
}

/* Sends val as one datagram: cut at a sense, with a mark, if too long. */
static void
svc_dict_reply_one(struct svc_dict *s, const struct udp_peer *to, const char *val,
    size_t vlen)
{
	size_t max = s->conf->reply_size, n, mlen;
	const char *mark;

	if (vlen <= max) {
		udp_reply(to, val, vlen);
		return;
	}
	n = dict_cut_value(val, vlen, max, DICT_CUT_MARK_MAX);
	mark = dict_cut_mark(val, vlen, n);
	mlen = strlen(mark);
	memcpy(s->cut, val, n);
	memcpy(s->cut + n, mark, mlen);
	udp_reply(to, s->cut, n + mlen);
}

static void
svc_dict_request(void *arg, const struct udp_req *req)
{
	struct svc_dict *s = arg;
	const char *val;
	size_t vlen;

	if ((val = dict_lookup_loose(s->dict, req->data, req->len, &vlen)) !=
	    NULL) {
		s->found++;
		svc_dict_reply_one(s, &req->peer, val, vlen);
	} else {
		s->unknown++;
		udp_reply(&req->peer, unknown_reply, sizeof unknown_reply - 1);
	}
}

static void
svc_dict_load_stop(struct svc_dict *s)
{
	dict_load_free(s->loading);
	s->loading = NULL;
	evtimer_del(s->load_ev);
}

/*
 * A reload that loads under half the entries of the table in use is kept
 * (an admin may well swap in a smaller file) but said: it is also what a
 * file cut short or caught half written looks like.
 */
static void
svc_dict_warn_shrink(const struct svc_dict *s)
{
	size_t now, before = dict_size(s->dict);

	if (s->staged == NULL || (now = dict_size(s->staged)) >= before / 2)
		return;
	log_warnx("%s: %s: %zu entries, %zu before: cut short or half"
	    " written? (loaded: a reload applies what the file holds)",
	    s->conf->name, s->staged_conf->file, now, before);
}

/*
 * DICT_LOAD_USEC of the reload's load (in small steps, whose cost varies
 * with page faults); the next slice runs after pending I/O.
 */
static void
svc_dict_load_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_dict *s = arg;
	int64_t until = clock_monotonic_ns() + DICT_LOAD_USEC * NSEC_PER_USEC;
	int rc;

	(void)fd;
	(void)what;
	do
		rc = dict_load_step(s->loading, s->load_err, sizeof s->load_err);
	while (rc == 1 && clock_monotonic_ns() < until);
	if (rc == 1) {
		evtimer_add(s->load_ev, &next_turn);
		return;
	}
	s->staged = rc == 0 ? dict_load_take(s->loading) : NULL;
	svc_dict_load_report(s->staged_conf, &s->load_warn, s->staged);
	svc_dict_warn_shrink(s);
	svc_dict_load_stop(s);
	/* May commit the reload: the last thing done here. */
	s->ctx->staged(s->ctx->owner);
}

/* How the reload's load went: 1 still loading, 0 loaded, -1 + err. */
static int
svc_dict_staged(void *arg, char *err, size_t errlen)
{
	struct svc_dict *s = arg;

	if (s->loading != NULL)
		return 1;
	if (s->staged != NULL)
		return 0;
	s->reload_failures++;
	snprintf(err, errlen, "file: %s (still serving the %zu entries loaded"
	    " before)", s->load_err[0] ? s->load_err : "out of memory",
	    dict_size(s->dict));
	return -1;
}

/* Frees the replaced table a slice a loop turn: one munmap of it is slow. */
static void
svc_dict_retire_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_dict *s = arg;

	(void)fd;
	(void)what;
	if (dict_release_some(s->retired, DICT_RELEASE_SLICE)) {
		evtimer_add(s->retire_ev, &next_turn);
		return;
	}
	dict_free(s->retired);
	s->retired = NULL;
}

static void
svc_dict_retire(struct svc_dict *s, struct dict *old)
{
	dict_free(s->retired);		/* reloads faster than freeing: at once */
	s->retired = old;
	if (evtimer_add(s->retire_ev, &next_turn) == -1) {
		dict_free(s->retired);
		s->retired = NULL;
	}
}

/* Publishes the table in use; out of memory, dictd just cannot see it. */
static void
svc_dict_publish(struct svc_dict *s)
{
	if (s->ctx->dicts != NULL && dict_registry_publish(s->ctx->dicts, s,
	    s->conf->name, s->dict, s->conf->file, s->loaded_at) == -1)
		log_warnx("%s: out of memory: its table is not served over DICT",
		    s->conf->name);
}

static void *
svc_dict_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dict *s;
	char why[768];
	struct dict *dict;

	if ((dict = svc_dict_load(conf, why, sizeof why)) == NULL) {
		snprintf(err, errlen, "file: %s", why);
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		dict_free(dict);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	s->dict = dict;
	s->loaded_at = time(NULL);
	s->load_ev = evtimer_new(ctx->base, svc_dict_load_slice_cb, s);
	s->retire_ev = evtimer_new(ctx->base, svc_dict_retire_slice_cb, s);
	if (s->load_ev == NULL || s->retire_ev == NULL) {
		if (s->load_ev != NULL)
			event_free(s->load_ev);
		if (s->retire_ev != NULL)
			event_free(s->retire_ev);
		dict_free(dict);
		free(s);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	svc_dict_publish(s);
	return s;
}

static int
svc_dict_start(void *arg, char *err, size_t errlen)
{
	struct svc_dict *s = arg;

	s->udp = udp_open(s->ctx, s->conf, svc_dict_request, s, err, errlen);
	return s->udp == NULL ? -1 : 0;
}

/* Starts loading the (possibly new) file beside the table in use. */
static int
svc_dict_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dict *s = arg;

	s->load_warn = svc_dict_load_diag();
	s->load_err[0] = '\0';
	s->staged_conf = conf;
	s->loading = dict_load_begin(conf->file, conf->max_file_size,
	    &s->load_warn, s->load_err, sizeof s->load_err);
	if (s->loading == NULL || evtimer_add(s->load_ev, &next_turn) == -1) {
		svc_dict_load_stop(s);
		s->staged_conf = NULL;
		return svc_dict_staged(s, err, errlen);
	}
	return 1;
}

/* Swaps the new table in only now: no query sees a half-loaded one. */
static void
svc_dict_commit(void *arg, int apply)
{
	struct svc_dict *s = arg;

	svc_dict_load_stop(s);
	if (apply) {
		if (s->ctx->dicts != NULL)
			dict_registry_withdraw(s->ctx->dicts, s);
		svc_dict_retire(s, s->dict);
		s->dict = s->staged;
		s->conf = s->staged_conf;
		udp_set_conf(s->udp, s->conf);
		s->loaded_at = time(NULL);
		svc_dict_publish(s);
	} else
		dict_free(s->staged);
	s->staged = NULL;
	s->staged_conf = NULL;
}

static void
svc_dict_stop(void *arg)
{
	struct svc_dict *s = arg;

	udp_close(s->udp);
	s->udp = NULL;
}

static size_t
svc_dict_pending(void *arg)
{
	(void)arg;
	return 0;
}

static void
svc_dict_free(void *arg)
{
	struct svc_dict *s = arg;

	if (s->ctx->dicts != NULL)
		dict_registry_withdraw(s->ctx->dicts, s);
	udp_close(s->udp);
	svc_dict_load_stop(s);
	event_free(s->load_ev);
	event_free(s->retire_ev);
	dict_free(s->retired);
	dict_free(s->dict);
	dict_free(s->staged);
	free(s);
}

static void
svc_dict_stats(void *arg, struct stats *st)
{
	struct svc_dict *s = arg;

	udp_put_stats(s->udp, st);
	stats_put(st, s->conf->name, "found", s->found);
	stats_put(st, s->conf->name, "unknown", s->unknown);
	stats_put(st, s->conf->name, "dict_entries", dict_size(s->dict));
	stats_put(st, s->conf->name, "dict_loaded_at", (uint64_t)s->loaded_at);
	stats_put(st, s->conf->name, "reload_failures", s->reload_failures);
}

const struct service svc_dict = {
	.kind = "dict",
	.proto = "udp",
	.enabled_default = 1,
	.keys = dict_keys,
	.create = svc_dict_create,
	.start = svc_dict_start,
	.prepare = svc_dict_prepare,
	.staged = svc_dict_staged,
	.commit = svc_dict_commit,
	.stop = svc_dict_stop,
	.pending = svc_dict_pending,
	.free = svc_dict_free,
	.stats = svc_dict_stats,
};
