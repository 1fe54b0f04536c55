/* SPDX-License-Identifier: MIT */
/*
 * svc_chat.c: the chat service: "online" joins, "offline" leaves, and any
 * other text from a member goes to every member as "HOST:PORT# text" (or
 * "NICK# text"). "who" lists the members, "nick NAME" names the sender,
 * "ping" keeps a member that only reads alive ("pong N", N its idle timeout
 * in seconds, to it alone).
 *
 * A broadcast is one sendto per member from a buffer reused for every
 * message; a member that cannot take it (EAGAIN) does not stop the rest.
 * Members idle for idle_timeout are dropped, and so is a member whose port
 * answers ICMP port unreachable (read from the socket's error queue).
 *
 * With federation (chat_fed.c), every line also goes once to the other
 * instances of the room over Redis, theirs come to our members, and who
 * and nick look at the whole room; while Redis is away, the local members
 * go on as before.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chat_cmd.h"
#include "chat_fed.h"
#include "chat_members.h"
#include "config.h"
#include "hash.h"
#include "clock.h"
#include "log.h"
#include "notify.h"
#include "service.h"
#include "stats.h"
#include "udp.h"

#define CHAT_NAME_MAX	(CHAT_NICK_MAX * 4 + ADDR_STRLEN)

struct svc_chat {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	struct udp_front	*udp;
	struct chat_members	*members;
	struct event		*ev_expire;
	char			*msg;		/* outgoing text, reused */
	size_t			 msgcap;
	const struct svc_conf	*staged_conf;	/* prepared by a reload */
	char			*staged_msg;
	uint64_t		 relayed, deliveries;
	struct chat_fed		*fed;		/* NULL: not federated */
	struct chat_fed		*staged_fed;
	uint64_t		 fed_id;	/* this instance, across reloads */
	uint64_t		 nick_tags;	/* the last nick claim's tag */
	uint64_t		 fed_deliveries;
	struct log_limit	 join_log, leave_log;	/* a datagram's doing */
};

static const char not_online[] = "not online: send \"online\" to join";

static const struct conf_key chat_keys[] = {
	UDP_CONF_KEYS,
	CONF_ALLOW_FROM(CONF_ANYONE),
	{ "max_members", CONF_UINT, "1000", 1, 1000000,
	    offsetof(struct svc_conf, max_members) },
	{ "idle_timeout", CONF_UINT, "600", 0, 604800,
	    offsetof(struct svc_conf, idle_timeout) },
	{ "federation", CONF_STRING, "", 0, 0,
	    offsetof(struct svc_conf, federation) },
	{ "room", CONF_STRING, "", 0, 0, offsetof(struct svc_conf, room) },
	{ "presence_ttl", CONF_UINT, "15", 2, 3600,
	    offsetof(struct svc_conf, presence_ttl) },
	{ "federation_password", CONF_STRING, "", 1, 0,
	    offsetof(struct svc_conf, federation_password) },
	CONF_KEY_END
};

/* The federation's checks, and a password only beside a federation. */
static int
svc_chat_check(const struct svc_conf *conf, char *err, size_t errlen)
{
	if (conf->federation[0] == '\0' && conf->federation_password[0] != '\0') {
		snprintf(err, errlen, "federation_password: needs federation"
		    " (without it nothing reads the password)");
		return -1;
	}
	return chat_fed_check(conf, err, errlen);
}

/*
 * A socket that shares its port outlives a reload that drops reuseport:
 * without federation each process would then see part of the room.
 */
static int
svc_chat_check_shared(const struct svc_chat *s, const struct svc_conf *conf,
    char *err, size_t errlen)
{
	if (conf->federation[0] != '\0' || !udp_shares_port(s->udp))
		return 0;
	snprintf(err, errlen, "reuseport: needs federation (each process would"
	    " see only part of the room; the running socket shares its port"
	    " until a restart)");
	return -1;
}

static time_t
now_sec(void)
{
	return (time_t)(clock_monotonic_ns() / NSEC_PER_SEC);
}

