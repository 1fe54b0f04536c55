/* SPDX-License-Identifier: MIT */
/*
 * svc_exec.c: the exec service: a datagram names an allowlisted command,
 * the reply is its output, then one status datagram ("[exit 0]").
 *
 * This is a remote shell, so it is built to be safe by construction: off
 * unless enabled, loopback sources only by default, no shell (exec_words.c
 * splits the request), the first word must be on the allowlist, and every
 * child runs with a timeout, an output cap and a cap on jobs at once. The
 * loop never waits for a child: output arrives on a non-blocking pipe and
 * SIGCHLD reaps. A job ends when its pipe is at EOF and it has been reaped.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec_allowlist.h"
#include "config.h"
#include "service.h"
#include "escape.h"
#include "exec_job.h"
#include "exec_state.h"
#include "log.h"
#include "service.h"
#include "stats.h"
#include "udp.h"
#include "exec_words.h"

#define EXEC_NO_KEY	"none"	/* key_file's default: no signatures */

static const struct conf_key exec_keys[] = {
	UDP_CONF_KEYS,
	{ "allow", CONF_LIST, NULL, 0, 0, offsetof(struct svc_conf, allow) },
	{ "allow_interpreters", CONF_BOOL, "no", 0, 0,
	    offsetof(struct svc_conf, allow_interpreters) },
	{ "path", CONF_STRING, "/usr/local/bin:/usr/bin:/bin", 0, 0,
	    offsetof(struct svc_conf, path) },
	{ "timeout", CONF_UINT, "5", 1, 3600, offsetof(struct svc_conf, timeout) },
	{ "max_output", CONF_UINT, "65000", 0, 16777216,
	    offsetof(struct svc_conf, max_output) },
	{ "max_jobs", CONF_UINT, "4", 1, 1024, offsetof(struct svc_conf, max_jobs) },
	CONF_ALLOW_FROM(CONF_LOOPBACK),
	{ "user", CONF_STRING, "", 0, 0, offsetof(struct svc_conf, user) },
	{ "group", CONF_STRING, "", 0, 0, offsetof(struct svc_conf, group) },
	{ "key_file", CONF_STRING, EXEC_NO_KEY, 0, 0,
	    offsetof(struct svc_conf, key_file) },
	CONF_KEY_END
};

/*
 * Without allow_interpreters, an allowed program must not be a runner
 * under another name either: a symlink "report" to /bin/bash. Checked
 * here and again for each request (a link may change).
 */
/* key_file's default: requests need no signature. */
static int
svc_exec_has_key(const struct svc_conf *conf)
{
	return strcmp(conf->key_file, EXEC_NO_KEY) != 0;
}

static int
svc_exec_check_targets(const struct svc_conf *conf, const struct allowlist *l,
    char *err, size_t errlen)
{
	char prog[PATH_MAX], real[PATH_MAX];
	size_t i;

	if (conf->allow_interpreters)
		return 0;
	for (i = 0; i < l->n; i++)
		if (allowlist_resolve(l->v[i].argv[0], conf->path, prog,
		    sizeof prog) == 0 && allowlist_target_is_runner(prog, real)) {
			snprintf(err, errlen, "allow: '%s' is %s, a shell, an"
			    " interpreter or a runner of other programs (set"
			    " allow_interpreters = yes if you mean it)",
			    l->v[i].argv[0], real);
			return -1;
		}
	return 0;
}

static int
svc_exec_check(const struct svc_conf *conf, char *err, size_t errlen)
{
	struct allowlist l;
	char why[512];

	if (allowlist_parse(&conf->allow, conf->allow_interpreters, &l, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "allow: %s", why);
		return -1;
	}
	if (svc_exec_check_targets(conf, &l, err, errlen) == -1) {
		allowlist_free(&l);
		return -1;
	}
	allowlist_free(&l);
	if (allowlist_path_check(conf->path, why, sizeof why) == -1) {
		snprintf(err, errlen, "path: %s", why);
		return -1;
	}
	if (conf->group[0] != '\0' && conf->user[0] == '\0') {
		snprintf(err, errlen, "group: needs user as well");
		return -1;
	}
	if (conf->key_file[0] == '\0') {
		snprintf(err, errlen, "key_file: empty: name a key, or leave"
		    " key_file out for unsigned requests");
		return -1;
	}
	if (svc_exec_has_key(conf) &&
	    auth_key_spec_check(conf->key_file, why, sizeof why) == -1) {
		snprintf(err, errlen, "key_file: %s", why);
		return -1;
	}
	return 0;
}

