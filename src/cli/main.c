/* SPDX-License-Identifier: MIT */
/* main.c: netdemo-cli, one client for netdemo's services: a subcommand each. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "build_config.h"
#include "cli.h"

static const struct {
	const char	*name;
	int		(*run)(int, char **);
	const char	*what;
} commands[] = {
	{ "dict", cmd_dict, "look words up (UDP)" },
	{ "exec", cmd_exec, "run an allowlisted command (UDP)" },
	{ "chat", cmd_chat, "join the chat (UDP)" },
	{ "echo", cmd_echo, "send stdin through the echo service (TCP)" },
	{ "stats", cmd_stats, "print every counter of the stats service (TCP)" },
};

static void
usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: netdemo-cli COMMAND [OPTIONS] HOST[:PORT] [ARGS...]\n");
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-5s %s\n", commands[i].name, commands[i].what);
	fprintf(out, "HOST is a name, an IPv4 address or [IPV6]; PORT defaults to the"
	    " shipped\nnetdemo.ini's (dict 8081, exec 8082, chat 8083, echo 8080,"
	    " stats 8085).\nnetdemo-cli COMMAND --help says more. Exit status: 0"
	    " done, 1 refused, failed\nor not found, 2 no answer or a usage\nerror.\n");
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_UNREACHABLE : CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("netdemo-cli %s\n", NETDEMO_VERSION);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_warn("netdemo-cli: unknown command '%s'", argv[1]);
	usage(stderr);
	return CLI_EXIT_UNREACHABLE;
}
