/* SPDX-License-Identifier: MIT */
/*
 * exec_child.c: what happens between fork and exec for an exec job.
 *
 * The child gets stdin from /dev/null, stdout and stderr into one pipe,
 * its own process group (so a timeout can kill everything it started),
 * default signal dispositions and an empty signal mask (an ignored SIGPIPE
 * would survive exec and break "yes | head"), no descriptor but 0-2, the
 * usual 1024 open-files limit, cwd /, a minimal environment and, when the
 * daemon is root, an unprivileged uid, and no_new_privs (no setuid gain).
 * Only async-signal-safe calls run in the child: the daemon's state is not
 * touched after fork.
 *
 * Everything a job starts ends with it: the child is a small supervisor
 * (a child subreaper) that runs the command as its own child, so whatever
 * the command leaves behind, even after setsid(), is reparented to the
 * supervisor, which kills it once the command has exited and then exits
 * with the command's status. The supervisor makes the process group the
 * daemon knows (its own pid) and then leaves it for the daemon's group:
 * the daemon's timeout and stop signals reach the command's group, never
 * the supervisor. When the daemon is root only the command drops to the
 * job's user, so the job cannot signal its supervisor; and the supervisor
 * dies with the daemon (PR_SET_PDEATHSIG), killing the command's tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_child.h"

#define CHILD_NOFILE	1024
#define CHILD_KILL_ROUNDS	10000	/* kill-and-reap passes at the end */

/* Writes "netdemo: cannot run PROG: errno N" without stdio (async-safe). */
static void
child_fail(const char *prog, const char *what)
{
	char num[16];
	int e = errno, i = (int)sizeof num;

	num[--i] = '\n';
	do {
		num[--i] = (char)('0' + e % 10);
		e /= 10;
	} while (e > 0 && i > 0);
	(void)!write(STDOUT_FILENO, "netdemo: cannot run ", 20);
	(void)!write(STDOUT_FILENO, prog, strlen(prog));
	(void)!write(STDOUT_FILENO, ": ", 2);
	(void)!write(STDOUT_FILENO, what, strlen(what));
	(void)!write(STDOUT_FILENO, " failed, errno ", 15);
	(void)!write(STDOUT_FILENO, num + i, sizeof num - (size_t)i);
	_exit(127);
}

static void
child_reset_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL);	/* fails harmlessly for some */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
child_close_from(int lowfd)
{
	struct rlimit rl;
	int fd;

	if (close_range((unsigned)lowfd, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		rl.rlim_cur = 65536;
	for (fd = lowfd; fd < (int)rl.rlim_cur; fd++)
		close(fd);
}

/*
 * SIGKILLs every child of this process (read from /proc: as a subreaper it
 * is the parent of every orphan below it). Returns how many it found.
 * The child is single-threaded after fork, so snprintf and strtol are safe.
 */
static int
child_kill_children(void)
{
	char path[64], buf[4096], *p, *end;
	ssize_t n;
	int fd, found = 0;
	long pid;

	snprintf(path, sizeof path, "/proc/self/task/%d/children",
	    (int)getpid());
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (p = buf; (pid = strtol(p, &end, 10)) > 0; p = end) {
		kill((pid_t)pid, SIGKILL);
		found++;
	}
	return found;
}

/* Ends with status: the same exit code, or death by the same signal. */
static void
child_exit_as(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t all;
	int sig;

	if (!WIFSIGNALED(status))
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 127);
	sig = WTERMSIG(status);
	setrlimit(RLIMIT_CORE, &none);
	signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	kill(getpid(), sig);
	_exit(128 + sig);
}

/*
 * SIGTERM reaches the supervisor when the daemon dies (its parent-death
 * signal) or from a job of the same uid: either way the job ends. Its
 * command's group is the supervisor's pid.
 */
static void
child_term_cb(int sig)
{
	(void)sig;
	kill(-getpid(), SIGKILL);
}

/*
 * Kills and reaps every process this subreaper has adopted: a killed
 * child's children become ours, so repeat until none is left. Bounded, so
 * a fork storm cannot keep it here for ever.
 */
static void
child_kill_all(void)
{
	int round;

	for (round = 0; round < CHILD_KILL_ROUNDS; round++) {
		child_kill_children();
		if (waitpid(-1, NULL, 0) == -1 && errno == ECHILD)
			break;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/*
 * The supervisor: waits for the command, reaping orphans meanwhile, then
 * kills what is left until it has no child, and exits as the command did.
 */
static void
child_supervise(pid_t cmd)
{
	int status = 0, st;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &st, 0);
		if (pid == cmd) {
			status = st;
			break;
		}
		if (pid == -1 && errno != EINTR)
			_exit(127);
	}
	child_kill_all();
	child_exit_as(status);
}

/* The command's side of the fork: the job's user, then exec. */
static void
child_exec(const struct exec_child_spec *spec, const char *prog,
    char *const argv[])
{
	sigset_t none;

	child_reset_signals();
	if (spec->drop && (setgroups(1, &spec->gid) == -1 ||
	    setgid(spec->gid) == -1 || setuid(spec->uid) == -1 ||
	    getuid() != spec->uid || geteuid() != spec->uid))
		child_fail(prog, "dropping privileges");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		child_fail(prog, "no_new_privs");
	if (chdir("/") == -1)
		child_fail(prog, "chdir /");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(prog, argv, spec->env);
	child_fail(prog, "exec");
}

/* Waits for EOF on fd (its writers gone). */
static void
child_wait_eof(int fd)
{
	char c;

	while (read(fd, &c, 1) == -1 && errno == EINTR)
		;
	close(fd);
}

/*
 * The command starts only once its supervisor has left the group (the
 * write end closes): a signal the daemon sends the group never finds the
 * supervisor in it while the command runs.
 */
static void
child_wait_go(int go[2], const char *prog)
{
	pid_t supervisor = getppid();

	close(go[1]);
	child_wait_eof(go[0]);
	if (getppid() != supervisor || getpgid(supervisor) == getpgrp())
		child_fail(prog, "supervising");
}

/*
 * Dies with the daemon: SIGTERM (child_term_cb) when the parent goes; if
 * it went before prctl took effect, getppid() has changed already.
 */
static void
child_follow_parent(const char *prog, pid_t parent)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = child_term_cb;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) == -1)
		child_fail(prog, "supervising");
	/* In the daemon's group it would get a terminal's ^C, ^\ and hangup. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	if (getppid() != parent)
		_exit(127);
}

/* Who forked the supervisor, and the pipe it closes once it has set the
 * supervisor's group (so its setpgid cannot come after ours). */