/* How the others see c: its nick, else its address. */
static const char *
svc_chat_name(const struct chat_member *c, char *buf, size_t len)
{
	if (c->nick[0] != '\0')
		return c->nick;
	return addr_format((const struct sockaddr *)&c->peer.addr, buf, len);
}

/* Sends "NAME# text" to every member. */
static void
svc_chat_broadcast(struct svc_chat *s, const char *name, const char *text,
    size_t len)
{
	struct chat_member *c;
	int n;

	n = snprintf(s->msg, s->msgcap, "%s# %.*s", name, (int)len, text);
	if (n < 0)
		return;
	if ((size_t)n >= s->msgcap)
		n = (int)s->msgcap - 1;
	/* First: the other instances' members wait for Redis, ours do not. */
	if (s->fed != NULL)
		chat_fed_publish(s->fed, s->msg, (size_t)n);
	TAILQ_FOREACH(c, &s->members->lru, lru) {
		udp_reply(&c->peer, s->msg, (size_t)n);
		s->deliveries++;
	}
	s->relayed++;
}

/* A line another instance of the room published: to our members only. */
static void
svc_chat_fed_deliver(void *arg, const char *line, size_t len)
{
	struct svc_chat *s = arg;
	struct chat_member *c;

	TAILQ_FOREACH(c, &s->members->lru, lru) {
		udp_reply(&c->peer, line, len);
		s->fed_deliveries++;
	}
}

static void
svc_chat_broadcast_str(struct svc_chat *s, const char *name, const char *text)
{
	svc_chat_broadcast(s, name, text, strlen(text));
}

/* Removes c and tells the others why, as "NAME# why". */
static void
svc_chat_drop(struct svc_chat *s, struct chat_member *c, const char *why)
{
	char buf[CHAT_NAME_MAX], name[CHAT_NAME_MAX];

	snprintf(name, sizeof name, "%s", svc_chat_name(c, buf, sizeof buf));
	members_remove(s->members, c);
	if (s->fed != NULL)
		chat_fed_leave(s->fed, name);
	log_limited(&s->leave_log, LOG_LVL_INFO, "%s: %s %s, %zu members",
	    s->conf->name, name, why, s->members->count);
	svc_chat_broadcast_str(s, name, why);
}

static void
svc_chat_online(struct svc_chat *s, const struct udp_req *req,
    struct chat_member *c)
{
	char buf[CHAT_NAME_MAX];

	/*
	 * Already a member: the same line, to it alone. Broadcast again, one
	 * small datagram (spoofed, perhaps) would go to every member.
	 */
	if (c != NULL) {
		members_touch(s->members, c, now_sec());
		snprintf(s->msg, s->msgcap, "%s# online",
		    svc_chat_name(c, buf, sizeof buf));
		udp_reply_str(&req->peer, s->msg);
		return;
	}
	c = members_add(s->members, &req->peer, now_sec());
	if (c == NULL) {
		udp_reply_str(&req->peer, "full, try later");
		return;
	}
	log_limited(&s->join_log, LOG_LVL_INFO, "%s: %s online, %zu members",
	    s->conf->name, svc_chat_name(c, buf, sizeof buf),
	    s->members->count);
	if (s->fed != NULL)
		chat_fed_join(s->fed, svc_chat_name(c, buf, sizeof buf));
	svc_chat_broadcast_str(s, svc_chat_name(c, buf, sizeof buf), "online");
}

/* Room kept at the end of a who reply for its last line. */
#define CHAT_WHO_MORE	sizeof "and 18446744073709551615 more\n"

/* Adds "NAME\n" at *len if it fits under max; 0 when it does not. */
static int
svc_chat_who_add(struct svc_chat *s, size_t *len, size_t max, const char *name,
    size_t nlen)
{
	if (*len + nlen + 1 > max)
		return 0;
	memcpy(s->msg + *len, name, nlen);
	s->msg[*len + nlen] = '\n';
	*len += nlen + 1;
	return 1;
}

