/* SPDX-License-Identifier: MIT */
/*
 * exec_allowlist.c: exec's allowlist. An entry is a whole command line, split
 * into words as a request is (exec_words.c): "date", "df -h". Its program is a
 * command name, looked up in the service's path, or an absolute path,
 * matched as written: "date" matches the entry "date" only, "/bin/date"
 * the entry "/bin/date" only, and "../bin/sh" nothing. A request must equal
 * an entry word for word; only an entry ending in " *" ("ping -c 1 *")
 * admits further arguments, since arguments can make a harmless program
 * read files ("date -f /etc/passwd") or run others.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_allowlist.h"
#include "config.h"
#include "exec_words.h"

static int
is_dot_part(const char *p, size_t n)
{
	return (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

/* An entry is a plain name or an absolute path without "." or ".." parts. */
int
allowlist_entry_ok(const char *e)
{
	const char *p = e;
	size_t n;

	if (strchr(e, '/') == NULL)
		return *e != '\0' && !is_dot_part(e, strlen(e));
	if (e[0] != '/' || e[strlen(e) - 1] == '/')
		return 0;
	while (*p == '/') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || is_dot_part(p, n))
			return 0;
		p += n;
	}
	return 1;
}

/*
 * Programs that run other programs or code given as arguments: shells,
 * interpreters, runners, and tools with an option or command that runs
 * one (tar --checkpoint-action, sqlite3 .shell, man -P, vim :!, git -c
 * core.pager, make, rsync -e...). An entry naming one would undo "no
 * shell". A name matches with a version suffix too (python3.11, perl5.36)
 * and with a Debian alternative's suffix (vim.basic, nc.openbsd); one
 * ending in '*' matches as a prefix. Best effort: no list of Unix programs
 * that can run others is complete, so exact entries are the real defence.
 */
static const char *const runners[] = {
	/* shells */
	"sh", "bash", "dash", "zsh", "ksh", "mksh", "csh", "tcsh", "fish",
	"ash", "rbash", "busybox", "toybox", "script", "tmux", "screen",
	/* interpreters */
	"python", "pydoc", "pip", "perl", "ruby", "irb", "node", "nodejs",
	"lua", "luajit", "php", "tclsh", "wish", "expect", "unbuffer", "awk",
	"gawk", "mawk", "nawk", "sed", "Rscript", "R", "julia", "gdb",
	/* runners of a command given as arguments */
	"env", "xargs", "find", "nice", "ionice", "nohup", "setsid",
	"timeout", "stdbuf", "chroot", "sudo", "su", "doas", "runuser",
	"setpriv", "unshare", "nsenter", "taskset", "chrt", "systemd-run",
	"flock", "watch", "strace", "ltrace", "valgrind", "prlimit", "time",
	"parallel", "run-parts", "at", "batch", "crontab", "sg", "pkexec",
	"capsh", "setarch", "linux32", "linux64", "numactl", "eatmydata",
	"fakeroot", "bwrap", "firejail", "start-stop-daemon", "chronic",
	"ifne", "perf", "ld.so", "ld-linux*", "ld-musl*", "ldd",
	"dbus-run-session", "ssh-agent",
	/* tools with an option or command that runs one */
	"vi", "vim", "view", "ex", "nvim", "rvim", "rview", "vimdiff", "emacs",
	"ed", "red", "editor", "sensible-editor", "less", "more", "most",
	"pager", "sensible-pager", "man", "git", "make", "gmake", "cmake",
	"ninja", "meson", "gcc", "cc", "tar", "zip", "sqlite3", "mysql",
	"psql", "apt", "apt-get", "dpkg", "rsync", "ssh", "scp", "sftp",
	"socat", "nc", "ncat", "netcat", "openssl", "docker", "podman",
};

/* Debian alternatives' and wrappers' suffixes: vi is vim.basic. */
static const char *const variant_suffixes[] = {
	"basic", "tiny", "nox", "gtk", "gtk3", "huge", "real", "bin",
	"openbsd", "traditional", "default",
};

/* True when s is "" or ".SUFFIX" for a known variant suffix. */
static int
is_variant_suffix(const char *s)
{
	size_t i;

	if (*s == '\0')
		return 1;
	if (*s++ != '.')
		return 0;
	for (i = 0; i < sizeof variant_suffixes / sizeof variant_suffixes[0];
	    i++)
		if (strcmp(s, variant_suffixes[i]) == 0)
			return 1;
	return 0;
}

/* True when base is name, name with a version, or a variant of it. */
static int
runner_match(const char *base, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	if (n > 0 && name[n - 1] == '*')
		return strncmp(base, name, n - 1) == 0;
	if (strncmp(base, name, n) != 0)
		return 0;
	for (p = base + n; isdigit((unsigned char)*p) || (*p == '.' &&
	    isdigit((unsigned char)p[1])); p++)
		;
	return is_variant_suffix(p);
}

