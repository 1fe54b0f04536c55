/* SPDX-License-Identifier: MIT */
/*
 * exec_job.h: one exec job (a running child, its output pipe, its timer)
 * and the service state jobs and svc_exec.c share.
 */
#ifndef NETDEMO_EXEC_JOB_H
#define NETDEMO_EXEC_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "child_watch.h"
#include "config.h"
#include "exec_allowlist.h"
#include "exec_auth.h"
#include "exec_child.h"
#include "exec_words.h"
#include "log.h"
#include "udp.h"

#define EXEC_READ_MAX	16384	/* bytes taken from a pipe per read */
#define EXEC_KILL_GRACE	1	/* seconds from SIGTERM to SIGKILL */

enum exec_kill_stage { KILL_NONE, KILL_TERM, KILL_KILL, KILL_GAVE_UP };

struct exec_job {
	LIST_ENTRY(exec_job)	 entry;
	struct svc_exec		*s;
	struct child_watch	 child;
	struct udp_peer		 peer;
	int			 fd;		/* output pipe; -1 at EOF */
	struct event		*ev_out;
	struct event		*ev_timer;
	char			*out;		/* output not yet sent */
	size_t			 outlen;
	size_t			 bytes;		/* output kept, <= max_output */
	int			 truncated;
	/* The limits it started with: a reload may change the service's. */
	unsigned		 reply_size, max_output, timeout;
	int			 exited, status;
	int			 timed_out;
	enum exec_kill_stage		 stage;
	int64_t			 started_ns;	/* clock_monotonic_ns() */
	char			 cmd[160];	/* for the log */
};

struct svc_exec {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	struct udp_front	*udp;
	struct exec_child_spec	 spec;		/* how children start */
	struct allowlist	 allow;		/* conf->allow, split */
	char			*words;		/* max_request + 1 bytes */
	struct auth_key		 key;		/* key_file's; no bytes: unsigned */
	struct auth_replay	*replay;	/* kept across reloads */
	const struct svc_conf	*staged_conf;	/* prepared by a reload */
	struct exec_child_spec	 staged_spec;
	struct allowlist	 staged_allow;
	char			*staged_words;
	struct auth_key		 staged_key;
	char			*argv[WORDS_MAX];
	LIST_HEAD(, exec_job)	 jobs;
	size_t			 njobs;
	int			 stopping;
	uint64_t		 runs, refused, busy, too_long;
	uint64_t		 auth_dropped[AUTH_NVERDICTS];
	struct log_limit	 auth_log[AUTH_NVERDICTS];
	struct log_limit	 refusal_log;
};

int	exec_job_start(struct svc_exec *, const struct udp_peer *, const char *,
	    char *, size_t);
void	exec_job_free(struct exec_job *);

#endif
