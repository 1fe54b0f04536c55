/* cmd_dict.c: netdemo-cli dict HOST:PORT [WORD...]: look words up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"

#define DICT_DEFAULT_TIMEOUT	2.0

static void
dict_usage(void)
{
	printf("usage: netdemo-cli dict [--timeout S] HOST:PORT [WORD...]\n"
	    "Prints \"WORD: TRANSLATION\" for each word, or for each line of stdin\n"
	    "when no word is given. A request unanswered within S seconds (default\n"
	    "2) is sent once more; then netdemo-cli gives up with exit status 2.\n");
}

/* Looks word up and prints the answer; -1 when the service did not answer. */
static int
dict_one(struct cli_target *t, const char *word, double timeout,
    const char *prog)
{
	char reply[65536];
	ssize_t n;

	n = cli_udp_ask(t, word, strlen(word), timeout, 2, reply, sizeof reply,
	    prog);
	if (n == -1)
		return -1;
	printf("%s: ", word);
	cli_print_line(reply, (size_t)n);
	return 0;
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
		fprintf(stderr, "%s: HOST:PORT missing (see --help)\n", o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (o.timeout < 0)
		o.timeout = DICT_DEFAULT_TIMEOUT;
	if (cli_resolve(&t, argv[i++], SOCK_DGRAM, o.prog) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i < argc) {
		for (; i < argc && rc == CLI_EXIT_OK; i++)
			if (dict_one(&t, argv[i], o.timeout, o.prog) == -1)
				rc = CLI_EXIT_UNREACHABLE;
	} else {
		while (rc == CLI_EXIT_OK && cli_read_line(&line, &cap) != NULL)
			if (dict_one(&t, line, o.timeout, o.prog) == -1)
				rc = CLI_EXIT_UNREACHABLE;
	}
	free(line);
	cli_target_free(&t);
	return rc;
}