/* True when prog's basename is a shell, an interpreter or a runner. */
int
allowlist_is_runner(const char *prog)
{
	const char *base = strrchr(prog, '/');
	size_t i;

	base = base != NULL ? base + 1 : prog;
	for (i = 0; i < sizeof runners / sizeof runners[0]; i++)
		if (runner_match(base, runners[i]))
			return 1;
	return 0;
}

/*
 * True when prog, resolved through symlinks, is a runner: a link with a
 * harmless name may point at a shell. Uses the caller's buffer (PATH_MAX).
 */
int
allowlist_target_is_runner(const char *prog, char *real)
{
	return realpath(prog, real) != NULL && allowlist_is_runner(real);
}

/* Splits one entry; -1 with the reason in err. */
static int
allowlist_entry_parse(const char *text, int runners_ok, struct allow_entry *e,
    char *err, size_t errlen)
{
	size_t len = strlen(text);
	const char *why = NULL;
	int argc;

	memset(e, 0, sizeof *e);
	if (len >= 2 && text[len - 1] == '*' &&
	    (text[len - 2] == ' ' || text[len - 2] == '\t')) {
		e->rest = 1;
		len -= 2;
	}
	if ((e->buf = malloc(len + 1)) == NULL ||
	    (e->argv = calloc(WORDS_MAX, sizeof *e->argv)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	argc = words_split(text, len, e->buf, e->argv, WORDS_MAX, &why);
	if (argc <= 0) {
		snprintf(err, errlen, "'%s': %s", text, argc == 0 ?
		    "no command" : why);
		return -1;
	}
	e->argc = (size_t)argc;
	if (!allowlist_entry_ok(e->argv[0])) {
		snprintf(err, errlen, "'%s' is neither a command name nor an"
		    " absolute path", e->argv[0]);
		return -1;
	}
	if (!runners_ok && allowlist_is_runner(e->argv[0])) {
		snprintf(err, errlen, "'%s' is a shell, an interpreter or a"
		    " runner of other programs: it would run anything (set"
		    " allow_interpreters = yes if you mean it)", e->argv[0]);
		return -1;
	}
	return 0;
}

/*
 * Splits every entry of list into out (freed with allowlist_free); with
 * runners_ok 0, refuses shells and interpreters. -1 with err on error.
 */
int
allowlist_parse(const struct strlist *list, int runners_ok,
    struct allowlist *out, char *err, size_t errlen)
{
	size_t i;

	out->n = 0;
	if ((out->v = calloc(list->n + 1, sizeof *out->v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < list->n; i++) {
		out->n++;
		if (allowlist_entry_parse(list->v[i], runners_ok, &out->v[i],
		    err, errlen) == -1) {
			allowlist_free(out);
			return -1;
		}
	}
	return 0;
}

void
allowlist_free(struct allowlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].buf);
		free(l->v[i].argv);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* True when argv is e's command line, or begins with it if e->rest. */
static int
entry_match(const struct allow_entry *e, char *const argv[])
{
	size_t i;

	for (i = 0; i < e->argc; i++)
		if (argv[i] == NULL || strcmp(argv[i], e->argv[i]) != 0)
			return 0;
	return e->rest || argv[i] == NULL;
}

/* Whether argv (NULL-terminated, at least one word) may run, and why not. */
enum allow_verdict
allowlist_match(const struct allowlist *l, char *const argv[])
{
	enum allow_verdict v = ALLOW_NO_PROGRAM;
	size_t i;

	for (i = 0; i < l->n; i++) {
		if (entry_match(&l->v[i], argv))
			return ALLOW_OK;
		if (strcmp(l->v[i].argv[0], argv[0]) == 0)
			v = ALLOW_NO_ARGS;
	}
	return v;
}

/*
 * Every directory of a colon-separated path must be absolute: a child
 * runs in "/", so a relative one would name one file when the daemon
 * checks it and another when the child runs it. -1 with why in err.
 */
int
allowlist_path_check(const char *dirs, char *err, size_t errlen)
{
	const char *d = dirs, *end;

	do {
		end = strchr(d, ':');
		if (end == NULL)
			end = d + strlen(d);
		if (end == d || d[0] != '/') {
			snprintf(err, errlen, "'%.*s' is not an absolute"
			    " directory", (int)(end - d), d);
			return -1;
		}
		d = end + 1;
	} while (*end != '\0');
	return 0;
}

static int
is_executable_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/*
 * Finds the program for an allowed word: itself when absolute, else the
 * first executable file named so in the colon-separated dirs. Writes it
 * into out and returns 0, or returns -1 with errno set.
 */
int
allowlist_resolve(const char *word, const char *dirs, char *out, size_t len)
{
	const char *d = dirs, *end;
	int n;

	if (word[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", word) >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return is_executable_file(out) ? 0 : -1;
	}
	for (; *d != '\0'; d = *end ? end + 1 : end) {
		end = strchr(d, ':');
		if (end == NULL)
			end = d + strlen(d);
		n = snprintf(out, len, "%.*s/%s", (int)(end - d), d, word);
		if (n > 0 && (size_t)n < len && end > d && is_executable_file(out))
			return 0;
	}
	errno = ENOENT;
	return -1;
}
