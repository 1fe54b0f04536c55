/*
 * background.c: running outside systemd.
 *
 * -d detaches the classic way (fork, setsid, fork, chdir /, umask 027),
 * but the shell that started netdemo learns whether it came up: the first
 * process waits on a pipe until the daemon says it listens, and exits 0,
 * or exits 1 if the daemon died first (whose errors still reached stderr,
 * which is redirected to /dev/null only once the services listen).
 * -p writes the pid file atomically (temporary file, then rename) and
 * refuses to start while the file names a live netdemo.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "background.h"
#include "log.h"

/* In the first process: waits for the daemon's word, then exits. */
static _Noreturn void
wait_for_ready(int fd)
{
	char ok;
	ssize_t n;

	do
		n = read(fd, &ok, 1);
	while (n == -1 && errno == EINTR);
	_exit(n == 1 ? 0 : 1);
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

/* -1 (with a message) when path names a running netdemo. */
int
pidfile_check(const char *path)
{
	char buf[32], comm[64], proc[64];
	long pid;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	pid = fgets(buf, sizeof buf, f) ? strtol(buf, NULL, 10) : 0;
	fclose(f);
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

/* Writes our pid to a temporary file beside path, then renames it. */
int
pidfile_write(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "we")) == NULL) {
		log_error("%s", tmp);
		return -1;
	}
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
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
