/* SPDX-License-Identifier: MIT */
/*
 * cmd_chat.c: netdemo-cli chat HOST:PORT [--nick NAME]: join, print what
 * arrives while sending what is typed, leave at EOF or Ctrl-C. One event
 * loop watches the socket and stdin: no thread, no blocking read.
 *
 * A member that only reads would be dropped after the service's
 * idle_timeout: "ping" keeps it alive, at a third of the timeout the
 * "pong N" reply names. Dropped all the same (a long suspend), the next
 * datagram gets "not online": the user is told, and it joins again,
 * with its nick.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cli.h"
#include "input.h"

#define CHAT_DEFAULT_TIMEOUT	2.0
#define CHAT_BYE_WAIT		1	/* seconds to wait for "bye" */
#define CHAT_PING_MSEC		60000	/* until a "pong" says the timeout */
/* Above the loop guard's window (udp_repeat.h), which drops a quicker ping. */
#define CHAT_PING_MIN_MSEC	600

static const char not_online[] = "not online: send \"online\" to join";

struct chat {
	struct cli_target	 t;
	struct cli_opts		 o;
	struct event_base	*base;
	struct cli_input	 in;
	struct event		*ev_sock, *ev_int, *ev_term, *ev_bye, *ev_ping;
	struct event		*ev_held;
	char			*held;		/* waiting out the guard */
	size_t			 held_len;
	struct evbuffer		*unconfirmed;	/* sent, not yet come back */
	double			 rejoined_at;	/* cli_mono_now() seconds */
	long			 ping_msec;	/* keepalive interval */
	int			 leaving, rc;
};

static void
chat_usage(void)
{
	printf("usage: netdemo-cli chat [--timeout S] [--nick NAME] HOST:PORT\n"
	    "Joins the chat, prints every line that arrives and sends every line\n"
	    "typed (or piped) on stdin; leaves at EOF or Ctrl-C. Exit status 2 when\n"
	    "the service does not answer \"online\" within S seconds (default 2,\n"
	    "one retry), 1 when it is full or NAME is taken. Pings to stay a\n"
	    "member while only reading; dropped all the same, it says so and\n"
	    "joins again.\n");
}

static void
chat_send(struct chat *c, const char *s, size_t n)
{
	if (send(c->t.fd, s, n, 0) == -1) {
		if (errno != ECONNREFUSED)
			cli_warn("%s: send: %s", c->o.prog, strerror(errno));
	} else
		cli_remember_sent(&c->t, s, n);
}

/*
 * Sends a typed line and keeps it until it comes back: the service sends
 * a member's line to every member, this one too. A member dropped meanwhile
 * gets "not online" instead, and chat_rejoin() sends it again.
 */
static void
chat_send_text(struct chat *c, const char *s, size_t n)
{
	chat_send(c, s, n);
	if (evbuffer_add(c->unconfirmed, s, n) == -1 ||
	    evbuffer_add(c->unconfirmed, "\n", 1) == -1)
		cli_warn("%s: out of memory: a line will not be sent again",
		    c->o.prog);
}

/*
 * Sends a typed line, whose buffer it takes. The service's loop guard
 * drops the datagram a member sent last if it comes again within 500 ms,
 * and a member is its port: a line typed twice that fast is held, with
 * stdin paused so the lines after it keep their order, until it passes.
 */
static void
chat_send_line(struct chat *c, char *line, size_t n)
{
	double left = cli_repeat_wait(&c->t, line, n);
	struct timeval tv;

	if (left == 0) {
		chat_send_text(c, line, n);
		free(line);
		return;
	}
	c->held = line;
	c->held_len = n;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6) + 1;
	cli_input_pause(&c->in, 1);
	evtimer_add(c->ev_held, &tv);
}

static void
chat_print(const char *buf, size_t n)
{
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	cli_print_line(buf, n);
}

static void	chat_leave(struct chat *);
static void	chat_stdin_resume(struct chat *);

