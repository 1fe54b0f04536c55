/* SPDX-License-Identifier: MIT */
/*
 * chat_fed_msg.h: chat federation's pure parts: the federation URL, room
 * names, and the message form on the Redis bus, "nd1 ID NAME# TEXT".
 */
#ifndef NETDEMO_CHAT_FED_MSG_H
#define NETDEMO_CHAT_FED_MSG_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "chat_members.h"

#define CHAT_FED_ROOM_MAX	64
/* The longest name a member is shown by: a nick or HOST:PORT. */
#define CHAT_FED_NAME_MAX	(CHAT_NICK_MAX * 4 + ADDR_STRLEN)
#define CHAT_FED_DB_MAX		1000000
#define CHAT_FED_PREFIX		"nd1 "
/* "nd1 " + 16 hex digits + " " */
#define CHAT_FED_OVERHEAD	(sizeof CHAT_FED_PREFIX - 1 + 16 + 1)

/* Where Redis is: a numeric address, a port and a database number. */
struct chat_fed_url {
	char		host[INET6_ADDRSTRLEN];
	int		port;
	unsigned	db;
};

int	chat_fed_url_parse(const char *, struct chat_fed_url *, char *, size_t);
int	chat_fed_room_ok(const char *);
int	chat_fed_name_ok(const char *, size_t);
size_t	chat_fed_encode(char *buf, size_t cap, uint64_t id, const char *line,
	    size_t len);
int	chat_fed_decode(const char *msg, size_t len, size_t max_text,
	    uint64_t *id, const char **line, size_t *linelen);

#endif
