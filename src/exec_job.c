/* SPDX-License-Identifier: MIT */
/*
 * exec_job.c: an exec job from fork to status datagram. Output arrives on
 * a non-blocking pipe and leaves in reply_size datagrams split at line
 * ends; the timeout kills the process group; the job ends when its pipe is
 * at EOF and the child has been reaped, and only then sends its status.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "exec_job.h"
#include "exec_state.h"
#include "service.h"

/* Sends the output that fills whole datagrams; at EOF, all of it. */
static void
job_flush(struct exec_job *j, int all)
{
	size_t max = j->reply_size, n, off = 0;

	while (j->outlen - off >= max || (all && off < j->outlen)) {
		n = udp_chunk_length(j->out + off, j->outlen - off, max);
		udp_reply(&j->peer, j->out + off, n);
		off += n;
	}
	memmove(j->out, j->out + off, j->outlen - off);
	j->outlen -= off;
}

static void
job_status_line(const struct exec_job *j, char *buf, size_t len)
{
	if (j->timed_out)
		snprintf(buf, len, "[timeout after %u s]", j->timeout);
	else if (WIFEXITED(j->status))
		snprintf(buf, len, "[exit %d]", WEXITSTATUS(j->status));
	else if (WIFSIGNALED(j->status))
		snprintf(buf, len, "[killed by signal %d]", WTERMSIG(j->status));
	else
		snprintf(buf, len, "[ended, status %d]", j->status);
}

static long
msec_since(int64_t ns)
{
	return (long)((clock_monotonic_ns() - ns) / NSEC_PER_MSEC);
}

/*
 * Kills the command's group and waits for the supervisor, which kills
 * and reaps what the command left before it exits. A supervisor that
 * does not (stopped by a job of its uid, when netdemo is not root) is
 * killed after EXEC_REAP_WAIT_MS: its leftovers then go to init.
 */
static void
job_end_now(pid_t supervisor)
{
	struct timespec nap = { 0, 10 * NSEC_PER_MSEC };
	int i;
	pid_t r;

	kill(-supervisor, SIGKILL);
	for (i = 0; i < EXEC_REAP_WAIT_MS / 10; i++) {
		r = waitpid(supervisor, NULL, WNOHANG);
		if (r == supervisor || (r == -1 && errno != EINTR))
			return;
		nanosleep(&nap, NULL);
	}
	kill(supervisor, SIGKILL);
	while (waitpid(supervisor, NULL, 0) == -1 && errno == EINTR)
		;
}

void
exec_job_free(struct exec_job *j)
{
	struct svc_exec *s = j->s;

	LIST_REMOVE(j, entry);
	s->njobs--;
	if (!j->exited) {
		log_info("%s: killed %s, still running after %ld ms",
		    s->conf->name, j->cmd, msec_since(j->started_ns));
		child_watch_remove(&j->child);
		job_end_now(j->child.pid);
	}
	if (j->ev_out != NULL)
		event_free(j->ev_out);
	if (j->ev_timer != NULL)
		event_free(j->ev_timer);
	if (j->fd != -1)
		close(j->fd);
	free(j->out);
	free(j);
	if (s->stopping)
		s->ctx->drained(s->ctx->owner);
}

/* Output and exit both in: send the rest, the notes, the status; log. */
static void
job_finish(struct exec_job *j)
{
	char line[96], peer[ADDR_STRLEN];

	job_flush(j, 1);
	if (j->truncated) {
		snprintf(line, sizeof line, "[output truncated at %u bytes]",
		    j->max_output);
		udp_reply_str(&j->peer, line);
	}
	job_status_line(j, line, sizeof line);
	udp_reply_str(&j->peer, line);
	/* Whatever the command left running in its group goes with it. */
	kill(-j->child.pid, SIGKILL);
	log_info("%s: %s ran %s: %s, %zu bytes%s, %ld ms", j->s->conf->name,
	    addr_format((struct sockaddr *)&j->peer.addr, peer, sizeof peer),
	    j->cmd, line, j->bytes, j->truncated ? " (truncated)" : "",
	    msec_since(j->started_ns));
	exec_job_free(j);
}

static void
job_eof(struct exec_job *j)
{
	event_del(j->ev_out);
	close(j->fd);
	j->fd = -1;
	if (j->exited)
		job_finish(j);
}

