/* SPDX-License-Identifier: MIT */
/* cmd_exec.c: netdemo-cli exec HOST:PORT [COMMAND...]: run a remote command. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "cli.h"
#include "exec_auth.h"

/* The service's default timeout (5 s) plus a margin. */
#define EXEC_DEFAULT_TIMEOUT	8.0

static void
exec_usage(void)
{
	printf("usage: netdemo-cli exec [--timeout S] [--key-file F] HOST:PORT"
	    " [COMMAND [ARG...]]\n"
	    "Runs the command on the exec service and prints its output; the\n"
	    "status (\"[exit 0]\") goes to stderr. Without a command, runs each line\n"
	    "of stdin. Exit status 0 when every command exited 0, 1 when one did\n"
	    "not or was refused, 2 when the service did not answer within S seconds\n"
	    "(default 8). A request is never sent twice: it would run twice.\n"
	    "The service runs a command only when it equals one of its allow\n"
	    "entries word for word (\"not allowed: ...\" otherwise).\n"
	    "--key-file F signs each request with the key in F (the service's\n"
	    "key_file); a service with a key drops unsigned requests unanswered.\n");
}

static int
is_status(const char *s, size_t n)
{
	static const char *const prefixes[] = {
		"[exit ", "[killed by signal ", "[timeout after ",
	};
	size_t i;

	if (n < 2 || s[0] != '[' || s[n - 1] != ']')
		return 0;
	for (i = 0; i < 3; i++)
		if (n > strlen(prefixes[i]) &&
		    strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* A request that starts no command gets one of these, alone. */
static int
is_refusal(const char *s, size_t n)
{
	static const char *const prefixes[] = {
		"not allowed: ", "busy, try again", "cannot run ", "error: ",
	};
	size_t i;

	for (i = 0; i < 4; i++)
		if (n >= strlen(prefixes[i]) &&
		    strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* A line from the service on stderr, escaped like its output. */
static void
exec_print_note(const char *buf, size_t n)
{
	cli_print_escaped(stderr, buf, n);
	fputc('\n', stderr);
}

/*
 * Handles one reply datagram; returns the exit status once the run ended.
 * The command's output is escaped (print.c) like every reply the CLI
 * prints: what a command writes cannot drive the terminal.
 */
static int
exec_reply(const char *buf, size_t n, int first)
{
	if (first && is_refusal(buf, n)) {
		exec_print_note(buf, n);
		return CLI_EXIT_FAIL;
	}
	if (is_status(buf, n)) {
		exec_print_note(buf, n);
		return n == 8 && memcmp(buf, "[exit 0]", 8) == 0 ? CLI_EXIT_OK :
		    CLI_EXIT_FAIL;
	}
	if (n > 20 && strncmp(buf, "[output truncated at ", 21) == 0 &&
	    buf[n - 1] == ']') {
		exec_print_note(buf, n);
		return -1;
	}
	cli_print_escaped(stdout, buf, n);
	fflush(stdout);
	return -1;
}

/* Runs one command line; returns its exit status for netdemo-cli. */
static int
exec_one(struct cli_target *t, const char *cmd, double timeout,
    const struct auth_key *key, const char *prog)
{
	static char buf[65536];
	static char req[65536];
	int reqlen = (int)strlen(cmd);
	ssize_t n;
	int rc;

	if (key->bytes != NULL) {
		reqlen = auth_sign(key, (int64_t)time(NULL), cmd, strlen(cmd), req,
		    sizeof req);
		if (reqlen == -1) {
			cli_warn("%s: command too long", prog);
			return CLI_EXIT_FAIL;
		}
		cmd = req;
	}
	n = cli_udp_ask(t, cmd, (size_t)reqlen, timeout, 1, buf, sizeof buf, prog);
	if (n == CLI_UDP_TOO_LONG)
		return CLI_EXIT_FAIL;
	if (n == -1)
		return CLI_EXIT_UNREACHABLE;
	for (rc = exec_reply(buf, (size_t)n, 1); rc == -1;
	    rc = exec_reply(buf, (size_t)n, 0)) {
		if (cli_wait_readable(t->fd, timeout) != 1 ||
		    (n = recv(t->fd, buf, sizeof buf, 0)) == -1) {
			cli_warn("%s: %s: no status within %g s; the command"
			    " may still be running", prog, t->spec, timeout);
			return CLI_EXIT_UNREACHABLE;
		}
	}
	return rc;
}

/* Joins words into one request, quoting those that need it. */
static char *
join_words(int n, char **w, const char *prog)
{
	size_t len = 1, i;
	char *out, *p;
	int k;

	for (k = 0; k < n; k++)
		len += strlen(w[k]) + 3;
	if ((p = out = malloc(len)) == NULL) {
		cli_warn("%s: %s", prog, strerror(errno));
		return NULL;
	}
	for (k = 0; k < n; k++) {
		int plain = w[k][0] != '\0' && strpbrk(w[k], " \t'\"") == NULL;
		char q = strchr(w[k], '\'') == NULL ? '\'' : '"';

		if (!plain && strchr(w[k], '\'') && strchr(w[k], '"')) {
			cli_warn("%s: cannot quote an argument holding both"
			    " ' and \"", prog);
			free(out);
			return NULL;
		}
		if (k > 0)
			*p++ = ' ';
		if (!plain)
			*p++ = q;
		i = strlen(w[k]);
		memcpy(p, w[k], i);
		p += i;
		if (!plain)
			*p++ = q;
	}
	*p = '\0';
	return out;
}

/* Loads --key-file's key; a relative path is taken from the current folder. */
static int
exec_load_key(const char *file, struct auth_key *key, const char *prog)
{
	char abs[PATH_MAX], err[PATH_MAX + 200];

	memset(key, 0, sizeof *key);
	if (file == NULL)
		return 0;
	if (file[0] != '/' && strncmp(file, "cred:", 5) != 0) {
		if (realpath(file, abs) == NULL) {
			cli_warn("%s: %s", file, strerror(errno));
			return -1;
		}
		file = abs;
	}
	if (auth_key_load(file, key, err, sizeof err) == -1) {
		cli_warn("%s: --key-file: %s", prog, err);
		return -1;
	}
	return 0;
}

int
cmd_exec(int argc, char **argv)
{
	struct cli_opts o = { -1, NULL, NULL, "netdemo-cli exec" };
	struct auth_key key;
	struct cli_target t;
	char *line = NULL, *cmd;
	size_t cap = 0;
	int i, rc = CLI_EXIT_OK, r;

	if ((i = cli_parse_opts(argc, argv, &o, "tk", exec_usage)) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i >= argc) {
		cli_warn("%s: HOST:PORT missing (see --help)", o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (o.timeout < 0)
		o.timeout = EXEC_DEFAULT_TIMEOUT;
	if (exec_load_key(o.key_file, &key, o.prog) == -1)
		return CLI_EXIT_FAIL;
	if (cli_resolve(&t, argv[i++], SOCK_DGRAM, o.prog) == -1) {
		auth_key_free(&key);
		return CLI_EXIT_UNREACHABLE;
	}
	i = cli_skip_dashdash(argc, argv, i);
	if (i < argc) {
		if ((cmd = join_words(argc - i, argv + i, o.prog)) == NULL)
			rc = CLI_EXIT_FAIL;
		else
			rc = exec_one(&t, cmd, o.timeout, &key, o.prog);
		free(cmd);
	} else {
		while (rc != CLI_EXIT_UNREACHABLE &&
		    cli_read_line(&line, &cap) != NULL)
			if ((r = exec_one(&t, line, o.timeout, &key,
			    o.prog)) > rc)
				rc = r;
	}
	free(line);
	cli_target_free(&t);
	auth_key_free(&key);
	return rc;
}
