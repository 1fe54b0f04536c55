/* SPDX-License-Identifier: MIT */
/*
 * log.c: leveled log lines on stderr.
 *
 * Under systemd (stderr is the journal, $JOURNAL_STREAM names it) lines carry
 * a "<N>" syslog priority and no timestamp, since journald adds both; on a
 * terminal or in a log file they start with a timestamp and the level's
 * name. log_target = syslog sends them to syslog(3) instead.
 *
 * Every message is escaped here, in one place (escape.c), exactly once:
 * whatever a caller passes from the network or a file, a control byte or
 * invalid UTF-8 cannot end the line, forge another or reach a terminal
 * raw, and an argument the format quotes ("%s") cannot close its quotes.
 * Callers pass raw text; text escaped before would be escaped twice.
 *
 * The logger is the one piece of process-wide state outside the daemon
 * context: libevent's and iniparser's callbacks carry no context pointer,
 * and a log line must be possible from anywhere, as with stderr itself.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "escape.h"
#include "log.h"

static struct {
	enum log_level	level;
	int		journal;
	int		use_syslog;
	int		fd;		/* stderr or the log file */
	int		mirror;		/* also to stderr, until start-up is over */
	char		path[1024];	/* the log file, for reopening */
} logger = { LOG_LVL_INFO, 0, 0, STDERR_FILENO, 0, "" };

static const char *const level_names[] = {
	"error", "warning", "notice", "info", "debug",
};
/* syslog priorities for the journal's "<N>" prefix, by level. */
static const int level_prio[] = { 3, 4, 5, 6, 7 };

/* True when stderr is the stream $JOURNAL_STREAM ("dev:ino") names. */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
log_init(void)
{
	logger.journal = stderr_is_journal();
}

static int
open_log_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/* "stderr" and "syslog" need no descriptor of their own. */
static int
target_is_stderr(const char *target)
{
	return strcmp(target, "syslog") == 0 || strcmp(target, "stderr") == 0 ||
	    target[0] == '\0';
}

/*
 * Opens what target names ("stderr", "syslog" or a file's absolute path)
 * without switching to it: the descriptor log_target_use() takes, which is
 * stderr's for "stderr" and "syslog". -1 with errno set on failure.
 */
int
log_target_open(const char *target)
{
	if (target_is_stderr(target))
		return STDERR_FILENO;
	return open_log_file(target);
}

/*
 * Checks that target could be opened, for -t: opens it, and a log file that
 * did not exist is created to prove it can be and removed again, so that a
 * check run by another user leaves no file the daemon could not open.
 * -1 with errno set when it cannot.
 */
int
log_target_try(const char *target)
{
	int fd, saved;

	if (target_is_stderr(target))
		return 0;
	if ((fd = open(target, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK)) != -1) {
		close(fd);
		return 0;
	}
	if (errno != ENOENT)
		return -1;
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd == -1)
		return -1;
	saved = unlink(target) == -1 ? errno : 0;
	close(fd);
	errno = saved;
	return saved == 0 ? 0 : -1;
}

/* Closes a descriptor from log_target_open() that was not used. */
void
log_target_close(int fd)
{
	if (fd != STDERR_FILENO && fd != -1)
		close(fd);
}

/* Switches the log to target, whose descriptor log_target_open() gave. */
void
log_target_use(const char *target, int fd)
{
	int syslog_next = strcmp(target, "syslog") == 0;

	if (syslog_next && !logger.use_syslog)
		openlog("netdemo", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	if (logger.use_syslog && !syslog_next)
		closelog();
	if (logger.fd != STDERR_FILENO && logger.fd != fd)
		close(logger.fd);
	logger.use_syslog = syslog_next;
	logger.fd = fd;
	snprintf(logger.path, sizeof logger.path, "%s",
	    fd == STDERR_FILENO ? "" : target);
}

/* True when syslog(3)'s socket takes connections (glibc tries both types). */
static int
syslog_reachable(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int types[] = { SOCK_DGRAM, SOCK_STREAM }, fd, ok = 0;
	size_t i;

	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", _PATH_LOG);
	for (i = 0; i < 2 && !ok; i++) {
		if ((fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0)) == -1)
			return 1;	/* cannot tell: assume it is there */
		ok = connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0;
		close(fd);
	}
	return ok;
}

/*
 * Sends the log to "stderr", "syslog" or the file at an absolute path.
 * Returns -1 with errno set (the target stays as it was) on failure.
 */