/* Keeps output up to max_output; past it, reads and discards the rest. */
static void
job_take(struct exec_job *j, const char *buf, size_t n)
{
	size_t room = j->max_output - j->bytes;

	if (n > room) {
		j->truncated = 1;
		n = room;
	}
	memcpy(j->out + j->outlen, buf, n);
	j->outlen += n;
	j->bytes += n;
	job_flush(j, 0);
}

static void
job_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_job *j = arg;
	char buf[EXEC_READ_MAX];
	ssize_t n;
	int i;

	(void)what;
	for (i = 0; i < 4; i++) {
		n = read(fd, buf, sizeof buf);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			job_eof(j);
			return;
		}
		job_take(j, buf, (size_t)n);
	}
}

static void
job_exited(void *arg, int status)
{
	struct exec_job *j = arg;

	j->exited = 1;
	j->status = status;
	if (j->fd == -1)
		job_finish(j);
}

/* Timeout: SIGTERM to the command's group, SIGKILL a second later (the
 * supervisor then kills whatever left the group), then stop waiting for
 * the pipe. */
static void
job_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct exec_job *j = arg;
	struct timeval grace = { EXEC_KILL_GRACE, 0 };

	(void)fd;
	(void)what;
	j->timed_out = 1;
	switch (j->stage) {
	case KILL_NONE:
		j->stage = KILL_TERM;
		kill(-j->child.pid, SIGTERM);
		break;
	case KILL_TERM:
		j->stage = KILL_KILL;
		kill(-j->child.pid, SIGKILL);
		break;
	case KILL_KILL:
	case KILL_GAVE_UP:
		j->stage = KILL_GAVE_UP;
		if (j->fd != -1) {
			job_eof(j);
			return;
		}
		break;
	}
	evtimer_add(j->ev_timer, &grace);
}

static struct exec_job *
job_new(struct svc_exec *s, const struct udp_peer *peer)
{
	struct exec_job *j = calloc(1, sizeof *j);

	if (j == NULL)
		return NULL;
	j->reply_size = s->conf->reply_size;
	j->max_output = s->conf->max_output;
	j->timeout = s->conf->timeout;
	j->out = malloc(j->reply_size + EXEC_READ_MAX);
	if (j->out == NULL) {
		free(j);
		return NULL;
	}
	j->s = s;
	j->fd = -1;
	j->peer = *peer;
	return j;
}

/* Starts prog for the request; on failure writes why into err. */
int
exec_job_start(struct svc_exec *s, const struct udp_peer *peer, const char *prog,
    char *err, size_t errlen)
{
	struct timeval tv = { (time_t)s->conf->timeout, 0 };
	char who[ADDR_STRLEN];
	struct exec_job *j;

	if ((j = job_new(s, peer)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	j->child.pid = exec_child_spawn(&s->spec, prog, s->argv, &j->fd, err,
	    errlen);
	if (j->child.pid == -1) {
		free(j->out);
		free(j);
		return -1;
	}
	j->started_ns = clock_monotonic_ns();
	words_join(s->argv, j->cmd, sizeof j->cmd);
	/* Logged now too: a job killed later (reload, stop) is on record. */
	log_info("%s: %s started %s", s->conf->name,
	    addr_format((const struct sockaddr *)&peer->addr, who, sizeof who),
	    j->cmd);
	j->child.exited = job_exited;
	j->child.arg = j;
	child_watch_add(s->ctx->children, &j->child);
	LIST_INSERT_HEAD(&s->jobs, j, entry);
	s->njobs++;
	s->runs++;
	j->ev_out = event_new(s->ctx->base, j->fd, EV_READ | EV_PERSIST,
	    job_read_cb, j);
	j->ev_timer = evtimer_new(s->ctx->base, job_timer_cb, j);
	if (j->ev_out == NULL || j->ev_timer == NULL ||
	    event_add(j->ev_out, NULL) == -1 || evtimer_add(j->ev_timer, &tv) == -1) {
		/* The child runs already: end it, and tell the client. */
		udp_reply_str(peer, "[killed: netdemo is out of memory]");
		exec_job_free(j);
	}
	return 0;
}

