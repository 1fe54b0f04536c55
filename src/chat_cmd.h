/* SPDX-License-Identifier: MIT */
/* chat_cmd.h: what a chat datagram asks for. */
#ifndef NETDEMO_CHAT_CMD_H
#define NETDEMO_CHAT_CMD_H

#include <stddef.h>

enum chat_cmd {
	CHAT_ONLINE,
	CHAT_OFFLINE,
	CHAT_WHO,
	CHAT_PING,		/* a member keeping itself alive */
	CHAT_NICK,		/* arg: the new nick, valid */
	CHAT_TEXT,		/* arg: the whole request */
	CHAT_BAD_NICK,
	CHAT_BAD_TEXT,		/* invalid UTF-8 or control characters */
	CHAT_EMPTY,
};

enum chat_cmd	chat_cmd_parse(const char *, size_t, const char **, size_t *);
char		chat_ascii_lower(char);

#endif
