/* SPDX-License-Identifier: MIT */
/*
 * exec_auth.h: signed exec requests, "v1 UNIXTIME HEXMAC COMMAND", with an
 * HMAC-SHA256 key from a file. Shared by the daemon and netdemo-cli.
 */
#ifndef NETDEMO_EXEC_AUTH_H
#define NETDEMO_EXEC_AUTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AUTH_KEY_MIN	32	/* bytes */
#define AUTH_KEY_MAX	4096
#define AUTH_WINDOW	30	/* seconds a request's time may be off */
#define AUTH_MAC_HEXLEN	64
/* "v1 " + a 19-digit time + " " + the MAC + " ": what signing adds. */
#define AUTH_OVERHEAD	(3 + 19 + 1 + AUTH_MAC_HEXLEN + 1)

struct auth_key {
	unsigned char	*bytes;
	size_t		 len;
};

enum auth_verdict {
	AUTH_OK,
	AUTH_MALFORMED,		/* not "v1 UNIXTIME HEXMAC COMMAND" */
	AUTH_STALE,		/* time more than AUTH_WINDOW off, or before start */
	AUTH_BAD_MAC,
	AUTH_REPLAYED,		/* this MAC was seen in the last minute */
	AUTH_REPLAY_FULL,	/* too many recent requests to remember */
	AUTH_NVERDICTS
};

/* exec's extra checks on a key file: jobs run as job_uid when jobs_drop. */
struct auth_key_guard {
	int	 jobs_drop;
	uid_t	 job_uid;
};

struct auth_replay;

int		 auth_key_spec_check(const char *, char *, size_t);
int		 auth_key_load(const char *, struct auth_key *, char *, size_t);
int		 auth_key_load_guarded(const char *spec, struct auth_key *k,
		    const struct auth_key_guard *guard, char *err,
		    size_t errlen);
void		 auth_key_free(struct auth_key *);
int		 auth_sign(const struct auth_key *k, int64_t now,
		    const char *cmd, size_t cmdlen, char *out, size_t outlen);
struct auth_replay *auth_replay_new(int64_t);
void		 auth_replay_free(struct auth_replay *);
enum auth_verdict auth_verify(const struct auth_key *k, struct auth_replay *r,
		    const char *req, size_t len, int64_t now, const char **cmd,
		    size_t *cmdlen);
const char	*auth_verdict_name(enum auth_verdict);

#endif