/*
 * Sends the member list, a name a line, in one datagram of at most
 * reply_size: as many names as fit (ours first, then the other instances'
 * from remote, when federated), then "and N more". One datagram, so a
 * 3-byte request spoofed by someone else is not answered with a list.
 */
static void
svc_chat_who_reply(struct svc_chat *s, const struct udp_peer *to,
    const struct chat_fed_names *remote)
{
	size_t max = s->conf->reply_size - CHAT_WHO_MORE, len, nlen, i;
	size_t total = s->members->count, shown = 0, nremote = 0;
	struct chat_member *c;
	char buf[CHAT_NAME_MAX];
	const char *name;
	int full = 0;

	if (remote != NULL)
		for (i = 0; i < chat_fed_names_count(remote); i++)
			nremote += chat_fed_names_get(remote, i, &nlen) != NULL;
	total += nremote;
	len = (size_t)snprintf(s->msg, s->msgcap, "%zu online:\n", total);
	TAILQ_FOREACH(c, &s->members->lru, lru) {
		name = svc_chat_name(c, buf, sizeof buf);
		if (!(full = !svc_chat_who_add(s, &len, max, name, strlen(name))))
			shown++;
		else
			break;
	}
	for (i = 0; remote != NULL && !full &&
	    i < chat_fed_names_count(remote); i++) {
		if ((name = chat_fed_names_get(remote, i, &nlen)) == NULL)
			continue;
		if (!(full = !svc_chat_who_add(s, &len, max, name, nlen)))
			shown++;
	}
	if (shown < total)
		len += (size_t)snprintf(s->msg + len, s->msgcap - len,
		    "and %zu more\n", total - shown);
	udp_reply(to, s->msg, len);
}

static void
svc_chat_who(struct svc_chat *s, const struct udp_peer *to)
{
	if (s->fed == NULL || chat_fed_who(s->fed, to) == -1)
		svc_chat_who_reply(s, to, NULL);
}

static void
svc_chat_fed_who_cb(void *arg, const struct udp_peer *to,
    const struct chat_fed_names *remote)
{
	svc_chat_who_reply(arg, to, remote);
}

static void
svc_chat_nick_taken(struct svc_chat *s, const struct udp_peer *to,
    const char *nick)
{
	snprintf(s->msg, s->msgcap, "error: nick %s is taken", nick);
	udp_reply_str(to, s->msg);
}

/* c is now known as want (claimed in the room already, when federated). */
static void
svc_chat_nick_apply(struct svc_chat *s, struct chat_member *c, const char *want)
{
	char buf[CHAT_NAME_MAX], old[CHAT_NAME_MAX];

	snprintf(old, sizeof old, "%s", svc_chat_name(c, buf, sizeof buf));
	snprintf(c->nick, sizeof c->nick, "%s", want);
	if (s->fed != NULL) {
		chat_fed_leave(s->fed, old);
		chat_fed_join(s->fed, want);
	}
	snprintf(buf, sizeof buf, "is now %s", want);
	svc_chat_broadcast_str(s, old, buf);
}

/*
 * One claim per member at a time: each claim adds its name to our
 * presence in Redis, so answering only the last would leave the others
 * claimed (and squatting many names would take one datagram each).
 */
static void
svc_chat_nick(struct svc_chat *s, const struct udp_peer *to,
    struct chat_member *c, const char *nick, size_t len)
{
	char want[sizeof c->nick];
	struct chat_member *other;

	snprintf(want, sizeof want, "%.*s", (int)len, nick);
	if (c->nick_claim != 0) {
		snprintf(s->msg, s->msgcap, "error: nick %s: the last nick is"
		    " still being claimed, try again", want);
		udp_reply_str(to, s->msg);
		return;
	}
	if ((other = members_find_nick(s->members, want)) != NULL && other != c) {
		svc_chat_nick_taken(s, to, want);
		return;
	}
	/* Federated: Redis claims it across the room, svc_chat_fed_nick_cb goes on. */
	if (s->fed != NULL && chat_fed_nick(s->fed, to, s->nick_tags + 1,
	    want) == 0) {
		c->nick_claim = ++s->nick_tags;
		return;
	}
	svc_chat_nick_apply(s, c, want);
}