/* (Re)arms the keepalive: the next ping in ping_msec. */
static void
chat_ping_schedule(struct chat *c)
{
	struct timeval tv;

	tv.tv_sec = c->ping_msec / 1000;
	tv.tv_usec = c->ping_msec % 1000 * 1000;
	evtimer_add(c->ev_ping, &tv);
}

/* Sends "nick NAME" if --nick was given. */
static void
chat_send_nick(struct chat *c)
{
	char buf[256];
	int n;

	if (c->o.nick == NULL)
		return;
	n = snprintf(buf, sizeof buf, "nick %s", c->o.nick);
	if (n > 0 && (size_t)n < sizeof buf)
		chat_send(c, buf, (size_t)n);
}

/* "pong N": ping at a third of the idle timeout N (0: none). */
static void
chat_pong(struct chat *c, const char *buf, size_t n)
{
	char num[16];
	long secs;

	snprintf(num, sizeof num, "%.*s", (int)(n - 5), buf + 5);
	secs = strtol(num, NULL, 10);
	c->ping_msec = secs > 0 ? secs * 1000 / 3 : CHAT_PING_MSEC;
	if (c->ping_msec < CHAT_PING_MIN_MSEC)
		c->ping_msec = CHAT_PING_MIN_MSEC;
	chat_ping_schedule(c);
}

/* Forgets the line held back, if any, and its timer. */
static void
chat_unhold(struct chat *c)
{
	if (c->held == NULL)
		return;
	evtimer_del(c->ev_held);
	free(c->held);
	c->held = NULL;
}

/*
 * buf, a line the service sent, as "NAME# LINE": drops what it confirms
 * from the lines sent and not come back, up to LINE's first (the earlier
 * ones came back unseen, or were lost on the way).
 */
static void
chat_confirm(struct chat *c, const char *buf, size_t n)
{
	size_t len = evbuffer_get_length(c->unconfirmed), l;
	const char *q, *p, *nl;

	if (len == 0 || (q = (const char *)evbuffer_pullup(c->unconfirmed,
	    -1)) == NULL)
		return;
	for (p = q; (nl = memchr(p, '\n', len - (size_t)(p - q))) != NULL;
	    p = nl + 1) {
		l = (size_t)(nl - p);
		if (n >= l + 2 && memcmp(buf + n - l, p, l) == 0 &&
		    memcmp(buf + n - l - 2, "# ", 2) == 0) {
			evbuffer_drain(c->unconfirmed, (size_t)(nl + 1 - q));
			return;
		}
	}
}

/*
 * Dropped by the service (a long suspend, its restart): joins again, once
 * however many datagrams it refused within --timeout (a line and a ping),
 * then sends again the lines that did not come back, before any line held
 * or not yet read.
 */
static void
chat_rejoin(struct chat *c)
{
	cli_warn("%s: %s: dropped by the service; joining again", c->o.prog,
	    c->t.spec);
	c->rejoined_at = cli_mono_now();
	chat_send(c, "online", 6);
	chat_send_nick(c);
	if (c->held != NULL &&
	    (evbuffer_prepend(c->in.buf, "\n", 1) == -1 ||
	    evbuffer_prepend(c->in.buf, c->held, c->held_len) == -1))
		cli_warn("%s: out of memory: a line is lost", c->o.prog);
	chat_unhold(c);
	if (evbuffer_prepend_buffer(c->in.buf, c->unconfirmed) == -1)
		cli_warn("%s: out of memory: lines are lost", c->o.prog);
	evbuffer_drain(c->unconfirmed, evbuffer_get_length(c->unconfirmed));
	chat_stdin_resume(c);
}

/* Whether buf is the reply that --nick's name is taken. */
static int
chat_nick_taken(const struct chat *c, const char *buf, size_t n)
{
	char want[300];
	int len;

	if (c->o.nick == NULL)
		return 0;
	len = snprintf(want, sizeof want, "error: nick %s is taken", c->o.nick);
	return len > 0 && (size_t)len == n && memcmp(buf, want, n) == 0;
}

