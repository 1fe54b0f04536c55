/* SPDX-License-Identifier: MIT */
/*
 * background.c: running outside systemd.
 *
 * -d detaches the classic way (fork, setsid, fork, chdir /, umask 027),
 * but the shell that started netdemo learns whether it came up: the first
 * process waits on a pipe until the daemon says it listens, and exits 0,
 * or exits 1 if the daemon died first (whose errors still reached stderr,
 * which is redirected to /dev/null only once the services listen).
 * The daemon keeps no descriptor it inherited above stderr.
 * -p writes the pid file atomically (temporary file, then rename) and
 * refuses to start while the file names a live netdemo.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "background.h"
#include "log.h"
#include "xmalloc.h"

#define PIDFILE_MAX	64	/* bytes of a pid file worth reading */

/*
 * In the first process: waits until the daemon writes a byte to the pipe
 * (it listens) or the pipe closes without one (it died), then exits.
 */
static _Noreturn void
wait_for_ready(int fd)
{
	sigset_t none;
	char ok;
	ssize_t n;

	/* The daemon holds its signals while it starts; the waiter does not. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	do
		n = read(fd, &ok, 1);
	while (n == -1 && errno == EINTR);
	_exit(n == 1 ? 0 : 1);
}

/* Closes every descriptor above stderr but keep: none leaks to the daemon. */
static void
close_inherited(int keep)
{
	struct rlimit rl;
	int fd, max;

	if (close_range(STDERR_FILENO + 1, (unsigned)keep - 1, 0) == 0 &&
	    close_range((unsigned)keep + 1, ~0U, 0) == 0)
		return;
	/* Kernels before 5.9: as far as the descriptor limit goes. */
	max = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ?
	    (int)rl.rlim_cur : 65536;
	for (fd = STDERR_FILENO + 1; fd < max; fd++)
		if (fd != keep)
			close(fd);
}

/* path as an absolute path (from the current folder), allocated. */
char *
background_absolute(const char *path)
{
	char cwd[4096];
	size_t n;
	char *p;

	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	n = strlen(cwd) + 1 + strlen(path) + 1;
	p = xmalloc(n);
	snprintf(p, n, "%s/%s", cwd, path);
	return p;
}

/*
 * Detaches; returns, in the daemon, the descriptor to pass to
 * background_ready(), or -1 on failure (with a message).
 */
int
background_start(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		log_error("cannot go to the background");
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		wait_for_ready(p[0]);
	}
	close(p[0]);
	if (setsid() == -1 || (pid = fork()) == -1) {
		log_error("cannot go to the background");
		_exit(1);
	}
	if (pid > 0)
		_exit(0);	/* the daemon is no session leader: no tty again */
	/* Started with a standard stream closed, the pipe may have taken it. */
	if (p[1] <= STDERR_FILENO &&
	    (p[1] = fcntl(p[1], F_DUPFD_CLOEXEC, STDERR_FILENO + 1)) == -1) {
		log_error("cannot go to the background");
		_exit(1);
	}
	close_inherited(p[1]);
	if (chdir("/") == -1)
		log_warn("chdir /");
	umask(027);
	return p[1];
}

/* The services listen: let go of the terminal and release the waiter. */
void
background_ready(int fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(fd, "1", 1) != 1)
		log_warn("readiness pipe");
	close(fd);
}

/*
 * The pid in the file at path, 0 if none can be read. A FIFO or device
 * planted there would block or never end: only a regular file is read.
 */
static long
pidfile_read(const char *path)
{
	char buf[PIDFILE_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY))
	    == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (n = read(fd, buf, PIDFILE_MAX)) <= 0) {
		close(fd);
		return 0;
	}
	close(fd);
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

/* -1 (with a message) when path names a running netdemo. */
int
pidfile_check(const char *path)
{
	char comm[64], proc[64];
	long pid;
	FILE *f;

	pid = pidfile_read(path);
	if (pid <= 0 || kill((pid_t)pid, 0) == -1)
		return 0;
	snprintf(proc, sizeof proc, "/proc/%ld/comm", pid);
	if ((f = fopen(proc, "r")) == NULL)
		return 0;
	comm[0] = '\0';
	if (fgets(comm, sizeof comm, f) == NULL)
		comm[0] = '\0';
	fclose(f);
	if (strncmp(comm, "netdemo", 7) != 0 || comm[7] != '\n' || pid == getpid())
		return 0;
	log_errorx("%s: netdemo is already running as pid %ld", path, pid);
	return -1;
}

/*
 * Writes our pid to a temporary file beside path, then renames it. The
 * temporary name is predictable, so it must be a new file: O_EXCL and
 * O_NOFOLLOW refuse anything planted there (a symlink root would follow).
 */
int
pidfile_write(const char *path)
{
	char tmp[4096], line[32];
	int fd, len;

	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path,
	    (long)getpid()) >= sizeof tmp) {
		log_errorx("%s: path too long", path);
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) == -1) {
		log_error("%s", tmp);
		return -1;
	}
	len = snprintf(line, sizeof line, "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)len) != len) {
		log_error("%s", tmp);
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		log_error("%s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

void
pidfile_remove(const char *path)
{
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
}