/* A claimed name no member took leaves our presence, unless one has it. */
static void
svc_chat_fed_release(struct svc_chat *s, const char *name)
{
	const struct chat_member *c = members_find_nick(s->members, name);

	if (c == NULL || strcmp(c->nick, name) != 0)
		chat_fed_leave(s->fed, name);
}

/*
 * A room-wide nick claim answered. The member that asked may have gone
 * (and perhaps come back, as a new member at the same address): a claim
 * that is not its current one is released.
 */
static void
svc_chat_fed_nick_cb(void *arg, const struct udp_peer *to, uint64_t tag,
    const char *nick, int taken)
{
	struct svc_chat *s = arg;
	const struct sockaddr *sa = (const struct sockaddr *)&to->addr;
	struct chat_member *c = members_find(s->members, sa), *other;

	if (c == NULL || c->nick_claim != tag) {
		if (!taken)
			svc_chat_fed_release(s, nick);
		return;
	}
	c->nick_claim = 0;
	if (taken)
		svc_chat_nick_taken(s, to, nick);
	else if ((other = members_find_nick(s->members, nick)) != NULL &&
	    other != c) {
		svc_chat_nick_taken(s, to, nick);
		svc_chat_fed_release(s, nick);
	} else
		svc_chat_nick_apply(s, c, nick);
}

/* Connected to Redis: every local member again, for presence. */
static void
svc_chat_fed_resync_cb(void *arg)
{
	struct svc_chat *s = arg;
	struct chat_member *c;
	char buf[CHAT_NAME_MAX];

	TAILQ_FOREACH(c, &s->members->lru, lru)
		chat_fed_join(s->fed, svc_chat_name(c, buf, sizeof buf));
}

static void
svc_chat_fed_status_cb(void *arg, int up)
{
	struct svc_chat *s = arg;

	notify_send(s->ctx->notify, "STATUS=%s: federation %s", s->conf->name,
	    up ? "up" : "down, serving local members only");
}

static const struct chat_fed_hooks svc_chat_fed_hooks = {
	.deliver = svc_chat_fed_deliver,
	.resync = svc_chat_fed_resync_cb,
	.who = svc_chat_fed_who_cb,
	.nick = svc_chat_fed_nick_cb,
	.status = svc_chat_fed_status_cb,
};

/* What a member asked for: everything but online. */
static void
svc_chat_member_request(struct svc_chat *s, const struct udp_req *req,
    struct chat_member *c, enum chat_cmd cmd, const char *arg, size_t len)
{
	char buf[CHAT_NAME_MAX];

	members_touch(s->members, c, now_sec());
	switch (cmd) {
	case CHAT_OFFLINE:
		udp_reply_str(&req->peer, "bye");
		svc_chat_drop(s, c, "offline");
		break;
	case CHAT_WHO:
		svc_chat_who(s, &req->peer);
		break;
	case CHAT_PING:
		/* The idle timeout, so a client knows how often to ping. */
		snprintf(s->msg, s->msgcap, "pong %u", s->conf->idle_timeout);
		udp_reply_str(&req->peer, s->msg);
		break;
	case CHAT_NICK:
		svc_chat_nick(s, &req->peer, c, arg, len);
		break;
	case CHAT_BAD_NICK:
		udp_reply_str(&req->peer, "error: a nick is 1-32 characters, without"
		    " blanks, '#', ':' or invisible characters, and not a"
		    " command word or an address");
		break;
	case CHAT_TEXT:
		svc_chat_broadcast(s, svc_chat_name(c, buf, sizeof buf), arg, len);
		break;
	case CHAT_BAD_TEXT:
		udp_reply_str(&req->peer, "error: message must be UTF-8 text");
		break;
	case CHAT_EMPTY:
		udp_reply_str(&req->peer, "error: empty message");
		break;
	case CHAT_ONLINE:
		break;
	}
}