/* Acts on what the service says to this client alone; 1 if handled. */
static int
chat_service_says(struct chat *c, const char *buf, size_t n)
{
	if (n >= 5 && memcmp(buf, "pong ", 5) == 0 && n < 5 + 12) {
		chat_pong(c, buf, n);
		return 1;
	}
	if (n == sizeof not_online - 1 && memcmp(buf, not_online, n) == 0) {
		if (!c->leaving &&
		    cli_mono_now() - c->rejoined_at >= c->o.timeout)
			chat_rejoin(c);
		return 1;
	}
	if (chat_nick_taken(c, buf, n)) {
		cli_warn("%s: %s: nick %s is taken", c->o.prog,
		    c->t.spec, c->o.nick);
		c->rc = CLI_EXIT_FAIL;
		chat_leave(c);
		return 1;
	}
	return 0;
}

static void
chat_sock_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *c = arg;
	char buf[65536];
	ssize_t n;

	(void)what;
	while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) >= 0) {
		if (c->leaving && n == 3 && memcmp(buf, "bye", 3) == 0) {
			chat_print(buf, (size_t)n);
			event_base_loopbreak(c->base);
			return;
		}
		if (!chat_service_says(c, buf, (size_t)n)) {
			chat_print(buf, (size_t)n);
			chat_confirm(c, buf, (size_t)n);
		}
	}
	if (errno == ECONNREFUSED) {
		cli_warn("%s: %s: the service went away", c->o.prog,
		    c->t.spec);
		c->rc = CLI_EXIT_UNREACHABLE;
		event_base_loopbreak(c->base);
	}
}

/* Keeps the membership alive. */
static void
chat_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *c = arg;

	(void)fd;
	(void)what;
	if (c->leaving)
		return;
	chat_send(c, "ping", 4);
	chat_ping_schedule(c);
}

/* Says "offline" and waits a moment for "bye", printing what still comes. */
static void
chat_leave(struct chat *c)
{
	struct timeval tv = { CHAT_BYE_WAIT, 0 };

	if (c->leaving)
		return;
	c->leaving = 1;
	chat_unhold(c);			/* Ctrl-C while a line waits */
	cli_input_pause(&c->in, 1);
	chat_send(c, "offline", 7);
	if (c->ev_bye == NULL || evtimer_add(c->ev_bye, &tv) == -1)
		event_base_loopbreak(c->base);
}

static void
chat_stdin_data(void *arg, struct evbuffer *buf)
{
	struct chat *c = arg;
	size_t n;
	char *line;

	while (c->held == NULL &&
	    (line = evbuffer_readln(buf, &n, EVBUFFER_EOL_CRLF)) != NULL) {
		if (n > 0)
			chat_send_line(c, line, n);
		else
			free(line);
	}
}

/* The lines read and not sent go, unless one is held; then stdin or EOF. */
static void
chat_stdin_resume(struct chat *c)
{
	chat_stdin_data(c, c->in.buf);
	if (c->held != NULL)
		return;
	if (c->in.eof)
		chat_leave(c);
	else
		cli_input_pause(&c->in, 0);
}

/* The held line may go now; then the lines read after it, then stdin. */
static void
chat_held_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *c = arg;

	(void)fd;
	(void)what;
	chat_send_text(c, c->held, c->held_len);
	free(c->held);
	c->held = NULL;
	chat_stdin_resume(c);
}

static void
chat_stdin_eof(void *arg)
{
	struct chat *c = arg;
	size_t n = evbuffer_get_length(c->in.buf);

	/* A last line without a newline is still a line. */
	if (n > 0) {
		char *rest = malloc(n);

		if (rest != NULL && evbuffer_remove(c->in.buf, rest, n) > 0)
			chat_send_line(c, rest, n);
		else
			free(rest);
	}
	if (c->held == NULL)	/* else chat_held_cb leaves once it is sent */
		chat_leave(c);
}

static void
chat_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	chat_leave(arg);
}

static void
chat_bye_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chat *c = arg;

	(void)fd;
	(void)what;
	event_base_loopbreak(c->base);
}

