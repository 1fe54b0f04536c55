/* SPDX-License-Identifier: MIT */
/*
 * exec_job.h: one exec job (a running child, its output pipe, its timer),
 * as svc_exec.c starts, lists and frees it. The service state jobs read is
 * in exec_state.h.
 */
#ifndef NETDEMO_EXEC_JOB_H
#define NETDEMO_EXEC_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include "child_watch.h"
#include "udp.h"

struct event;
struct svc_exec;

#define EXEC_READ_MAX	16384	/* bytes taken from a pipe per read */
#define EXEC_KILL_GRACE	1	/* seconds from SIGTERM to SIGKILL */
#define EXEC_REAP_WAIT_MS	2000	/* for a supervisor to clean up */

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

int	exec_job_start(struct svc_exec *s, const struct udp_peer *peer,
	    const char *prog, char *err, size_t errlen);
void	exec_job_free(struct exec_job *);

#endif