static void
svc_chat_request(void *arg, const struct udp_req *req)
{
	struct svc_chat *s = arg;
	const struct sockaddr *sa = (const struct sockaddr *)&req->peer.addr;
	struct chat_member *c = members_find(s->members, sa);
	const char *text;
	enum chat_cmd cmd;
	size_t len;

	cmd = chat_cmd_parse(req->data, req->len, &text, &len);
	if (cmd == CHAT_ONLINE)
		svc_chat_online(s, req, c);
	else if (c != NULL)
		svc_chat_member_request(s, req, c, cmd, text, len);
	else if (cmd == CHAT_OFFLINE)
		udp_reply_str(&req->peer, "bye");
	else
		udp_reply_str(&req->peer, not_online);
}

static void
svc_chat_unreachable(void *arg, const struct sockaddr *sa)
{
	struct svc_chat *s = arg;
	struct chat_member *c = members_find(s->members, sa);

	if (c != NULL)
		svc_chat_drop(s, c, "unreachable");
}

static void
svc_chat_expire_cb(evutil_socket_t fd, short what, void *arg)
{
	struct svc_chat *s = arg;
	struct chat_member *c;
	time_t now = now_sec();

	(void)fd;
	(void)what;
	while ((c = TAILQ_FIRST(&s->members->lru)) != NULL &&
	    now - c->last_seen >= (time_t)s->conf->idle_timeout)
		svc_chat_drop(s, c, "timed out");
}

static size_t
svc_chat_msgcap(const struct svc_conf *conf)
{
	return (conf->max_request > conf->reply_size ? conf->max_request :
	    conf->reply_size) + CHAT_NAME_MAX + 8;
}

static void
svc_chat_free(void *arg)
{
	struct svc_chat *s = arg;

	if (s->ev_expire != NULL)
		event_free(s->ev_expire);
	chat_fed_free(s->fed);
	chat_fed_free(s->staged_fed);
	udp_close(s->udp);
	members_free(s->members);
	free(s->msg);
	free(s->staged_msg);
	free(s);
}

static void *
svc_chat_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_chat *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	s->msgcap = svc_chat_msgcap(conf);
	s->members = members_new(conf->max_members, hash_random_seed());
	s->msg = malloc(s->msgcap);
	s->ev_expire = event_new(ctx->base, -1, EV_PERSIST, svc_chat_expire_cb, s);
	if (s->members == NULL || s->msg == NULL || s->ev_expire == NULL) {
		snprintf(err, errlen, "out of memory");
		svc_chat_free(s);
		return NULL;
	}
	s->fed_id = hash_random_seed();
	if (conf->federation[0] != '\0' && (s->fed = chat_fed_new(ctx->base, conf,
	    s->fed_id, &svc_chat_fed_hooks, s, err, errlen)) == NULL) {
		svc_chat_free(s);
		return NULL;
	}
	return s;
}

static int
svc_chat_start(void *arg, char *err, size_t errlen)
{
	struct svc_chat *s = arg;
	struct timeval second = { 1, 0 };

	s->udp = udp_open(s->ctx, s->conf, svc_chat_request, s, err, errlen);
	if (s->udp == NULL || svc_chat_check_shared(s, s->conf, err,
	    errlen) == -1)
		return -1;
	if (udp_watch_unreachable(s->udp, svc_chat_unreachable) == -1)
		log_warn("%s: cannot watch for ICMP errors", s->conf->name);
	if (s->conf->idle_timeout > 0 && event_add(s->ev_expire, &second) == -1) {
		snprintf(err, errlen, "cannot add the expiry timer");
		return -1;
	}
	if (s->fed != NULL)
		chat_fed_start(s->fed);
	return 0;
}

