/*
 * main.c: netdemo's entry point: options, configuration, then the daemon.
 *
 * netdemo stays in the foreground, as systemd wants; -t checks the
 * configuration and every dictionary it names without opening a socket.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "build_config.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "service.h"

struct options {
	const char	*config;
	int		 check;
	int		 verbose;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: netdemo [-htvV] [-c FILE]\n"
	    "  -c, --config FILE   configuration file (default %s)\n"
	    "  -t, --check-config  check the configuration and dictionaries,"
	    " print what\n"
	    "                      would run and exit; opens no socket\n"
	    "  -v, --verbose       log more (repeatable)\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n"
	    "Signals: HUP reloads the dictionaries, TERM or INT stops.\n",
	    NETDEMO_CONFIG_PATH);
}

static void
parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt->config = optarg;
			break;
		case 't':
			opt->check = 1;
			break;
		case 'v':
			opt->verbose++;
			break;
		case 'V':
			printf("netdemo %s\n", NETDEMO_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "netdemo: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		exit(2);
	}
}

/* What -t prints: each service, its kind and addresses, or that it is off. */
static void
print_services(const struct config *conf)
{
	const struct svc_conf *sc;
	char buf[ADDR_STRLEN];
	size_t i, j;

	for (i = 0; i < conf->nsvcs; i++) {
		sc = &conf->svcs[i];
		printf("%s: %s", sc->name, sc->kind->kind);
		if (!sc->enabled) {
			printf(" (disabled)\n");
			continue;
		}
		for (j = 0; j < sc->listen.n; j++)
			printf("%s %s %s", j ? "," : " on", sc->kind->proto,
			    addr_format((const struct sockaddr *)&sc->listen.v[j].ss,
			    buf, sizeof buf));
		printf("\n");
	}
}

int
main(int argc, char **argv)
{
	struct options opt = { NETDEMO_CONFIG_PATH, 0, 0 };
	struct diag errors = diag_to_log(LOG_LVL_ERROR);
	struct config *conf;
	struct daemon d;
	int level, rc;

	parse_options(argc, argv, &opt);
	log_init();
	if ((conf = config_load(opt.config, &errors)) == NULL)
		return 1;
	level = (int)conf->log_level + opt.verbose;
	log_set_level(level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : (enum log_level)level);
	if (daemon_init(&d, conf) == -1 || daemon_create_services(&d) == -1) {
		daemon_free(&d);
		return 1;
	}
	if (opt.check) {
		print_services(d.conf);
		printf("%s: configuration OK\n", d.conf->path);
		daemon_free(&d);
		return 0;
	}
	rc = daemon_start_services(&d) == 0 ? daemon_run(&d) : -1;
	daemon_free(&d);
	return rc == 0 ? 0 : 1;
}
