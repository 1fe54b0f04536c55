/* SPDX-License-Identifier: MIT */
/* cmd_dict.c: netdemo-cli dict HOST[:PORT] [WORD...]: look words up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

#define DICT_DEFAULT_TIMEOUT	2.0

static void
dict_usage(void)
{
	printf("usage: netdemo-cli dict [--timeout S] HOST[:PORT] [WORD...]\n"
	    "Prints \"WORD: TRANSLATION\" for each word, or for each line of stdin\n"
	    "when no word is given (PORT defaults to 8081). A request unanswered\n"
	    "within S seconds (default 2) is sent once more; then netdemo-cli gives\n"
	    "up with exit status 2. Exit status 1 when a word was not found\n"
	    "(\"unknown\") or refused (\"error: ...\"), like dictd's dict.\n");
}

/*
 * Looks word up and prints the answer: CLI_EXIT_OK when found, CLI_EXIT_FAIL
 * when not ("unknown") or refused ("error: ..."), CLI_EXIT_UNREACHABLE when
 * the service did not answer.
 */
static int
dict_one(struct cli_target *t, const char *word, double timeout,
    const char *prog)
{
	char reply[65536];
	ssize_t n;

	n = cli_udp_ask(t, word, strlen(word), timeout, 2, reply, sizeof reply,
	    prog);
	if (n == CLI_UDP_TOO_LONG)
		return CLI_EXIT_FAIL;
	if (n == -1)
		return CLI_EXIT_UNREACHABLE;
	cli_print_word(stdout, word, strlen(word));
	fputs(": ", stdout);
	cli_print_line(reply, (size_t)n);
	if ((n == 7 && memcmp(reply, "unknown", 7) == 0) ||
	    (n >= 7 && memcmp(reply, "error: ", 7) == 0))
		return CLI_EXIT_FAIL;
	return CLI_EXIT_OK;
}

/* Worst of two statuses: unreachable over failed over done. */
static int
dict_worse(int a, int b)
{
	return a > b ? a : b;
}

int
cmd_dict(int argc, char **argv)
{
	struct cli_opts o = { -1, NULL, NULL, "netdemo-cli dict" };
	struct cli_target t;
	char *line = NULL;
	size_t cap = 0;
	int i, rc = CLI_EXIT_OK;

	if ((i = cli_parse_opts(argc, argv, &o, "t", dict_usage)) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i >= argc) {
		cli_warn("%s: HOST:PORT missing (see --help)", o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (o.timeout < 0)
		o.timeout = DICT_DEFAULT_TIMEOUT;
	if (cli_resolve(&t, argv[i++], SOCK_DGRAM, o.prog) == -1)
		return CLI_EXIT_UNREACHABLE;
	i = cli_skip_dashdash(argc, argv, i);
	/* A word not found goes on to the next; silence stops. */
	if (i < argc) {
		for (; i < argc && rc != CLI_EXIT_UNREACHABLE; i++)
			rc = dict_worse(rc, dict_one(&t, argv[i], o.timeout,
			    o.prog));
	} else {
		while (rc != CLI_EXIT_UNREACHABLE &&
		    cli_read_line(&line, &cap) != NULL)
			rc = dict_worse(rc, dict_one(&t, line, o.timeout,
			    o.prog));
	}
	free(line);
	cli_target_free(&t);
	return rc;
}