static int
svc_chat_prepare(void *arg, const struct svc_conf *conf, char *err, size_t errlen)
{
	struct svc_chat *s = arg;

	if (svc_chat_check_shared(s, conf, err, errlen) == -1)
		return -1;
	if ((s->staged_msg = malloc(svc_chat_msgcap(conf))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* A changed federation is made anew (same instance id) at commit. */
	if (conf->federation[0] != '\0' && !chat_fed_same(s->conf, conf) &&
	    (s->staged_fed = chat_fed_new(s->ctx->base, conf, s->fed_id,
	    &svc_chat_fed_hooks, s, err, errlen)) == NULL) {
		free(s->staged_msg);
		s->staged_msg = NULL;
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

/*
 * The federation goes: its claims' answers will not come, so the members
 * waiting for one are told now rather than never.
 */
static void
svc_chat_forget_claims(struct svc_chat *s)
{
	struct chat_member *c;

	TAILQ_FOREACH(c, &s->members->lru, lru) {
		if (c->nick_claim == 0)
			continue;
		c->nick_claim = 0;
		udp_reply_str(&c->peer, "error: nick not claimed: the federation"
		    " was reconfigured, try again");
	}
}

/* The staged federation replaces the old one, or federation ends. */
static void
svc_chat_commit_fed(struct svc_chat *s)
{
	if (s->staged_fed == NULL && (s->conf->federation[0] != '\0' ||
	    s->fed == NULL))
		return;		/* the same federation, or none before and now */
	svc_chat_forget_claims(s);
	chat_fed_free(s->fed);
	s->fed = s->staged_fed;
	s->staged_fed = NULL;
	if (s->fed != NULL)
		chat_fed_start(s->fed);
}

/* Members stay; a lower max_members only refuses new ones. */
static void
svc_chat_commit(void *arg, int apply)
{
	struct svc_chat *s = arg;
	struct timeval second = { 1, 0 };

	if (apply) {
		free(s->msg);
		s->msg = s->staged_msg;
		s->conf = s->staged_conf;
		s->msgcap = svc_chat_msgcap(s->conf);
		s->members->max = s->conf->max_members;
		udp_set_conf(s->udp, s->conf);
		svc_chat_commit_fed(s);
		if (s->conf->idle_timeout > 0)
			event_add(s->ev_expire, &second);
		else
			event_del(s->ev_expire);
	} else {
		free(s->staged_msg);
		chat_fed_free(s->staged_fed);
	}
	s->staged_fed = NULL;
	s->staged_msg = NULL;
	s->staged_conf = NULL;
}

static void
svc_chat_stop(void *arg)
{
	struct svc_chat *s = arg;

	event_del(s->ev_expire);
	/* Before the sockets: a who waiting for Redis holds a peer of them. */
	chat_fed_free(s->fed);
	s->fed = NULL;
	udp_close(s->udp);
	s->udp = NULL;
}

static size_t
svc_chat_pending(void *arg)
{
	(void)arg;
	return 0;
}

static void
svc_chat_stats(void *arg, struct stats *st)
{
	struct svc_chat *s = arg;

	udp_put_stats(s->udp, st);
	stats_put(st, s->conf->name, "members", s->members->count);
	stats_put(st, s->conf->name, "messages_relayed", s->relayed);
	stats_put(st, s->conf->name, "deliveries", s->deliveries);
	if (s->fed != NULL) {
		stats_put(st, s->conf->name, "federated_deliveries",
		    s->fed_deliveries);
		chat_fed_stats(s->fed, st, s->conf->name);
	}
}

const struct service svc_chat = {
	.kind = "chat",
	.proto = "udp",
	.enabled_default = 1,
	.keys = chat_keys,
	.check = svc_chat_check,
	.create = svc_chat_create,
	.start = svc_chat_start,
	.prepare = svc_chat_prepare,
	.commit = svc_chat_commit,
	.stop = svc_chat_stop,
	.pending = svc_chat_pending,
	.free = svc_chat_free,
	.stats = svc_chat_stats,
};
