/* SPDX-License-Identifier: MIT */
/*
 * chat_fed_conn.c: chat federation's two Redis connections and their life:
 * config checks, connect with a timeout, AUTH and SELECT, SUBSCRIBE, the
 * presence refresh, a liveness deadline (Redis answers within
 * CHAT_FED_ANSWER_MS or is down), and reconnecting with a capped backoff
 * when Redis goes away. Says in the log when federation goes down and when
 * it is back.
 */
#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fed_conn.h"
#include "clock.h"
#include "config.h"
#include "xmalloc.h"

static void	fed_connect(struct chat_fed *);
static void	fed_sub_cb(redisAsyncContext *, void *, void *);

/* The federation keys of a chat section; -1 + err naming the key. */
int
chat_fed_check(const struct svc_conf *conf, char *err, size_t errlen)
{
	struct chat_fed_url u;
	char why[512];

	if (conf->federation[0] == '\0') {
		if (conf->reuseport) {
			snprintf(err, errlen, "reuseport: needs federation (each"
			    " process would see only part of the room)");
			return -1;
		}
		return 0;
	}
	if (chat_fed_url_parse(conf->federation, &u, why, sizeof why) == -1) {
		snprintf(err, errlen, "federation: %s", why);
		return -1;
	}
	if (conf->room[0] != '\0' ? !chat_fed_room_ok(conf->room) :
	    !chat_fed_room_ok(conf->name)) {
		snprintf(err, errlen, "room: '%s' must be 1-%d letters, digits,"
		    " '.', '_' or '-' (set room when the section name is not)",
		    conf->room[0] != '\0' ? conf->room : conf->name,
		    CHAT_FED_ROOM_MAX);
		return -1;
	}
	if (conf->federation_password[0] != '\0' && secret_spec_check(
	    conf->federation_password, why, sizeof why) == -1) {
		snprintf(err, errlen, "federation_password: %s", why);
		return -1;
	}
	return 0;
}

/* Whether a reload can keep the running federation as it is. */
int
chat_fed_same(const struct svc_conf *a, const struct svc_conf *b)
{
	return strcmp(a->federation, b->federation) == 0 &&
	    strcmp(a->room, b->room) == 0 &&
	    strcmp(a->federation_password, b->federation_password) == 0 &&
	    a->presence_ttl == b->presence_ttl &&
	    a->max_request == b->max_request;
}

static void
fed_names(struct chat_fed *f, const struct svc_conf *conf)
{
	const char *room = conf->room[0] != '\0' ? conf->room : conf->name;
	char buf[64 + CHAT_FED_ROOM_MAX + 32];

	snprintf(buf, sizeof buf, "netdemo:chat:%u:%s:", f->url.db, room);
	f->prefix = xstrdup(buf);
	snprintf(buf, sizeof buf, "%smsg", f->prefix);
	f->channel = xstrdup(buf);
	snprintf(buf, sizeof buf, "%sinstances", f->prefix);
	f->instances = xstrdup(buf);
	snprintf(buf, sizeof buf, "%smembers:", f->prefix);
	f->members = xstrdup(buf);
	snprintf(buf, sizeof buf, "%s%s", f->members, f->idhex);
	f->mykey = xstrdup(buf);
}

static void
fed_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fed_connect(arg);
}

static void
fed_close(struct chat_fed *f)
{
	redisAsyncContext *pub = f->pub, *sub = f->sub;

	/* Cleared first: the callbacks hiredis runs while freeing are stale. */
	f->pub = f->sub = NULL;
	f->pub_ready = f->sub_ready = 0;
	f->pub_probe = f->sub_probe = 0;
	f->inflight = 0;
	f->qlen = 0;
	if (pub != NULL)
		redisAsyncFree(pub);
	if (sub != NULL)
		redisAsyncFree(sub);
}

/*
 * Drops both connections and tries again after the backoff. Down before
 * closing: freeing a connection answers its waiting who and nick locally,
 * and what those answers do must not reach for a connection being freed.
 */
