/* SPDX-License-Identifier: MIT */
/*
 * main.c: netdemo's entry point: options, configuration, then the daemon.
 *
 * netdemo stays in the foreground, as systemd wants, unless -d asks for the
 * background; -t checks the configuration and every dictionary it names
 * without opening a socket.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "background.h"
#include "build_config.h"
#include "config.h"
#include "daemon.h"
#include "escape.h"
#include "listen_fds.h"
#include "log.h"
#include "service.h"
#include "xmalloc.h"

struct options {
	char		*config;	/* allocated */
	char		*pidfile;	/* allocated; NULL: none */
	int		 check;
	int		 background;
	int		 verbose;
};

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: netdemo [-dhtvV] [-c FILE] [-p FILE]\n"
	    "  -c, --config FILE   configuration file (default %s)\n"
	    "  -d, --daemon        run in the background (returns once listening)\n"
	    "  -p, --pid-file FILE write the pid to FILE, removed at exit\n"
	    "  -t, --check-config  check the configuration and dictionaries,"
	    " print what\n"
	    "                      would run and exit; opens no socket\n"
	    "  -v, --verbose       log more (repeatable)\n"
	    "  -V, --version       print the version and exit\n"
	    "  -h, --help          print this help and exit\n"
	    "Signals: HUP reloads the configuration and dictionaries, USR1 logs\n"
	    "the counters, TERM or INT stops.\n",
	    NETDEMO_CONFIG_PATH);
}

static void
absolutize(char **path)
{
	char *abs = background_absolute(*path);

	free(*path);
	*path = abs;
}

static void
parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "c:dp:tvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			free(opt->config);
			opt->config = xstrdup(optarg);
			break;
		case 'd':
			opt->background = 1;
			break;
		case 'p':
			free(opt->pidfile);
			opt->pidfile = xstrdup(optarg);
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
	/*
	 * The background daemon runs in "/": every path it reads later (the
	 * config on reload, its dictionaries, the pid file) must not depend
	 * on the folder it was started from.
	 */
	if (opt->background) {
		absolutize(&opt->config);
		if (opt->pidfile != NULL)
			absolutize(&opt->pidfile);
	}
}

/* -t's last line, the path escaped: it may hold any byte but NUL and '/'. */
static void
print_checked(const char *path)
{
	char shown[1024];

	escape_text(path, strlen(path), shown, sizeof shown);
	printf("%s: configuration OK\n", shown);
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

/*
 * Opens the log target (daemon_log_target()) and switches to it, or with
 * check (-t) only tries it, so that an unusable one fails the check and not
 * the start. -1 with a message naming file, section and key.
 */
static int
open_log_target(const struct daemon *d, int check)
{
	const char *target = daemon_log_target(d, d->conf);

	if (check ? log_target_try(target) == -1 :
	    log_set_target(target) == -1) {
		log_error("%s: [netdemo] log_target: %s", d->conf->path, target);
		return -1;
	}
	return 0;
}

/* Binds, writes the pid file, detaches if asked, then runs the loop. */
static int
serve(struct daemon *d, const struct options *opt, int ready_fd)
{
	int rc;

	if (open_log_target(d, 0) == -1)
		return -1;
	log_mirror_stderr(1);
	if (daemon_start_services(d) == -1 || daemon_signals(d) == -1 ||
	    (opt->pidfile != NULL && pidfile_write(opt->pidfile) == -1))
		return -1;
	log_mirror_stderr(0);
	if (ready_fd != -1)
		background_ready(ready_fd);
	rc = daemon_run(d);
	if (opt->pidfile != NULL)
		pidfile_remove(opt->pidfile);
	return rc;
}

/*
 * The sockets a service manager passed (socket activation). -d would close
 * them with every inherited descriptor, and a service manager needs no -d.
 */
static int
read_passed_sockets(const struct options *opt, struct listen_fds *passed)
{
	char err[512];

	if (listen_fds_from_env(passed, err, sizeof err) == -1) {
		log_errorx("socket activation: %s", err);
		listen_fds_free(passed);
		return -1;
	}
	if (opt->background && !opt->check && passed->n > 0) {
		log_errorx("socket activation: -d cannot keep the sockets passed"
		    " in LISTEN_FDS: run in the foreground");
		listen_fds_free(passed);
		return -1;
	}
	return 0;
}

/* Loads the configuration, then checks it (-t) or serves; the exit status. */
static int
run(const struct options *opt)
{
	struct diag errors = diag_to_log(LOG_LVL_ERROR);
	struct listen_fds passed;
	struct config *conf;
	struct daemon d;
	int rc, ready_fd = -1;

	if (read_passed_sockets(opt, &passed) == -1)
		return 1;
	if ((conf = config_load(opt->config, &errors)) == NULL) {
		listen_fds_free(&passed);
		return 1;
	}
	if (!opt->check && opt->pidfile != NULL &&
	    pidfile_check(opt->pidfile) == -1) {
		config_free(conf);
		listen_fds_free(&passed);
		return 1;
	}
	/* Before the event loop exists: libevent's state is not fork-safe. */
	if (!opt->check && opt->background &&
	    (ready_fd = background_start()) == -1) {
		config_free(conf);
		listen_fds_free(&passed);
		return 1;
	}
	if (daemon_init(&d, conf, &passed) == -1) {
		daemon_free(&d);
		return 1;
	}
	d.verbose = opt->verbose;
	/* In the background stderr becomes /dev/null: syslog instead. */
	d.log_default = opt->background ? "syslog" : "stderr";
	daemon_set_log_level(&d);
	if (daemon_create_services(&d) == -1) {
		daemon_free(&d);
		return 1;
	}
	if (opt->check) {
		if (open_log_target(&d, 1) == -1) {
			daemon_free(&d);
			return 1;
		}
		print_services(d.conf);
		print_checked(d.conf->path);
		daemon_free(&d);
		return 0;
	}
	rc = serve(&d, opt, ready_fd);
	daemon_free(&d);
	return rc == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct options opt = { NULL, NULL, 0, 0, 0 };
	int rc;

	opt.config = xstrdup(NETDEMO_CONFIG_PATH);
	parse_options(argc, argv, &opt);
	if (!opt.check)
		daemon_hold_signals();
	log_init();
	rc = run(&opt);
	free(opt.config);
	free(opt.pidfile);
	return rc;
}
