/* SPDX-License-Identifier: MIT */
/* dictd_cmd.h: one DICT protocol (RFC 2229) command line, parsed. */
#ifndef NETDEMO_DICTD_CMD_H
#define NETDEMO_DICTD_CMD_H

#include <stddef.h>

/* The longest command line taken, CRLF excluded (RFC 2229 section 2.2). */
#define DICTD_LINE_MAX	1024
/* Parameters after the command word(s): MATCH's three are the most. */
#define DICTD_ARGS_MAX	3

enum dictd_cmd_kind {
	DICTD_CMD_EMPTY,	/* a blank line: answer nothing */
	DICTD_CMD_DEFINE,	/* db word */
	DICTD_CMD_MATCH,	/* db strategy word */
	DICTD_CMD_SHOW_DB,
	DICTD_CMD_SHOW_STRAT,
	DICTD_CMD_SHOW_INFO,	/* db */
	DICTD_CMD_SHOW_SERVER,
	DICTD_CMD_CLIENT,	/* the rest of the line, as sent */
	DICTD_CMD_STATUS,
	DICTD_CMD_HELP,
	DICTD_CMD_QUIT,
	DICTD_CMD_OPTION_MIME,
};

struct dictd_arg {
	const char	*s;	/* NUL-terminated, in the caller's buffer */
	size_t		 len;
};

struct dictd_cmd {
	enum dictd_cmd_kind	kind;
	struct dictd_arg	arg[DICTD_ARGS_MAX];
	size_t			nargs;
	const char		*why;	/* the error's text, when there is one */
};

int	dictd_cmd_parse(const char *s, size_t len, char *buf, size_t bufsize,
	    struct dictd_cmd *cmd);

#endif