static void
fed_down(struct chat_fed *f, const char *why)
{
	struct timeval tv;
	int was_up = f->up;

	f->up = 0;
	event_del(f->ev_timeout);
	event_del(f->ev_tick);
	event_del(f->ev_refresh);
	fed_close(f);
	if (f->closing)
		return;
	/* Once per outage at warning level; each retry only at debug. */
	if (!f->down_logged) {
		f->down_mark = f->dropped_down;
		log_warnx("%s: federation down: redis://%s:%d: %s; serving"
		    " local members only, retrying", f->section, f->url.host,
		    f->url.port, why);
	} else
		log_debug("%s: federation: redis://%s:%d: %s", f->section,
		    f->url.host, f->url.port, why);
	f->down_logged = 1;
	if (was_up)
		f->hooks->status(f->arg, 0);
	tv.tv_sec = f->backoff_ms / 1000;
	tv.tv_usec = (f->backoff_ms % 1000) * 1000;
	event_add(f->ev_retry, &tv);
	f->backoff_ms *= 2;
	if (f->backoff_ms > CHAT_FED_BACKOFF_MAX_MS)
		f->backoff_ms = CHAT_FED_BACKOFF_MAX_MS;
}

/* Any answer to a probe: Redis is alive and has answered all before it. */
static void
fed_pong_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed *f = ac->data;

	(void)r;
	(void)priv;
	if (ac == f->pub)
		f->pub_probe = 0;
}

/*
 * The subscriber is probed with its own SUBSCRIBE again, which Redis
 * confirms like the first: hiredis 0.14 loses a subscribed PING's "pong"
 * (it looks the reply up as a pattern subscription).
 */
static void
fed_probe(struct chat_fed *f, int64_t now, int sub)
{
	if (f->pub_probe == 0 && redisAsyncCommand(f->pub, fed_pong_cb, NULL,
	    "PING") == REDIS_OK)
		f->pub_probe = now;
	if (sub && f->sub_probe == 0 && redisAsyncCommand(f->sub, fed_sub_cb,
	    NULL, "SUBSCRIBE %s", f->channel) == REDIS_OK)
		f->sub_probe = now;
	f->last_probe = now;
}

/*
 * Redis must answer within CHAT_FED_ANSWER_MS: a probe follows anything
 * pub waits for, and both connections are probed when idle, so a Redis
 * that hangs with its connections open is down within about 4 s of being
 * asked something.
 */
static void
fed_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_fed *f = arg;
	int64_t now = clock_monotonic_ns();
	int64_t limit = (int64_t)CHAT_FED_ANSWER_MS * 1000000;
	char why[80];

	(void)fd;
	(void)what;
	if (!f->up)
		return;
	if ((f->pub_probe != 0 && now - f->pub_probe > limit) ||
	    (f->sub_probe != 0 && now - f->sub_probe > limit)) {
		snprintf(why, sizeof why, "no answer from Redis within %d s%s",
		    CHAT_FED_ANSWER_MS / 1000, f->pub_probe != 0 ? "" :
		    " (subscriber)");
		fed_down(f, why);
		return;
	}
	if (now - f->last_probe > (int64_t)CHAT_FED_IDLE_MS * 1000000)
		fed_probe(f, now, 1);
	else if (f->pub->replies.head != NULL)
		fed_probe(f, now, 0);
}

static void
fed_refresh_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat_fed *f = arg;

	(void)fd;
	(void)what;
	if (!f->up)
		return;
	redisAsyncCommand(f->pub, chat_fed_refresh_cb, NULL, "EXPIRE %s %u",
	    f->mykey, f->ttl);
	redisAsyncCommand(f->pub, NULL, NULL, "SADD %s %s", f->instances,
	    f->idhex);
}

/* Both connections ready: announce our members, refresh them from now on. */
static void
fed_maybe_up(struct chat_fed *f)
{
	struct timeval tv = { f->ttl / 3 > 0 ? f->ttl / 3 : 1, 0 };
	struct timeval tick = { 0, CHAT_FED_TICK_MS * 1000 };
	char lost[64];

	if (!f->pub_ready || !f->sub_ready || f->up)
		return;
	event_del(f->ev_timeout);
	f->up = 1;
	f->backoff_ms = CHAT_FED_BACKOFF_MIN_MS;
	if (f->ever_up)
		f->reconnects++;
	lost[0] = '\0';
	if (f->dropped_down > f->down_mark)
		snprintf(lost, sizeof lost, "; lines not published meanwhile:"
		    " %llu", (unsigned long long)(f->dropped_down -
		    f->down_mark));
	log_notice("%s: federation %s: redis://%s:%d/%u, channel %s%s",
	    f->section, f->ever_up ? "back" : "up", f->url.host, f->url.port,
	    f->url.db, f->channel, lost);
	f->ever_up = 1;
	f->down_logged = 0;
	f->last_probe = clock_monotonic_ns();
	chat_fed_resync(f);
	event_add(f->ev_refresh, &tv);
	event_add(f->ev_tick, &tick);
	f->hooks->status(f->arg, 1);
}

