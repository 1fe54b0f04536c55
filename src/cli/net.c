/* SPDX-License-Identifier: MIT */
/*
 * net.c: netdemo-cli's shared helpers: options, resolving HOST[:PORT]
 * (a name, an IPv4 address or a bracketed IPv6 address; the shipped
 * config's port for the service when left out) to every address it has, connecting to them in turn, waiting with a timeout, stdin lines.
 */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/*
 * The daemon's loop guard (udp_repeat.h) drops a datagram identical to the
 * same source's previous one within 500 ms; a margin above it.
 */
#define CLI_REPEAT_GAP	0.6

/*
 * Parses a subcommand's options (--timeout S, --nick NAME where allowed,
 * --help). Returns the index of the first operand, or -1 after a message.
 */
int
cli_parse_opts(int argc, char **argv, struct cli_opts *o, const char *allowed,
    void (*usage)(void))
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "nick", required_argument, NULL, 'n' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+t:n:k:h", longopts, NULL)) != -1) {
		if (ch != 'h' && ch != '?' && strchr(allowed, ch) == NULL)
			ch = '?';
		switch (ch) {
		case 't':
			o->timeout = strtod(optarg, &end);
			/* So written that NaN, which compares false, fails. */
			if (*end != '\0' ||
			    !(o->timeout > 0 && o->timeout <= 86400)) {
				cli_warn("%s: --timeout: '%s' is not a number"
				    " of seconds", o->prog, optarg);
				return -1;
			}
			break;
		case 'n':
			o->nick = optarg;
			break;
		case 'k':
			o->key_file = optarg;
			break;
		case 'h':
			usage();
			exit(CLI_EXIT_OK);
		default:
			cli_warn("%s: unknown option (see --help)", o->prog);
			return -1;
		}
	}
	return optind;
}

/*
 * Skips a "--" right after HOST[:PORT]: options end at HOST already
 * (getopt's "+"), so a "--" there only says the words that follow are
 * operands even when they start with '-'. Returns the next operand's index.
 */
int
cli_skip_dashdash(int argc, char **argv, int i)
{
	return i < argc && strcmp(argv[i], "--") == 0 ? i + 1 : i;
}

/*
 * The port the shipped netdemo.ini gives the service prog's subcommand
 * ("netdemo-cli dict") serves, for a HOST without :PORT; NULL if none.
 */
static const char *
default_port(const char *prog)
{
	static const struct {
		const char	*command;
		const char	*port;
	} ports[] = {
		{ "dict", "8081" }, { "exec", "8082" }, { "chat", "8083" },
		{ "echo", "8080" }, { "stats", "8085" },
	};
	const char *command = strrchr(prog, ' ');
	size_t i;

	command = command == NULL ? prog : command + 1;
	for (i = 0; i < sizeof ports / sizeof ports[0]; i++)
		if (strcmp(command, ports[i].command) == 0)
			return ports[i].port;
	return NULL;
}

/*
 * Splits "host:port", "[v6]:port", or a host alone ("host", "[v6]", a bare
 * IPv6 address), which takes defport; -1 if it is none of them.
 */
static int
split_hostport(const char *spec, char *host, size_t hlen, const char **port,
    const char *defport)
{
	const char *colon, *h = spec;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || (close[1] != ':' && close[1] != '\0'))
			return -1;
		h = spec + 1;
		n = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(spec, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			colon = NULL;	/* a bare IPv6 address */
		n = colon == NULL ? strlen(spec) : (size_t)(colon - spec);
	}
	if (n == 0 || n >= hlen || (colon != NULL && colon[1] == '\0'))
		return -1;
	if ((*port = colon == NULL ? defport : colon + 1) == NULL)
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	return 0;
}

/* Resolves spec for socktype; -1 after a message naming what failed. */
int
cli_resolve(struct cli_target *t, const char *spec, int socktype,
    const char *prog)
{
	struct addrinfo hints;
	char host[256];
	const char *port;
	int rc;

	memset(t, 0, sizeof *t);
	t->spec = spec;
	t->fd = -1;
	if (split_hostport(spec, host, sizeof host, &port,
	    default_port(prog)) == -1) {
		cli_warn("%s: '%s': expected HOST[:PORT] or [IPV6][:PORT]",
		    prog, spec);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = socktype;
	if ((rc = getaddrinfo(host, port, &hints, &t->list)) != 0) {
		cli_warn("%s: %s: %s", prog, spec, gai_strerror(rc));
		return -1;
	}
	return 0;
}

/* A new socket connected to t->cur; -1 with errno. */
static int
connect_cur(struct cli_target *t)
{
	int saved;

	if (t->fd != -1)
		close(t->fd);
	t->last_len = 0;	/* a new socket has sent nothing yet */
	t->fd = socket(t->cur->ai_family, t->cur->ai_socktype | SOCK_CLOEXEC,
	    t->cur->ai_protocol);
	if (t->fd == -1)
		return -1;
	if (connect(t->fd, t->cur->ai_addr, t->cur->ai_addrlen) == 0)
		return 0;
	saved = errno;
	close(t->fd);
	t->fd = -1;
	errno = saved;
	return -1;
}

/*
 * Connects to the next address (the first on the first call); UDP sockets
 * are connected too, so a refused port shows as ECONNREFUSED. Returns -1
 * when no address is left, with errno from the last attempt.
 */
int
cli_connect_next(struct cli_target *t, const char *prog)
{
	(void)prog;
	if (t->fd != -1)
		close(t->fd);
	t->fd = -1;
	t->cur = t->cur == NULL ? t->list : t->cur->ai_next;
	for (; t->cur != NULL; t->cur = t->cur->ai_next)
		if (connect_cur(t) == 0)
			return 0;
	return -1;
}

void
cli_target_free(struct cli_target *t)
{
	if (t->fd != -1)
		close(t->fd);
	if (t->list != NULL)
		freeaddrinfo(t->list);
	free(t->last);
}

/* 1 when fd is readable within seconds, 0 on timeout, -1 on error. */
int
cli_wait_readable(int fd, double seconds)
{
	struct pollfd p = { fd, POLLIN, 0 };
	int rc;

	do
		rc = poll(&p, 1, (int)(seconds * 1000));
	while (rc == -1 && errno == EINTR);
	return rc;
}

/* The next line of stdin without its newline, or NULL at EOF. */
char *
cli_read_line(char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, stdin);

	if (n == -1)
		return NULL;
	while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r'))
		(*buf)[--n] = '\0';
	return *buf;
}