/*
 * msg = head, text, tail, raw: svc_exec_request escapes it once for the
 * reply and the logger once for the log.
 */
static void
svc_exec_say(char *msg, size_t len, const char *head, const char *text,
    const char *tail)
{
	snprintf(msg, len, "%s%s%s", head, text, tail);
}

/* "not allowed: PROG", or the whole line when its arguments are refused. */
static void
svc_exec_refusal(char *const argv[], enum allow_verdict v, char *msg, size_t len)
{
	char line[256];

	if (v == ALLOW_NO_ARGS)
		words_join(argv, line, sizeof line);
	else
		snprintf(line, sizeof line, "%s", argv[0]);
	svc_exec_say(msg, len, "not allowed: ", line, "");
}

/* The reply for a request that starts no command, or NULL once it runs. */
static const char *
svc_exec_try(struct svc_exec *s, const struct udp_req *req, const char *cmd,
    size_t cmdlen, char *msg, size_t len)
{
	char prog[PATH_MAX], real[PATH_MAX], why[256], tail[300];
	const char *bad = NULL;
	enum allow_verdict v = ALLOW_NO_PROGRAM;
	int argc;

	argc = words_split(cmd, cmdlen, s->words, s->argv, WORDS_MAX, &bad);
	if (argc == -1)
		snprintf(msg, len, "error: %s", bad);
	else if (argc == 0)
		snprintf(msg, len, "error: empty command");
	else if ((v = allowlist_match(&s->allow, s->argv)) != ALLOW_OK) {
		s->refused++;
		svc_exec_refusal(s->argv, v, msg, len);
	} else if (s->njobs >= s->conf->max_jobs) {
		s->busy++;
		snprintf(msg, len, "busy, try again");
	} else if (allowlist_resolve(s->argv[0], s->conf->path, prog,
	    sizeof prog) == -1) {
		snprintf(tail, sizeof tail, ": %s", errno == ENOENT ?
		    "not found in path" : strerror(errno));
		svc_exec_say(msg, len, "cannot run ", s->argv[0], tail);
	} else if (!s->conf->allow_interpreters &&
	    allowlist_target_is_runner(prog, real)) {
		s->refused++;
		svc_exec_say(msg, len, "not allowed: ", s->argv[0],
		    " (a link to a shell or a runner)");
	} else if (exec_job_start(s, &req->peer, prog, why, sizeof why) == -1) {
		snprintf(tail, sizeof tail, ": %s", why);
		svc_exec_say(msg, len, "cannot run ", s->argv[0], tail);
	} else
		return NULL;
	return msg;
}

/*
 * With a key_file, a request must carry a valid signature; those that do
 * not are dropped without a reply (an answer would tell a prober what it
 * got wrong) and counted. Returns 1 with the command, else 0.
 */
static int
svc_exec_authenticate(struct svc_exec *s, const struct udp_req *req,
    const char **cmd, size_t *cmdlen)
{
	const struct sockaddr *sa = (const struct sockaddr *)&req->peer.addr;
	char peer[ADDR_STRLEN];
	enum auth_verdict v;

	if (s->key.bytes == NULL) {
		*cmd = req->data;
		*cmdlen = req->len;
		return 1;
	}
	v = auth_verify(&s->key, s->replay, req->data, req->len,
	    (int64_t)time(NULL), cmd, cmdlen);
	if (v == AUTH_OK)
		return 1;
	s->auth_dropped[v]++;
	log_limited(&s->auth_log[v], LOG_LVL_WARNING, "%s: datagram from %s"
	    " dropped: signature %s", s->conf->name,
	    addr_format(sa, peer, sizeof peer), auth_verdict_name(v));
	return 0;
}