/* An answer to AUTH or SELECT: anything but OK takes federation down. */
static void
fed_setup_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed *f = ac->data;
	redisReply *reply = r;
	char why[160];

	if (reply == NULL || (ac != f->pub && ac != f->sub))
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, sizeof why, "%s: %.100s", (const char *)priv,
		    reply->str);
		fed_down(f, why);
		return;
	}
	if (ac == f->pub && strcmp(priv, "SELECT") == 0) {
		f->pub_ready = 1;
		fed_maybe_up(f);
	}
}

/* Every reply on the subscribed connection: its confirmation, then messages. */
static void
fed_sub_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed *f = ac->data;
	redisReply *reply = r, *kind;

	(void)priv;
	if (reply == NULL || ac != f->sub || reply->type != REDIS_REPLY_ARRAY ||
	    reply->elements < 3)
		return;
	kind = reply->element[0];
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(kind->str, "subscribe") == 0) {
		f->sub_probe = 0;
		f->sub_ready = 1;
		fed_maybe_up(f);
	} else if (strcmp(kind->str, "message") == 0 &&
	    reply->element[2]->type == REDIS_REPLY_STRING)
		chat_fed_message(f, reply->element[2]->str,
		    (size_t)reply->element[2]->len);
}

static void
fed_connect_cb(const redisAsyncContext *ac, int status)
{
	struct chat_fed *f = ac->data;
	char why[160];

	if (status == REDIS_OK || (ac != f->pub && ac != f->sub))
		return;
	/* hiredis frees ac after this returns. */
	if (ac == f->pub)
		f->pub = NULL;
	else
		f->sub = NULL;
	snprintf(why, sizeof why, "connect: %s", ac->errstr);
	fed_down(f, why);
}

static void
fed_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct chat_fed *f = ac->data;
	char why[160];

	(void)status;
	if (ac != f->pub && ac != f->sub)
		return;
	if (ac == f->pub)
		f->pub = NULL;
	else
		f->sub = NULL;
	snprintf(why, sizeof why, "connection lost%s%s",
	    ac->errstr[0] != '\0' ? ": " : "", ac->errstr);
	fed_down(f, why);
}

static void
fed_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	char why[80];

	(void)fd;
	(void)what;
	snprintf(why, sizeof why, "no answer from Redis within %d s",
	    CHAT_FED_CONNECT_MS / 1000);
	fed_down(arg, why);
}