int
log_set_target(const char *target)
{
	int fd;

	if (strcmp(target, "syslog") == 0 && !syslog_reachable())
		/* syslog(3) drops every line without a word if nothing listens. */
		log_warnx("syslog unreachable (nothing listens on %s): log lines"
		    " will be lost; set [netdemo] log_target to a file or stderr",
		    _PATH_LOG);
	if ((fd = log_target_open(target)) == -1)
		return -1;
	log_target_use(target, fd);
	return 0;
}

/* While on, lines also go to stderr: start-up errors reach the terminal. */
void
log_mirror_stderr(int on)
{
	logger.mirror = on;
}

/* Reopens the log file (after logrotate moved it); -1 keeps the old one. */
int
log_reopen(void)
{
	int fd;

	if (logger.path[0] == '\0')
		return 0;
	if ((fd = open_log_file(logger.path)) == -1)
		return -1;
	close(logger.fd);
	logger.fd = fd;
	return 0;
}

void
log_set_level(enum log_level level)
{
	logger.level = level;
}

int
log_enabled(enum log_level level)
{
	return level <= logger.level;
}

int
log_level_parse(const char *s, enum log_level *out)
{
	size_t i;

	for (i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

/* Writes an escaped message as one line: one write(2) carries it. */
static void
log_write(enum log_level level, const char *msg, size_t n)
{
	char line[LOG_LINE_MAX + 64];
	size_t off = 0;

	if (logger.use_syslog) {
		syslog(level_prio[level], "%s", msg);
		if (logger.mirror)
			dprintf(STDERR_FILENO, "%s\n", msg);
		return;
	}
	if (logger.journal && logger.fd == STDERR_FILENO) {
		off = (size_t)snprintf(line, sizeof line, "<%d>",
		    level_prio[level]);
	} else {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		off = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
		off += (size_t)snprintf(line + off, sizeof line - off,
		    ".%03ld %s: ", ts.tv_nsec / 1000000L, level_names[level]);
	}
	if (n > sizeof line - off - 1)
		n = sizeof line - off - 1;
	memcpy(line + off, msg, n);
	off += n;
	line[off++] = '\n';
	/* A short or failed write to stderr has nowhere better to be reported. */
	if (logger.mirror && logger.fd != STDERR_FILENO &&
	    write(STDERR_FILENO, line, off) < 0)
		return;
	if (write(logger.fd, line, off) < 0)
		return;
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];

	if (!log_enabled(level))
		return;
	log_write(level, msg, escape_vformat(msg, sizeof msg, fmt, ap));
}

void
log_at(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

/* Logs fmt's text followed by ": strerror(saved)". */
static void
log_verr(enum log_level level, int saved, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	const char *why = strerror(saved);
	size_t n;

	if (!log_enabled(level))
		return;
	n = escape_vformat(msg, sizeof msg, fmt, ap);
	n += escape_text(": ", 2, msg + n, sizeof msg - n);
	n += escape_text(why, strlen(why), msg + n, sizeof msg - n);
	log_write(level, msg, n);
}

#define LOG_FN(name, level)					\
void								\
name(const char *fmt, ...)					\
{								\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_vmsg(level, fmt, ap);				\
	va_end(ap);						\
}

#define LOG_ERRNO_FN(name, level)				\
void								\
name(const char *fmt, ...)					\
{								\
	int saved = errno;					\
	va_list ap;						\
								\
	va_start(ap, fmt);					\
	log_verr(level, saved, fmt, ap);			\
	va_end(ap);						\
}

LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_notice, LOG_LVL_NOTICE)
LOG_FN(log_warnx, LOG_LVL_WARNING)
LOG_FN(log_errorx, LOG_LVL_ERROR)
LOG_ERRNO_FN(log_warn, LOG_LVL_WARNING)
LOG_ERRNO_FN(log_error, LOG_LVL_ERROR)

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_verr(LOG_LVL_ERROR, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Logs at most one line a second for lim's reason, so a flood of bad
 * traffic cannot flood the journal; the next line says how many it held.
 */
void
log_limited(struct log_limit *lim, enum log_level level, const char *fmt, ...)
{
	time_t now;
	char msg[LOG_LINE_MAX];
	size_t n;
	va_list ap;

	if (!log_enabled(level))
		return;
	now = (time_t)(clock_monotonic_ns() / NSEC_PER_SEC);
	if (lim->last != 0 && now == lim->last) {
		lim->suppressed++;
		return;
	}
	va_start(ap, fmt);
	n = escape_vformat(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (lim->suppressed > 0 && n < sizeof msg)
		n += (size_t)snprintf(msg + n, sizeof msg - n,
		    " (and %u more like it)", lim->suppressed);
	log_write(level, msg, n < sizeof msg ? n : sizeof msg - 1);
	lim->last = now;
	lim->suppressed = 0;
}