struct child_origin {
	pid_t	 parent;
	pid_t	 group;
	int	 ready;
};

static void
child_run(const struct exec_child_spec *spec, const char *prog,
    char *const argv[], int out, const struct child_origin *from)
{
	struct rlimit rl;
	sigset_t term;
	pid_t cmd;
	int null, go[2];

	if (fcntl(out, F_SETFL, 0) == -1 ||
	    (null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(127);
	setpgid(0, 0);
	child_wait_eof(from->ready);
	child_reset_signals();
	child_close_from(3);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > CHILD_NOFILE) {
		rl.rlim_cur = CHILD_NOFILE;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* SIGTERM waits, blocked, until the command is in its group. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	child_follow_parent(prog, from->parent);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1)
		child_fail(prog, "supervising");
	if (pipe2(go, O_CLOEXEC) == -1)
		child_fail(prog, "pipe");
	if ((cmd = fork()) == -1)
		child_fail(prog, "fork");
	if (cmd == 0) {
		child_wait_go(go, prog);
		child_exec(spec, prog, argv);
	}
	/* The group (this pid) is the command's now: the daemon signals it. */
	if (setpgid(0, from->group) == -1) {
		kill(cmd, SIGKILL);
		child_fail(prog, "leaving the group");
	}
	close(go[1]);
	close(go[0]);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	/* Only the command's tree holds the pipe: EOF comes when it ends. */
	dup2(null, STDOUT_FILENO);
	dup2(null, STDERR_FILENO);
	close(null);
	child_supervise(cmd);
}

/*
 * Starts prog with argv. Returns the supervisor's pid, which is also the
 * command's process group (the supervisor leaves it), with the output
 * pipe in *out (non-blocking); or -1 with the reason in err.
 */
pid_t
exec_child_spawn(const struct exec_child_spec *spec, const char *prog,
    char *const argv[], int *out, char *err, size_t errlen)
{
	struct child_origin from = { getpid(), getpgrp(), -1 };
	int p[2], ready[2];
	pid_t pid;

	/* Non-blocking for the loop's end; the child clears it on its own. */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(ready, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (pid == 0) {
		close(ready[1]);
		from.ready = ready[0];
		child_run(spec, prog, argv, p[1], &from);
	}
	/* Both sides set the group, so it exists whichever runs first; the
	 * child waits for ours before it leaves the group for the daemon's. */
	setpgid(pid, pid);
	close(ready[1]);
	close(ready[0]);
	close(p[1]);
	*out = p[0];
	return pid;
}
