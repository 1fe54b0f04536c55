/* SPDX-License-Identifier: MIT */
/* cli.h: what netdemo-cli's subcommands share: options, addresses, sockets. */
#ifndef NETDEMO_CLI_H
#define NETDEMO_CLI_H

#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#define CLI_EXIT_OK		0
#define CLI_EXIT_FAIL		1	/* the service said no, or a command failed */
#define CLI_EXIT_UNREACHABLE	2	/* no answer, refused, unknown host */

struct cli_opts {
	double		 timeout;	/* seconds; < 0 when not given */
	const char	*nick;
	const char	*key_file;	/* exec: sign requests with this key */
	const char	*prog;		/* "netdemo-cli dict", for messages */
};

/* The addresses HOST:PORT resolves to, tried in order. */
struct cli_target {
	const char		*spec;
	struct addrinfo		*list;
	struct addrinfo		*cur;
	int			 fd;	/* connected to cur; -1 before */
	int			 keep_port;	/* the source port is who we are (chat) */
	char			*last;	/* the last datagram fd sent, for the loop guard */
	size_t			 last_len, last_cap;
	double			 last_sent;	/* when, CLOCK_MONOTONIC seconds */
};

/* cli_udp_ask(): the request cannot be one datagram. */
#define CLI_UDP_TOO_LONG	(-2)

int	cli_parse_opts(int argc, char **argv, struct cli_opts *o,
	    const char *allowed, void (*usage)(void));
int	cli_skip_dashdash(int, char **, int);
int	cli_resolve(struct cli_target *, const char *, int, const char *);
int	cli_connect_next(struct cli_target *, const char *);
void	cli_target_free(struct cli_target *);
int	cli_wait_readable(int, double);
double	cli_mono_now(void);
double	cli_repeat_wait(const struct cli_target *, const void *, size_t);
void	cli_remember_sent(struct cli_target *, const void *, size_t);
ssize_t	cli_udp_ask(struct cli_target *t, const void *msg, size_t len,
	    double timeout, int tries, char *reply, size_t cap,
	    const char *prog);
char	*cli_read_line(char **, size_t *);
void	cli_print_line(const char *, size_t);
void	cli_print_escaped(FILE *, const char *, size_t);
void	cli_print_word(FILE *, const char *, size_t);
void	cli_warn(const char *, ...) __attribute__((format(printf, 1, 2)));

int	cmd_dict(int, char **);
int	cmd_exec(int, char **);
int	cmd_chat(int, char **);
int	cmd_echo(int, char **);
int	cmd_stats(int, char **);

#endif