/* One connection, attached to the loop, AUTH queued; NULL + why. */
static redisAsyncContext *
fed_open(struct chat_fed *f, char *why, size_t whylen)
{
	redisAsyncContext *ac;

	ac = redisAsyncConnect(f->url.host, f->url.port);
	if (ac == NULL) {
		snprintf(why, whylen, "connect: out of memory");
		return NULL;
	}
	if (ac->err) {
		snprintf(why, whylen, "connect: %s", ac->errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = f;
	if (redisLibeventAttach(ac, f->base) != REDIS_OK) {
		snprintf(why, whylen, "cannot watch the connection");
		redisAsyncFree(ac);
		return NULL;
	}
	/* A dead peer behind a silent network is found within minutes. */
	redisEnableKeepAlive(&ac->c);
	redisAsyncSetConnectCallback(ac, fed_connect_cb);
	redisAsyncSetDisconnectCallback(ac, fed_disconnect_cb);
	if (f->pass.len > 0)
		redisAsyncCommand(ac, fed_setup_cb, "AUTH", "AUTH %b",
		    f->pass.bytes, f->pass.len);
	return ac;
}

static void
fed_connect(struct chat_fed *f)
{
	struct timeval tv = { CHAT_FED_CONNECT_MS / 1000,
	    (CHAT_FED_CONNECT_MS % 1000) * 1000 };
	char why[160];

	if ((f->pub = fed_open(f, why, sizeof why)) == NULL ||
	    (f->sub = fed_open(f, why, sizeof why)) == NULL) {
		fed_down(f, why);
		return;
	}
	redisAsyncCommand(f->pub, fed_setup_cb, "SELECT", "SELECT %u", f->url.db);
	redisAsyncCommand(f->sub, fed_sub_cb, NULL, "SUBSCRIBE %s", f->channel);
	event_add(f->ev_timeout, &tv);
}

/*
 * Redis AUTH takes any string, but a password also goes into redis.conf:
 * printable text, 1 to CHAT_FED_PASS_MAX bytes. A password file ends in a
 * newline more often than not: not part of it.
 */
static int
fed_load_password(struct chat_fed *f, const char *spec, char *err,
    size_t errlen)
{
	static const struct secret_rules rules = { "a password",
	    "openssl rand -hex 32", 1, NULL, NULL };
	char why[512];

	if (spec[0] == '\0')
		return 0;
	if (secret_load(spec, 1, CHAT_FED_PASS_MAX, &rules, &f->pass, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "federation_password: %s", why);
		return -1;
	}
	return 0;
}

/*
 * A federation for conf's room (not connected: see chat_fed_start), its
 * instance id; NULL + err naming the key.
 */
struct chat_fed *
chat_fed_new(struct event_base *base, const struct svc_conf *conf,
    uint64_t id, const struct chat_fed_hooks *hooks, void *arg, char *err,
    size_t errlen)
{
	struct chat_fed *f = xcalloc(1, sizeof *f);

	f->base = base;
	f->hooks = hooks;
	f->arg = arg;
	f->section = xstrdup(conf->name);
	f->ttl = conf->presence_ttl;
	f->max_text = conf->max_request;
	f->id = id;
	f->backoff_ms = CHAT_FED_BACKOFF_MIN_MS;
	snprintf(f->idhex, sizeof f->idhex, "%016llx", (unsigned long long)id);
	if (chat_fed_url_parse(conf->federation, &f->url, err, errlen) == -1 ||
	    fed_load_password(f, conf->federation_password, err, errlen) == -1)
		goto fail;
	fed_names(f, conf);
	f->qslot = CHAT_FED_OVERHEAD + CHAT_FED_NAME_MAX + 2 + conf->max_request
	    + 1;
	f->enc = xmalloc(f->qslot);
	f->queue = xcalloc(CHAT_FED_QUEUE, f->qslot);
	f->qlens = xcalloc(CHAT_FED_QUEUE, sizeof *f->qlens);
	f->ev_retry = evtimer_new(base, fed_retry_cb, f);
	f->ev_timeout = evtimer_new(base, fed_timeout_cb, f);
	f->ev_refresh = event_new(base, -1, EV_PERSIST, fed_refresh_timer_cb, f);
	f->ev_tick = event_new(base, -1, EV_PERSIST, fed_tick_cb, f);
	if (f->ev_retry == NULL || f->ev_timeout == NULL ||
	    f->ev_refresh == NULL || f->ev_tick == NULL) {
		snprintf(err, errlen, "federation: cannot create its timers");
		goto fail;
	}
	return f;
fail:
	chat_fed_free(f);
	return NULL;
}

/* Starts connecting; from now on it comes and goes by itself. */
void
chat_fed_start(struct chat_fed *f)
{
	fed_connect(f);
}

void
chat_fed_free(struct chat_fed *f)
{
	if (f == NULL)
		return;
	f->closing = 1;
	fed_close(f);
	if (f->ev_retry != NULL)
		event_free(f->ev_retry);
	if (f->ev_timeout != NULL)
		event_free(f->ev_timeout);
	if (f->ev_refresh != NULL)
		event_free(f->ev_refresh);
	if (f->ev_tick != NULL)
		event_free(f->ev_tick);
	secret_free(&f->pass);
	free(f->section);
	free(f->prefix);
	free(f->channel);
	free(f->instances);
	free(f->mykey);
	free(f->members);
	free(f->enc);
	free(f->queue);
	free(f->qlens);
	free(f);
}
