/* SPDX-License-Identifier: MIT */
/*
 * chat_fed.c: a chat room shared by several netdemo instances over Redis.
 *
 * Two hiredis connections on the daemon's own libevent loop: one publishes
 * and runs commands, one only subscribes (a subscribed connection can send
 * nothing else). hiredis 0.14 neither times out a connect nor reconnects,
 * so a timer bounds the connect and a backoff (100 ms doubling to 5 s)
 * retries; both connections get TCP keepalive, and Redis must answer
 * within CHAT_FED_ANSWER_MS (chat_fed_conn.c) or is down: a hung Redis
 * keeps its connections open. The federation is up when the first
 * connection has answered SELECT and the second has subscribed.
 *
 * Keys, all under "netdemo:chat:DB:ROOM:" (pub/sub ignores DB numbers, so
 * the channel name carries it): "msg" the channel, "instances" a set of
 * instance ids, "members:ID" a set of an instance's member names that the
 * instance keeps alive with EXPIRE presence_ttl; a crashed instance's
 * members vanish when the key expires. who and nick run short Lua scripts,
 * so a nick claim is atomic across the room.
 *
 * Outgoing messages: at most CHAT_FED_INFLIGHT PUBLISH commands wait for
 * Redis; more wait in a ring of CHAT_FED_QUEUE, the oldest dropped and
 * counted. While Redis is down nothing is queued: at most once. Drops
 * are logged: queue drops at most once a second with the count, lines
 * not sent while down first and in the "federation back" line.
 */
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fed.h"
#include "chat_fed_conn.h"
#include "chat_fed_msg.h"
#include "config.h"
#include "log.h"
#include "stats.h"
#include "udp.h"

static const char who_script[] =
    "local out = {}\n"
    "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if id ~= ARGV[2] then\n"
    "    local m = redis.call('SMEMBERS', ARGV[1] .. id)\n"
    "    if #m == 0 then redis.call('SREM', KEYS[1], id) end\n"
    "    for _, n in ipairs(m) do out[#out + 1] = n end\n"
    "  end\n"
    "end\n"
    "return out\n";

/*
 * A nick is taken when another instance's member has it, ASCII case
 * ignored as the local check does (Redis runs Lua in the C locale, so
 * string.lower folds ASCII only). A claim only adds the name: the member's
 * old name goes when the chat service applies the nick, and a claim it
 * does not apply it releases (chat_fed_leave), so the set holds nothing
 * no member has.
 */
static const char nick_script[] =
    "local want = string.lower(ARGV[3])\n"
    "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if id ~= ARGV[2] then\n"
    "    for _, n in ipairs(redis.call('SMEMBERS', ARGV[1] .. id)) do\n"
    "      if string.lower(n) == want then return 0 end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "local k = ARGV[1] .. ARGV[2]\n"
    "redis.call('SADD', k, ARGV[3])\n"
    "redis.call('EXPIRE', k, ARGV[4])\n"
    "redis.call('SADD', KEYS[1], ARGV[2])\n"
    "return 1\n";

struct chat_fed_names {
	const redisReply	*r;
};

static struct chat_fed_req *
req_get(struct chat_fed *f, int kind, const struct udp_peer *peer)
{
	size_t i;

	for (i = 0; i < CHAT_FED_REQS; i++) {
		if (!f->reqs[i].used) {
			f->reqs[i].used = 1;
			f->reqs[i].kind = kind;
			f->reqs[i].fed = f;
			f->reqs[i].peer = *peer;
			return &f->reqs[i];
		}
	}
	f->req_busy++;
	return NULL;
}

/*
 * A line the others will not see: counted, the first of an outage logged,
 * and "federation back" says how many (one line a second for all of an
 * outage would bury the log).
 */
static void
drop_down(struct chat_fed *f)
{
	f->dropped_down++;
	if (f->dropped_down - f->down_mark == 1)
		log_limited(&f->down_log, LOG_LVL_WARNING, "%s: federation:"
		    " a line was not published (Redis unreachable); lines are"
		    " counted until it is back", f->section);
}

/* Sends one queued message, or a new one; the caller checked inflight. */
static void
send_publish(struct chat_fed *f, const char *msg, size_t len)
{
	if (redisAsyncCommand(f->pub, chat_fed_publish_cb, NULL,
	    "PUBLISH %s %b", f->channel, msg, len) != REDIS_OK) {
		drop_down(f);
		return;
	}
	f->inflight++;
	f->published++;
}