static void
svc_exec_request(void *arg, const struct udp_req *req)
{
	struct svc_exec *s = arg;
	const struct sockaddr *sa = (const struct sockaddr *)&req->peer.addr;
	char msg[512], reply[ESCAPE_MAX(512)], peer[ADDR_STRLEN];
	const char *cmd;
	size_t cmdlen;

	if (!svc_exec_authenticate(s, req, &cmd, &cmdlen))
		return;
	/* With a key the front lets long datagrams through (see
	 * svc_exec_front_oversize): only a signed one hears it is too long. */
	if (req->len > s->conf->max_request) {
		s->too_long++;
		udp_reply_str(&req->peer, "error: request too long");
		return;
	}
	if (svc_exec_try(s, req, cmd, cmdlen, msg, sizeof msg) != NULL) {
		/* Refusals are what a flood makes: a line a second at most. */
		log_limited(&s->refusal_log, LOG_LVL_INFO, "%s: %s: %s",
		    s->conf->name, addr_format(sa, peer, sizeof peer), msg);
		/* A reply quoting the request reaches the client's terminal. */
		escape_text(msg, strlen(msg), reply, sizeof reply);
		udp_reply_str(&req->peer, reply);
	}
}

/* Children run as user/group when the daemon is root, never as root. */
static int
svc_exec_resolve_user(const struct svc_conf *conf, struct exec_child_spec *spec,
    char *err, size_t errlen)
{
	const char *user = conf->user[0] ? conf->user : "nobody";
	const struct passwd *pw;
	const struct group *gr;

	spec->drop = 0;
	if (geteuid() != 0) {
		if (conf->user[0] != '\0')
			log_warnx("%s: user = %s ignored: netdemo is not root, so"
			    " children run as its own user", conf->name, user);
		log_warnx("%s: netdemo is not root, so jobs run as its own user:"
		    " a job can signal netdemo and its own supervisor, and"
		    " what it starts can outlive it (see README, Security)",
		    conf->name);
		return 0;
	}
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user: no such user '%s'", user);
		return -1;
	}
	spec->drop = 1;
	spec->uid = pw->pw_uid;
	spec->gid = pw->pw_gid;
	if (conf->group[0] != '\0') {
		if ((gr = getgrnam(conf->group)) == NULL) {
			snprintf(err, errlen, "group: no such group '%s'",
			    conf->group);
			return -1;
		}
		spec->gid = gr->gr_gid;
	}
	if (spec->uid == 0) {
		snprintf(err, errlen, "user: children may not run as root");
		return -1;
	}
	if (spec->gid == 0) {
		snprintf(err, errlen, "%s: children may not run in group root"
		    " (gid 0)", conf->group[0] != '\0' ? "group" : "user");
		return -1;
	}
	return 0;
}

/* Whether the jobs' user (or anyone) owns or may write to st's file. */
static const char *
svc_exec_jobs_may_change(const struct exec_child_spec *spec,
    const struct stat *st)
{
	if (st->st_mode & S_IWOTH)
		return "world-writable: anyone";
	if (spec->drop && st->st_uid == spec->uid)
		return "owned by the jobs' user: a job";
	if (spec->drop && st->st_gid == spec->gid && (st->st_mode & S_IWGRP))
		return "writable by the jobs' group: a job";
	return NULL;
}

/*
 * A directory a job (or anyone) may write to, or whose parent anyone may
 * write to, lets them choose what a name runs.
 */
static void
svc_exec_warn_path(const struct svc_conf *conf,
    const struct exec_child_spec *spec)
{
	const char *d = conf->path, *end, *who;
	char dir[4096], *slash;
	struct stat st;

	for (; *d != '\0'; d = *end ? end + 1 : end) {
		end = strchr(d, ':');
		if (end == NULL)
			end = d + strlen(d);
		snprintf(dir, sizeof dir, "%.*s", (int)(end - d), d);
		if (stat(dir, &st) == 0 &&
		    (who = svc_exec_jobs_may_change(spec, &st)) != NULL)
			log_warnx("%s: path: %s is %s can put a program there",
			    conf->name, dir, who);
		if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
			*slash = '\0';
			if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH) &&
			    !(st.st_mode & S_ISVTX))
				log_warnx("%s: path: %s is world-writable: anyone"
				    " can replace %s", conf->name, dir, slash + 1);
			else if (stat(dir, &st) == 0 && (st.st_mode & S_IWOTH))
				log_warnx("%s: path: %s is world-writable (sticky):"
				    " a path directory belongs elsewhere",
				    conf->name, dir);
		}
	}
}

