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
#include "udp.h"

/* Beyond this many, a file's warnings are counted, not each logged. */
#define DICT_WARN_LIMIT	20

struct svc_dict {
	struct daemon		*d;
	const struct svc_conf	*conf;
	struct dict		*dict;
	struct udp_front	*udp;
	uint64_t		 found, unknown;
	time_t			 loaded_at;
};

static const char unknown_reply[] = "unknown";

static const struct conf_key dict_keys[] = {
	UDP_CONF_KEYS,
	{ "file", CONF_PATH, NULL, 0, 0, offsetof(struct svc_conf, file) },
	CONF_KEY_END
};

/* Loads conf's file, logging its warnings; NULL with the reason in err. */
static struct dict *
svc_dict_load(const struct svc_conf *conf, char *err, size_t errlen)
{
	struct diag warn = diag_to_log(LOG_LVL_WARNING);
	struct dict *dict;

	warn.limit = DICT_WARN_LIMIT;
	dict = dict_load(conf->file, &warn, err, errlen);
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

static void
svc_dict_reload(void *arg)
{
	struct svc_dict *s = arg;
	struct dict *fresh;
	char why[768];

	if ((fresh = svc_dict_load(s->conf, why, sizeof why)) == NULL) {
		log_errorx("%s: reload failed, still serving the %zu entries"
		    " loaded before: %s", s->conf->name, dict_size(s->dict), why);
		return;
	}
	dict_free(s->dict);
	s->dict = fresh;
	s->loaded_at = time(NULL);
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
	free(s);
}

const struct service svc_dict = {
	.kind = "dict",
	.proto = "udp",
	.enabled_default = 1,
	.keys = dict_keys,
	.create = svc_dict_create,
	.start = svc_dict_start,
	.reload = svc_dict_reload,
	.stop = svc_dict_stop,
	.pending = svc_dict_pending,
	.free = svc_dict_free,
};