/* A PUBLISH answered: room for the next queued message. */
void
chat_fed_publish_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed *f = ac->data;
	size_t at;

	(void)r;
	(void)priv;
	if (ac != f->pub)
		return;
	f->inflight--;
	while (f->qlen > 0 && f->inflight < CHAT_FED_INFLIGHT) {
		at = f->qhead;
		f->qhead = (f->qhead + 1) % CHAT_FED_QUEUE;
		f->qlen--;
		send_publish(f, f->queue + at * f->qslot, f->qlens[at]);
	}
}

/*
 * Writes what is buffered for Redis now rather than on the loop's next
 * turn: the caller goes on to send to its own members, and the other
 * instances' members should not wait for that (cross-instance p99 2.8 ->
 * 1.7-1.8 ms in bench/run). Not from inside one of pub's own reply callbacks:
 * a failed write frees the context under hiredis's callback loop there,
 * and the loop writes right after the callbacks anyway.
 */
static void
flush_now(struct chat_fed *f)
{
	if (f->pub != NULL && (f->pub->c.flags & REDIS_IN_CALLBACK) == 0)
		redisAsyncHandleWrite(f->pub);
}

/*
 * Publishes "NAME# TEXT" once for the other instances. Never waits: when
 * Redis lags the message queues, and the oldest queued one is dropped.
 */
void
chat_fed_publish(struct chat_fed *f, const char *line, size_t len)
{
	size_t at, n;

	if (!f->up) {
		drop_down(f);
		return;
	}
	if (f->inflight < CHAT_FED_INFLIGHT) {
		if ((n = chat_fed_encode(f->enc, f->qslot, f->id, line, len)) == 0)
			return;
		send_publish(f, f->enc, n);
		flush_now(f);
		return;
	}
	if (f->qlen == CHAT_FED_QUEUE) {
		f->qhead = (f->qhead + 1) % CHAT_FED_QUEUE;
		f->qlen--;
		f->dropped_queue++;
		log_limited(&f->queue_log, LOG_LVL_WARNING, "%s: federation:"
		    " Redis lags, dropped the oldest queued line (%llu so far)",
		    f->section, (unsigned long long)f->dropped_queue);
	}
	at = (f->qhead + f->qlen) % CHAT_FED_QUEUE;
	n = chat_fed_encode(f->queue + at * f->qslot, f->qslot, f->id, line, len);
	if (n == 0)
		return;
	f->qlens[at] = n;
	f->qlen++;
}

/* A message from the channel: checked like a datagram, never our own. */
void
chat_fed_message(struct chat_fed *f, const char *msg, size_t len)
{
	const char *line;
	size_t linelen;
	uint64_t id;

	if (chat_fed_decode(msg, len, f->max_text, &id, &line, &linelen) == -1) {
		f->malformed++;
		log_limited(&f->bad_log, LOG_LVL_WARNING, "%s: federation: "
		    "dropped a malformed message (%zu bytes)", f->section, len);
		return;
	}
	if (id == f->id)
		return;
	f->received++;
	f->hooks->deliver(f->arg, line, linelen);
}

static void
presence_cmd(struct chat_fed *f, const char *cmd, const char *name)
{
	if (!f->up)
		return;
	redisAsyncCommand(f->pub, NULL, NULL, "%s %s %s", cmd, f->mykey, name);
	redisAsyncCommand(f->pub, NULL, NULL, "EXPIRE %s %u", f->mykey, f->ttl);
	redisAsyncCommand(f->pub, NULL, NULL, "SADD %s %s", f->instances,
	    f->idhex);
}

/* name is one of this instance's members now. */
void
chat_fed_join(struct chat_fed *f, const char *name)
{
	presence_cmd(f, "SADD", name);
}

void
chat_fed_leave(struct chat_fed *f, const char *name)
{
	if (f->up)
		redisAsyncCommand(f->pub, NULL, NULL, "SREM %s %s", f->mykey,
		    name);
}