/* An allowed program a job (or anyone) may rewrite runs what they like. */
static void
svc_exec_warn_program(const struct svc_conf *conf,
    const struct exec_child_spec *spec, const char *prog)
{
	struct stat st;
	const char *who;

	if (stat(prog, &st) == -1)
		return;
	if ((who = svc_exec_jobs_may_change(spec, &st)) != NULL)
		log_warnx("%s: allow: %s is %s can change what it runs",
		    conf->name, prog, who);
	else if (st.st_mode & S_IWGRP)
		log_warnx("%s: allow: %s is group-writable: its group can change"
		    " what it runs", conf->name, prog);
}

/*
 * With a key, unsigned datagrams are dropped unanswered whatever their
 * size, so the front's "request too long" reply (a probe's answer) is off
 * and svc_exec_request checks the size once the signature holds.
 */
static void
svc_exec_front_oversize(struct svc_exec *s)
{
	udp_pass_oversize(s->udp, svc_exec_has_key(s->conf));
}

/*
 * What a conf needs beyond the conf itself: the children's spec and the
 * request buffer. Used at create and, into a staging area, at reload.
 */
static int
svc_exec_setup(const struct svc_conf *conf, struct exec_child_spec *spec,
    struct allowlist *allow, char **words, struct auth_key *key, char *err,
    size_t errlen)
{
	struct auth_key_guard guard;
	char prog[4096], why[4200];
	size_t i;

	memset(spec, 0, sizeof *spec);
	memset(allow, 0, sizeof *allow);
	memset(key, 0, sizeof *key);
	*words = malloc(conf->max_request + 1);
	spec->env[0] = malloc(strlen(conf->path) + 6);
	if (*words == NULL || spec->env[0] == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	sprintf(spec->env[0], "PATH=%s", conf->path);
	spec->env[1] = "LANG=C.UTF-8";
	if (svc_exec_resolve_user(conf, spec, err, errlen) == -1)
		goto fail;
	if (allowlist_parse(&conf->allow, conf->allow_interpreters, allow, why,
	    sizeof why) == -1) {
		snprintf(err, errlen, "allow: %s", why);
		goto fail;
	}
	if (svc_exec_check_targets(conf, allow, err, errlen) == -1)
		goto fail;
	guard.jobs_drop = spec->drop;
	guard.job_uid = spec->uid;
	if (svc_exec_has_key(conf) && auth_key_load_guarded(conf->key_file,
	    key, &guard, why, sizeof why) == -1) {
		snprintf(err, errlen, "key_file: %s", why);
		goto fail;
	}
	if (key->bytes == NULL)
		service_warn_exposure(conf, "whoever allow_from admits can run"
		    " the allowlisted commands (set key_file to require"
		    " signed requests)");
	svc_exec_warn_path(conf, spec);
	for (i = 0; i < allow->n; i++)
		if (allowlist_resolve(allow->v[i].argv[0], conf->path, prog,
		    sizeof prog) == -1)
			log_warnx("%s: allow: '%s' is not an executable file%s",
			    conf->name, allow->v[i].argv[0],
			    allow->v[i].argv[0][0] == '/' ? "" : " in path");
		else
			svc_exec_warn_program(conf, spec, prog);
	return 0;
fail:
	allowlist_free(allow);
	auth_key_free(key);
	free(*words);
	free(spec->env[0]);
	*words = NULL;
	spec->env[0] = NULL;
	return -1;
}

static void
svc_exec_free(void *arg)
{
	struct svc_exec *s = arg;

	s->stopping = 0;
	while (!LIST_EMPTY(&s->jobs))
		exec_job_free(LIST_FIRST(&s->jobs));
	udp_close(s->udp);
	free(s->spec.env[0]);
	free(s->words);
	auth_key_free(&s->key);
	allowlist_free(&s->allow);
	allowlist_free(&s->staged_allow);
	free(s->staged_spec.env[0]);
	free(s->staged_words);
	auth_key_free(&s->staged_key);
	auth_replay_free(s->replay);
	free(s);
}

static void	svc_exec_commit(void *, int);

/* A key needs the replay memory; it outlives reloads, so made only once. */
static int
svc_exec_replay_ready(struct svc_exec *s, const struct auth_key *key, char *err,
    size_t errlen)
{
	if (key->bytes == NULL || s->replay != NULL)
		return 0;
	if ((s->replay = auth_replay_new((int64_t)time(NULL))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static void *
svc_exec_create(struct svc_ctx *ctx, const struct svc_conf *conf, char *err,
    size_t errlen)
{
	struct svc_exec *s = calloc(1, sizeof *s);

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (svc_exec_setup(conf, &s->spec, &s->allow, &s->words, &s->key, err,
	    errlen) == -1) {
		free(s);
		return NULL;
	}
	if (svc_exec_replay_ready(s, &s->key, err, errlen) == -1) {
		svc_exec_free(s);
		return NULL;
	}
	s->ctx = ctx;
	s->conf = conf;
	LIST_INIT(&s->jobs);
	return s;
}

static int
svc_exec_start(void *arg, char *err, size_t errlen)
{
	struct svc_exec *s = arg;

	s->udp = udp_open(s->ctx, s->conf, svc_exec_request, s, err, errlen);
	if (s->udp == NULL)
		return -1;
	svc_exec_front_oversize(s);
	return 0;
}

static int
svc_exec_prepare(void *arg, const struct svc_conf *conf, char *err, size_t errlen)
{
	struct svc_exec *s = arg;

	if (svc_exec_setup(conf, &s->staged_spec, &s->staged_allow,
	    &s->staged_words, &s->staged_key, err, errlen) == -1)
		return -1;
	if (svc_exec_replay_ready(s, &s->staged_key, err, errlen) == -1) {
		svc_exec_commit(s, 0);
		return -1;
	}
	s->staged_conf = conf;
	return 0;
}

/* Jobs already running keep the limits they started with. */
static void
svc_exec_commit(void *arg, int apply)
{
	struct svc_exec *s = arg;

	if (apply) {
		free(s->words);
		free(s->spec.env[0]);
		auth_key_free(&s->key);
		allowlist_free(&s->allow);
		s->words = s->staged_words;
		s->spec = s->staged_spec;
		s->key = s->staged_key;
		s->allow = s->staged_allow;
		s->conf = s->staged_conf;
		udp_set_conf(s->udp, s->conf);
		svc_exec_front_oversize(s);
	} else {
		free(s->staged_words);
		free(s->staged_spec.env[0]);
		auth_key_free(&s->staged_key);
		allowlist_free(&s->staged_allow);
	}
	s->staged_words = NULL;
	s->staged_conf = NULL;
	memset(&s->staged_spec, 0, sizeof s->staged_spec);
	memset(&s->staged_key, 0, sizeof s->staged_key);
	memset(&s->staged_allow, 0, sizeof s->staged_allow);
}

/* Stops taking requests and asks every job's group to end. */
static void
svc_exec_stop(void *arg)
{
	struct svc_exec *s = arg;
	struct exec_job *j;

	s->stopping = 1;
	udp_pause(s->udp);
	LIST_FOREACH(j, &s->jobs, entry)
		kill(-j->child.pid, SIGTERM);
}

static size_t
svc_exec_pending(void *arg)
{
	return ((struct svc_exec *)arg)->njobs;
}

static void
svc_exec_stats(void *arg, struct stats *st)
{
	struct svc_exec *s = arg;
	static const char *const auth_stat_names[AUTH_NVERDICTS] = {
		NULL, "dropped_auth_malformed", "dropped_auth_stale",
		"dropped_auth_bad_mac", "dropped_auth_replayed",
		"dropped_auth_replay_full",
	};
	enum auth_verdict v;

	udp_put_stats(s->udp, st);
	stats_put(st, s->conf->name, "jobs", s->njobs);
	stats_put(st, s->conf->name, "runs", s->runs);
	stats_put(st, s->conf->name, "refused_not_allowed", s->refused);
	stats_put(st, s->conf->name, "refused_busy", s->busy);
	stats_put(st, s->conf->name, "refused_too_long_signed", s->too_long);
	for (v = AUTH_MALFORMED; v < AUTH_NVERDICTS; v++)
		stats_put(st, s->conf->name, auth_stat_names[v],
		    s->auth_dropped[v]);
}

const struct service svc_exec = {
	.kind = "exec",
	.proto = "udp",
	.enabled_default = 0,
	.keys = exec_keys,
	.check = svc_exec_check,
	.create = svc_exec_create,
	.start = svc_exec_start,
	.prepare = svc_exec_prepare,
	.commit = svc_exec_commit,
	.stop = svc_exec_stop,
	.pending = svc_exec_pending,
	.free = svc_exec_free,
	.stats = svc_exec_stats,
};
