/*
 * exec_child.c: what happens between fork and exec for an exec job.
 *
 * The child gets stdin from /dev/null, stdout and stderr into one pipe,
 * its own process group (so a timeout can kill everything it started),
 * default signal dispositions and an empty signal mask (an ignored SIGPIPE
 * would survive exec and break "yes | head"), no descriptor but 0-2, the
 * usual 1024 open-files limit, cwd /, a minimal environment and, when the
 * daemon is root, an unprivileged uid. Only async-signal-safe calls run in
 * the child: the daemon's state is not touched after fork.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "exec_child.h"

#define CHILD_NOFILE	1024

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

static void
child_run(const struct exec_child_spec *spec, const char *prog,
    char *const argv[], int out)
{
	struct rlimit rl;
	int null;

	if (fcntl(out, F_SETFL, 0) == -1 ||
	    (null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(127);
	setpgid(0, 0);
	child_reset_signals();
	child_close_from(3);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur > CHILD_NOFILE) {
		rl.rlim_cur = CHILD_NOFILE;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (spec->drop && (setgroups(1, &spec->gid) == -1 ||
	    setgid(spec->gid) == -1 || setuid(spec->uid) == -1 ||
	    getuid() != spec->uid || geteuid() != spec->uid))
		child_fail(prog, "dropping privileges");
	if (chdir("/") == -1)
		child_fail(prog, "chdir /");
	execve(prog, argv, spec->env);
	child_fail(prog, "exec");
}

/*
 * Starts prog with argv. Returns the child's pid, which leads its own
 * process group, with its output pipe in *out (non-blocking); or -1 with
 * the reason in err.
 */
pid_t
exec_child_spawn(const struct exec_child_spec *spec, const char *prog,
    char *const argv[], int *out, char *err, size_t errlen)
{
	int p[2];
	pid_t pid;

	/* Non-blocking for the loop's end; the child clears it on its own. */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		child_run(spec, prog, argv, p[1]);
	/* Both sides set the group, so it exists whichever runs first. */
	setpgid(pid, pid);
	close(p[1]);
	*out = p[0];
	return pid;
}
