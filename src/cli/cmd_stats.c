/* SPDX-License-Identifier: MIT */
/*
 * cmd_stats.c: netdemo-cli stats HOST[:PORT]: every counter of the stats
 * service, one "service.counter value" line each, copied to stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"

#define STATS_DEFAULT_TIMEOUT	2.0

static void
stats_usage(void)
{
	printf("usage: netdemo-cli stats [--timeout S] HOST[:PORT]\n"
	    "Prints every counter of the stats service (PORT defaults to 8085) as\n"
	    "\"service.counter value\" lines. Exit status 1 when the service\n"
	    "closes without a line (allow_from refused us), 2 when it cannot be\n"
	    "reached or sends nothing within S seconds (default 2).\n");
}

/* Copies the connection to stdout until EOF; the bytes copied, or -1. */
static ssize_t
stats_copy(int fd, double timeout, const char *prog, const char *spec)
{
	char buf[8192];
	ssize_t n, total = 0;
	int rc;

	for (;;) {
		if ((rc = cli_wait_readable(fd, timeout)) <= 0) {
			if (rc == 0)
				cli_warn("%s: %s: no answer within %g s",
				    prog, spec, timeout);
			else
				cli_warn("%s: %s: %s", prog, spec,
				    strerror(errno));
			return -1;
		}
		if ((n = recv(fd, buf, sizeof buf, 0)) == 0)
			return total;
		if (n == -1) {
			if (errno == EINTR)
				continue;
			cli_warn("%s: %s: %s", prog, spec,
			    strerror(errno));
			return -1;
		}
		if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
			cli_warn("%s: stdout: %s", prog,
			    strerror(errno));
			return -1;
		}
		total += n;
	}
}

int
cmd_stats(int argc, char **argv)
{
	struct cli_opts o = { -1, NULL, NULL, "netdemo-cli stats" };
	struct cli_target t;
	ssize_t n;
	int i, rc;

	if ((i = cli_parse_opts(argc, argv, &o, "t", stats_usage)) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i >= argc || cli_skip_dashdash(argc, argv, i + 1) != argc) {
		cli_warn("%s: expected one HOST[:PORT] (see --help)",
		    o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (o.timeout < 0)
		o.timeout = STATS_DEFAULT_TIMEOUT;
	if (cli_resolve(&t, argv[i], SOCK_STREAM, o.prog) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (cli_connect_next(&t, o.prog) == -1) {
		cli_warn("%s: %s: %s", o.prog, t.spec, strerror(errno));
		cli_target_free(&t);
		return CLI_EXIT_UNREACHABLE;
	}
	n = stats_copy(t.fd, o.timeout, o.prog, t.spec);
	if (fflush(stdout) == EOF && n != -1) {
		cli_warn("%s: stdout: %s", o.prog, strerror(errno));
		n = -1;
	}
	if (n == 0)
		cli_warn("%s: %s: closed without counters (not in the"
		    " service's allow_from?)", o.prog, t.spec);
	rc = n == -1 ? CLI_EXIT_UNREACHABLE : n == 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
	cli_target_free(&t);
	return rc;
}
