/*
 * svc_dict.c: the dict service: a datagram holds a word, the reply is its
 * translation from the dictionary file, or "unknown".
 *
 * SIGHUP loads the file into a new table beside the old one and swaps only
 * when the load succeeded, so no query sees a half-loaded table and a bad
 * file leaves the old one serving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daemon.h"
#include "dict.h"
#include "log.h"
#include "service.h"
#include "stats.h"
#include "udp.h"

/* Beyond this many, a file's warnings are counted, not each logged. */
#define DICT_WARN_LIMIT	20

struct svc_dict {
	struct daemon		*d;
	const struct svc_conf	*conf;
	struct dict		*dict;
	struct dict		*staged;	/* loaded by prepare */
	const struct svc_conf	*staged_conf;
	struct udp_front	*udp;
	uint64_t		 found, unknown, reload_failures;
	time_t			 loaded_at;
};

static const char unknown_reply[] = "unknown";

static const struct conf_key dict_keys[] = {
	UDP_CONF_KEYS,
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "file", CONF_PATH, NULL, 0, 0, offsetof(struct svc_conf, file) },
	{ "max_file_size", CONF_UINT, "268435456", 1, 1073741824,
	    offsetof(struct svc_conf, max_file_size) },
	CONF_KEY_END
};

/* Loads conf's file, logging its warnings; NULL with the reason in err. */
static struct dict *
svc_dict_load(const struct svc_conf *conf, char *err, size_t errlen)
{
	struct diag warn = diag_to_log(LOG_LVL_WARNING);
	struct dict *dict;

	warn.limit = DICT_WARN_LIMIT;
	dict = dict_load(conf->file, conf->max_file_size, &warn, err, errlen);
	if (warn.count > DICT_WARN_LIMIT)
		log_warnx("%s: %s: %u more warnings not shown", conf->name,
		    conf->file, warn.count - DICT_WARN_LIMIT);
	if (dict != NULL)
		log_info("%s: loaded %zu entries from %s%s", conf->name,
		    dict_size(dict), conf->file,
		    warn.count ? " (some lines skipped, see above)" : "");
	return dict;
}

static void
svc_dict_request(void *arg, const struct udp_req *req)
{
	struct svc_dict *s = arg;
	const char *val;
	size_t vlen;

	if ((val = dict_lookup(s->dict, req->data, req->len, &vlen)) != NULL) {
		s->found++;
		udp_reply(&req->peer, val, vlen);
	} else {
		s->unknown++;
		udp_reply(&req->peer, unknown_reply, sizeof unknown_reply - 1);
	}
}

static void *
svc_dict_create(struct daemon *d, const struct svc_conf *conf, char *err,
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
	s->d = d;
	s->conf = conf;
	s->dict = dict;
	s->loaded_at = time(NULL);
	return s;
}

static int
svc_dict_start(void *arg, char *err, size_t errlen)
{
	struct svc_dict *s = arg;

	s->udp = udp_open(s->d, s->conf, svc_dict_request, s, err, errlen);
	return s->udp == NULL ? -1 : 0;
}

/* Loads the (possibly new) file beside the table in use. */
static int
svc_dict_prepare(void *arg, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_dict *s = arg;
	char why[768];

	if ((s->staged = svc_dict_load(conf, why, sizeof why)) == NULL) {
		s->reload_failures++;
		snprintf(err, errlen, "file: %s (still serving the %zu entries"
		    " loaded before)", why, dict_size(s->dict));
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

/* Swaps the new table in only now: no query sees a half-loaded one. */
static void
svc_dict_commit(void *arg, int apply)
{
	struct svc_dict *s = arg;

	if (apply) {
		dict_free(s->dict);
		s->dict = s->staged;
		s->conf = s->staged_conf;
		udp_set_conf(s->udp, s->conf);
		s->loaded_at = time(NULL);
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

	udp_close(s->udp);
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
	.commit = svc_dict_commit,
	.stop = svc_dict_stop,
	.pending = svc_dict_pending,
	.free = svc_dict_free,
	.stats = svc_dict_stats,
};