/* Announces every local member afresh: after a connect, or a lost key. */
void
chat_fed_resync(struct chat_fed *f)
{
	redisAsyncCommand(f->pub, NULL, NULL, "DEL %s", f->mykey);
	f->hooks->resync(f->arg);
	redisAsyncCommand(f->pub, NULL, NULL, "SADD %s %s", f->instances,
	    f->idhex);
}

/* The refresh's EXPIRE: 0 means the key is gone (Redis restarted?). */
void
chat_fed_refresh_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed *f = ac->data;
	redisReply *reply = r;

	(void)priv;
	if (ac != f->pub || !f->up || reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0)
		chat_fed_resync(f);
}

static void
who_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed_req *q = priv;
	struct chat_fed *f = q->fed;
	struct chat_fed_names names = { r };
	redisReply *reply = r;
	size_t i, len;

	(void)ac;
	q->used = 0;
	if (f->closing)
		return;
	if (reply == NULL || reply->type != REDIS_REPLY_ARRAY) {
		f->hooks->who(f->arg, &q->peer, NULL);
		return;
	}
	for (i = 0; i < reply->elements; i++)
		f->malformed += chat_fed_names_get(&names, i, &len) == NULL;
	f->hooks->who(f->arg, &q->peer, &names);
}

/*
 * Asks Redis for the other instances' members; the who hook answers. -1:
 * not now (down, or too many waiting), answer from the local members.
 */
int
chat_fed_who(struct chat_fed *f, const struct udp_peer *to)
{
	struct chat_fed_req *q;

	if (!f->up || (q = req_get(f, CHAT_FED_WHO, to)) == NULL)
		return -1;
	if (redisAsyncCommand(f->pub, who_cb, q, "EVAL %s 1 %s %s %s",
	    who_script, f->instances, f->members, f->idhex) != REDIS_OK) {
		q->used = 0;
		return -1;
	}
	return 0;
}

size_t
chat_fed_names_count(const struct chat_fed_names *n)
{
	return n->r->elements;
}

/* The i-th name, or NULL when it is no member's name. */
const char *
chat_fed_names_get(const struct chat_fed_names *n, size_t i, size_t *len)
{
	const redisReply *e = n->r->element[i];

	if (e->type != REDIS_REPLY_STRING || !chat_fed_name_ok(e->str,
	    (size_t)e->len))
		return NULL;
	*len = (size_t)e->len;
	return e->str;
}

static void
nick_cb(redisAsyncContext *ac, void *r, void *priv)
{
	struct chat_fed_req *q = priv;
	struct chat_fed *f = q->fed;
	redisReply *reply = r;
	int taken = 0;

	(void)ac;
	q->used = 0;
	if (f->closing)
		return;
	/* No answer: Redis went away, and the local check has passed. */
	if (reply != NULL && reply->type == REDIS_REPLY_INTEGER)
		taken = reply->integer == 0;
	f->hooks->nick(f->arg, &q->peer, q->tag, q->nick, taken);
}

/*
 * Claims nick for the member at peer across the room; the nick hook says
 * how it went, with tag. -1: not now, check locally only.
 */
int
chat_fed_nick(struct chat_fed *f, const struct udp_peer *peer, uint64_t tag,
    const char *nick)
{
	struct chat_fed_req *q;

	if (!f->up || (q = req_get(f, CHAT_FED_NICK, peer)) == NULL)
		return -1;
	q->tag = tag;
	snprintf(q->nick, sizeof q->nick, "%s", nick);
	if (redisAsyncCommand(f->pub, nick_cb, q, "EVAL %s 1 %s %s %s %s %u",
	    nick_script, f->instances, f->members, f->idhex, q->nick,
	    f->ttl) != REDIS_OK) {
		q->used = 0;
		return -1;
	}
	return 0;
}

int
chat_fed_up(const struct chat_fed *f)
{
	return f->up;
}

void
chat_fed_stats(const struct chat_fed *f, struct stats *st, const char *name)
{
	stats_put(st, name, "federation_up", (uint64_t)f->up);
	stats_put(st, name, "federation_published", f->published);
	stats_put(st, name, "federation_received", f->received);
	stats_put(st, name, "federation_dropped_queue", f->dropped_queue);
	stats_put(st, name, "federation_dropped_down", f->dropped_down);
	stats_put(st, name, "federation_malformed", f->malformed);
	stats_put(st, name, "federation_reconnects", f->reconnects);
}