/* Joins: "online" with one retry; prints the service's answer. */
static int
chat_join(struct chat *c)
{
	char buf[65536];
	ssize_t n;

	n = cli_udp_ask(&c->t, "online", 6, c->o.timeout, 2, buf, sizeof buf,
	    c->o.prog);
	if (n < 0)
		return CLI_EXIT_UNREACHABLE;
	if (n == 15 && memcmp(buf, "full, try later", 15) == 0) {
		cli_warn("%s: %s: full, try later", c->o.prog, c->t.spec);
		return CLI_EXIT_FAIL;
	}
	chat_print(buf, (size_t)n);
	chat_send_nick(c);
	return CLI_EXIT_OK;
}

static int
chat_loop(struct chat *c)
{
	c->base = event_base_new();
	if (c->base == NULL)
		return -1;
	c->ev_sock = event_new(c->base, c->t.fd, EV_READ | EV_PERSIST,
	    chat_sock_cb, c);
	c->ev_int = evsignal_new(c->base, SIGINT, chat_signal_cb, c);
	c->ev_term = evsignal_new(c->base, SIGTERM, chat_signal_cb, c);
	c->ev_bye = evtimer_new(c->base, chat_bye_timeout_cb, c);
	c->ev_ping = evtimer_new(c->base, chat_ping_cb, c);
	c->ev_held = evtimer_new(c->base, chat_held_cb, c);
	c->unconfirmed = evbuffer_new();
	c->ping_msec = CHAT_PING_MSEC;
	if (c->ev_sock == NULL || c->ev_int == NULL || c->ev_term == NULL ||
	    c->ev_ping == NULL || c->ev_held == NULL ||
	    c->unconfirmed == NULL ||
	    event_add(c->ev_sock, NULL) == -1 || evsignal_add(c->ev_int, NULL) ||
	    evsignal_add(c->ev_term, NULL) ||
	    cli_input_start(&c->in, c->base, chat_stdin_data, chat_stdin_eof,
	    c) == -1)
		return -1;
	chat_ping_cb(-1, 0, c);		/* at once: the "pong" sets the pace */
	return event_base_dispatch(c->base);
}

static void
chat_free(struct chat *c)
{
	cli_input_free(&c->in);
	if (c->ev_sock != NULL)
		event_free(c->ev_sock);
	if (c->ev_int != NULL)
		event_free(c->ev_int);
	if (c->ev_term != NULL)
		event_free(c->ev_term);
	if (c->ev_bye != NULL)
		event_free(c->ev_bye);
	if (c->ev_ping != NULL)
		event_free(c->ev_ping);
	if (c->ev_held != NULL)
		event_free(c->ev_held);
	free(c->held);
	if (c->unconfirmed != NULL)
		evbuffer_free(c->unconfirmed);
	if (c->base != NULL)
		event_base_free(c->base);
	cli_target_free(&c->t);
}

int
cmd_chat(int argc, char **argv)
{
	struct chat c;
	int i;

	memset(&c, 0, sizeof c);
	c.o.timeout = -1;
	c.o.prog = "netdemo-cli chat";
	if ((i = cli_parse_opts(argc, argv, &c.o, "tn", chat_usage)) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i >= argc || cli_skip_dashdash(argc, argv, i + 1) != argc) {
		cli_warn("%s: expected one HOST:PORT (see --help)", c.o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (c.o.timeout < 0)
		c.o.timeout = CHAT_DEFAULT_TIMEOUT;
	if (cli_resolve(&c.t, argv[i], SOCK_DGRAM, c.o.prog) == -1)
		return CLI_EXIT_UNREACHABLE;
	c.t.keep_port = 1;	/* the service knows a member by its port */
	if ((c.rc = chat_join(&c)) == CLI_EXIT_OK && chat_loop(&c) == -1) {
		cli_warn("%s: cannot set up the event loop", c.o.prog);
		c.rc = CLI_EXIT_FAIL;
	}
	chat_free(&c);
	return c.rc;
}
