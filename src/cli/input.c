/* SPDX-License-Identifier: MIT */
/*
 * input.c: stdin for netdemo-cli's event loops (chat, echo).
 *
 * A pipe or terminal is watched for readiness; a regular file cannot be
 * (epoll refuses it), but reading one never blocks, so it is read a chunk
 * per loop turn instead. Either way the owner sees data and EOF the same.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"

#define INPUT_CHUNK	65536

static void
input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct cli_input *in = arg;
	int n;

	(void)fd;
	(void)what;
	n = evbuffer_read(in->buf, STDIN_FILENO, INPUT_CHUNK);
	if (n <= 0) {
		event_del(in->ev);
		in->eof = 1;
		in->on_eof(in->arg);
		return;
	}
	in->on_data(in->arg, in->buf);
	if (in->is_file && !in->paused && !in->eof)
		event_active(in->ev, EV_READ, 0);
}

/* Files and devices such as /dev/null, which epoll cannot watch. */
static int
stdin_is_file(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) == -1)
		return 0;
	return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && !isatty(STDIN_FILENO));
}

int
cli_input_start(struct cli_input *in, struct event_base *base,
    void (*on_data)(void *, struct evbuffer *), void (*on_eof)(void *),
    void *arg)
{
	in->on_data = on_data;
	in->on_eof = on_eof;
	in->arg = arg;
	in->paused = in->eof = 0;
	if ((in->buf = evbuffer_new()) == NULL)
		return -1;
	if (!stdin_is_file()) {
		in->ev = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
		    input_cb, in);
		return in->ev == NULL ? -1 : event_add(in->ev, NULL);
	}
	/* A regular file (or /dev/null): read it as the loop turns. */
	in->is_file = 1;
	if ((in->ev = event_new(base, -1, 0, input_cb, in)) == NULL)
		return -1;
	event_active(in->ev, EV_READ, 0);
	return 0;
}

/* Stops or resumes reading, for backpressure. */
void
cli_input_pause(struct cli_input *in, int paused)
{
	if (in->eof || in->paused == paused)
		return;
	in->paused = paused;
	if (paused)
		event_del(in->ev);
	else if (in->is_file)
		event_active(in->ev, EV_READ, 0);
	else
		event_add(in->ev, NULL);
}

void
cli_input_free(struct cli_input *in)
{
	if (in->ev != NULL)
		event_free(in->ev);
	if (in->buf != NULL)
		evbuffer_free(in->buf);
}