/* Writes s, escaped (print.c), and a newline to stdout; flushes: read live. */
void
cli_print_line(const char *s, size_t len)
{
	cli_print_escaped(stdout, s, len);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Seconds on CLOCK_MONOTONIC. */
double
cli_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The seconds until the daemon's loop guard would take msg from this
 * socket again: 0 unless msg is what the socket sent last, less than
 * CLI_REPEAT_GAP ago.
 */
double
cli_repeat_wait(const struct cli_target *t, const void *msg, size_t len)
{
	double left;

	if (t->last_len == 0 || t->last_len != len ||
	    memcmp(t->last, msg, len) != 0)
		return 0;
	left = t->last_sent + CLI_REPEAT_GAP - cli_mono_now();
	return left > 0 ? left : 0;
}

/* Remembers msg as the socket's last datagram (forgets it without memory). */
void
cli_remember_sent(struct cli_target *t, const void *msg, size_t len)
{
	char *p;

	t->last_len = 0;
	if (len > t->last_cap) {
		if ((p = realloc(t->last, len)) == NULL)
			return;
		t->last = p;
		t->last_cap = len;
	}
	memcpy(t->last, msg, len);
	t->last_len = len;
	t->last_sent = cli_mono_now();
}

/*
 * Makes sure the loop guard takes msg: the same datagram from the same
 * socket within 500 ms would be dropped unanswered. A client whose
 * source port is its identity (chat: a member) waits the guard out,
 * taking a late reply to the earlier send meanwhile (1); a stateless
 * request (dict, exec) goes from a new socket, a new source port, at
 * once (0). -1 on error.
 */
static int
udp_clear_guard(struct cli_target *t, const void *msg, size_t len,
    char *reply, size_t cap, ssize_t *n)
{
	double left = cli_repeat_wait(t, msg, len);
	int rc;

	if (left == 0)
		return 0;
	if (!t->keep_port)
		return connect_cur(t);
	if ((rc = cli_wait_readable(t->fd, left)) != 1)
		return rc;
	*n = recv(t->fd, reply, cap, 0);
	return *n == -1 ? -1 : 1;
}

/* One send and wait on the current address: 1 reply, 0 timeout, -1 error. */
static int
udp_try(struct cli_target *t, const void *msg, size_t len, double timeout,
    char *reply, size_t cap, ssize_t *n)
{
	char stale[64];
	int rc;

	if ((rc = udp_clear_guard(t, msg, len, reply, cap, n)) != 0)
		return rc;
	/* A late answer to an earlier request must not pass for this one's. */
	while (recv(t->fd, stale, sizeof stale, MSG_DONTWAIT) >= 0)
		;
	if (send(t->fd, msg, len, 0) == -1)
		return -1;
	cli_remember_sent(t, msg, len);
	if ((rc = cli_wait_readable(t->fd, timeout)) <= 0)
		return rc;
	*n = recv(t->fd, reply, cap, 0);
	return *n == -1 ? -1 : 1;
}

/* The largest UDP payload to the current address's family. */
static size_t
udp_max(const struct cli_target *t)
{
	return t->cur != NULL && t->cur->ai_family == AF_INET6 ? 65527 : 65507;
}

/*
 * Sends msg and returns the reply's length. A refused address (ICMP port
 * unreachable: nothing listens there, nothing ran) moves on to the next
 * address; silence resends, up to tries sends in all per address. Returns
 * CLI_UDP_TOO_LONG after a message when msg cannot be one datagram, -1
 * after a message when no address answered.
 */
ssize_t
cli_udp_ask(struct cli_target *t, const void *msg, size_t len, double timeout,
    int tries, char *reply, size_t cap, const char *prog)
{
	int i, rc, refused = 0;
	ssize_t n = 0;

	if (t->fd == -1 && cli_connect_next(t, prog) == -1)
		goto fail;
	do {
		for (i = 0; i < tries; i++) {
			rc = udp_try(t, msg, len, timeout, reply, cap, &n);
			if (rc == 1)
				return n;
			if (rc == -1 && errno == EMSGSIZE) {
				cli_warn("%s: %s: a request of %zu bytes is too"
				    " long for a datagram (at most %zu)", prog,
				    t->spec, len, udp_max(t));
				return CLI_UDP_TOO_LONG;
			}
			if (rc == -1 && errno != ECONNREFUSED)
				break;
			if (rc == -1) {
				refused = 1;
				break;
			}
		}
	} while (cli_connect_next(t, prog) == 0);
fail:
	if (refused)
		cli_warn("%s: %s: connection refused (nothing listens"
		    " there)", prog, t->spec);
	else if (errno != 0 && n == -1)
		cli_warn("%s: %s: %s", prog, t->spec, strerror(errno));
	else
		cli_warn("%s: %s: no answer within %g s (%d tr%s)", prog,
		    t->spec, timeout, tries, tries == 1 ? "y" : "ies");
	return -1;
}
