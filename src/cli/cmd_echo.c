/* SPDX-License-Identifier: MIT */
/*
 * cmd_echo.c: netdemo-cli echo HOST:PORT: stdin to the echo service, what
 * comes back to stdout, byte for byte. At stdin's EOF the write side is
 * shut once everything is sent; the client exits when the server closes.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "input.h"

#define ECHO_OUT_HIGH	(1024 * 1024)	/* unsent bytes before stdin pauses */
#define ECHO_OUT_LOW	(256 * 1024)

struct echo {
	struct cli_target	 t;
	struct cli_opts		 o;
	struct event_base	*base;
	struct bufferevent	*bev;
	struct cli_input	 in;
	int			 rc;
};

static void
echo_usage(void)
{
	printf("usage: netdemo-cli echo HOST:PORT\n"
	    "Sends stdin to the echo service and writes what comes back to stdout,\n"
	    "byte for byte; exits when the server closes after stdin's end.\n");
}

/* Writes all of buf to stdout; blocking is the backpressure we want. */
static int
echo_to_stdout(struct evbuffer *buf)
{
	while (evbuffer_get_length(buf) > 0)
		if (evbuffer_write(buf, STDOUT_FILENO) == -1 && errno != EINTR)
			return -1;
	return 0;
}

static void
echo_read_cb(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;

	if (echo_to_stdout(bufferevent_get_input(bev)) == -1) {
		cli_warn("%s: stdout: %s", e->o.prog, strerror(errno));
		e->rc = CLI_EXIT_FAIL;
		event_base_loopbreak(e->base);
	}
}

/* Output drained to the low mark: read stdin again, or half-close at EOF. */
static void
echo_write_cb(struct bufferevent *bev, void *arg)
{
	struct echo *e = arg;

	if (!e->in.eof) {
		cli_input_pause(&e->in, 0);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		shutdown(bufferevent_getfd(bev), SHUT_WR);
}

static void
echo_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct echo *e = arg;

	if (what & BEV_EVENT_ERROR) {
		cli_warn("%s: %s: %s", e->o.prog, e->t.spec,
		    strerror(EVUTIL_SOCKET_ERROR()));
		e->rc = CLI_EXIT_UNREACHABLE;
	} else if (what & BEV_EVENT_EOF) {
		echo_read_cb(bev, e);
		if (!e->in.eof) {
			cli_warn("%s: %s closed the connection",
			    e->o.prog, e->t.spec);
			e->rc = CLI_EXIT_FAIL;
		}
	}
	event_base_loopbreak(e->base);
}

static void
echo_stdin_data(void *arg, struct evbuffer *buf)
{
	struct echo *e = arg;

	bufferevent_write_buffer(e->bev, buf);
	if (evbuffer_get_length(bufferevent_get_output(e->bev)) >= ECHO_OUT_HIGH)
		cli_input_pause(&e->in, 1);
}

static void
echo_stdin_eof(void *arg)
{
	struct echo *e = arg;

	echo_write_cb(e->bev, e);
}

/* Connects to the first address that accepts; -1 after a message. */
static int
echo_connect(struct echo *e)
{
	int on = 1;

	if (cli_connect_next(&e->t, e->o.prog) == -1) {
		cli_warn("%s: %s: %s", e->o.prog, e->t.spec,
		    strerror(errno));
		return -1;
	}
	setsockopt(e->t.fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	evutil_make_socket_nonblocking(e->t.fd);
	return 0;
}

static int
echo_loop(struct echo *e)
{
	if ((e->base = event_base_new()) == NULL ||
	    (e->bev = bufferevent_socket_new(e->base, e->t.fd, 0)) == NULL)
		return -1;
	bufferevent_setcb(e->bev, echo_read_cb, echo_write_cb, echo_event_cb, e);
	bufferevent_setwatermark(e->bev, EV_WRITE, ECHO_OUT_LOW, 0);
	if (bufferevent_enable(e->bev, EV_READ | EV_WRITE) == -1 ||
	    cli_input_start(&e->in, e->base, echo_stdin_data, echo_stdin_eof,
	    e) == -1)
		return -1;
	return event_base_dispatch(e->base);
}

int
cmd_echo(int argc, char **argv)
{
	struct echo e;
	int i;

	memset(&e, 0, sizeof e);
	e.o.timeout = -1;
	e.o.prog = "netdemo-cli echo";
	if ((i = cli_parse_opts(argc, argv, &e.o, "", echo_usage)) == -1)
		return CLI_EXIT_UNREACHABLE;
	if (i >= argc || cli_skip_dashdash(argc, argv, i + 1) != argc) {
		cli_warn("%s: expected one HOST:PORT (see --help)", e.o.prog);
		return CLI_EXIT_UNREACHABLE;
	}
	if (cli_resolve(&e.t, argv[i], SOCK_STREAM, e.o.prog) == -1 ||
	    echo_connect(&e) == -1) {
		cli_target_free(&e.t);
		return CLI_EXIT_UNREACHABLE;
	}
	if (echo_loop(&e) == -1) {
		cli_warn("%s: cannot set up the event loop", e.o.prog);
		e.rc = CLI_EXIT_FAIL;
	}
	cli_input_free(&e.in);
	if (e.bev != NULL)
		bufferevent_free(e.bev);
	if (e.base != NULL)
		event_base_free(e.base);
	cli_target_free(&e.t);
	return e.rc;
}
