/* SPDX-License-Identifier: MIT */
/* input.h: stdin as an event source, whether it is a pipe, a tty or a file. */
#ifndef NETDEMO_CLI_INPUT_H
#define NETDEMO_CLI_INPUT_H

struct event;
struct event_base;
struct evbuffer;

struct cli_input {
	struct event	*ev;
	struct evbuffer	*buf;		/* what has been read, not yet taken */
	int		 is_file, paused, eof;
	void		(*on_data)(void *, struct evbuffer *);
	void		(*on_eof)(void *);
	void		*arg;
};

int	cli_input_start(struct cli_input *in, struct event_base *base,
	    void (*on_data)(void *, struct evbuffer *), void (*on_eof)(void *),
	    void *arg);
void	cli_input_pause(struct cli_input *, int);
void	cli_input_free(struct cli_input *);

#endif
