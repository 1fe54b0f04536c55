/* SPDX-License-Identifier: MIT */
/*
 * chat_fed_msg.c: chat federation's pure parts: bytes in, result out.
 *
 * The federation URL is redis://HOST:PORT[/DB] with HOST a numeric IPv4
 * address or [IPv6] (hiredis 0.14 resolves names with a blocking call, so
 * names are refused). A message on the bus is "nd1 ID NAME# TEXT": ID the
 * sending instance's 16 hex digits (so it skips its own), then the line
 * members see. What comes off the bus is as hostile as a datagram: it gets
 * the same checks (length, UTF-8, no C0/C1/bidi controls) before a member
 * sees it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_fed_msg.h"
#include "utf8.h"

static int
parse_port(const char *s, size_t len, int *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (int)v;
	return 0;
}

static int
parse_db(const char *s, unsigned *db)
{
	unsigned long v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > CHAT_FED_DB_MAX)
			return -1;
	}
	*db = (unsigned)v;
	return 0;
}

/* HOST (brackets already removed) is a numeric address of its family. */
static int
host_ok(const char *host, int v6)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) == 1;
}

/*
 * Parses redis://HOST:PORT[/DB] into u; -1 with the reason in err.
 */
int
chat_fed_url_parse(const char *url, struct chat_fed_url *u, char *err,
    size_t errlen)
{
	const char *p = url + 8, *hend, *colon, *slash;
	size_t hlen;
	int v6 = 0;

	memset(u, 0, sizeof *u);
	if (strncmp(url, "redis://", 8) != 0) {
		snprintf(err, errlen, "'%s' is not redis://HOST:PORT[/DB]", url);
		return -1;
	}
	if (*p == '[') {
		v6 = 1;
		p++;
		if ((hend = strchr(p, ']')) == NULL || hend[1] != ':')
			goto bad;
		colon = hend + 1;
	} else {
		if ((colon = strchr(p, ':')) == NULL)
			goto bad;
		hend = colon;
	}
	hlen = (size_t)(hend - p);
	if (hlen == 0 || hlen >= sizeof u->host)
		goto bad;
	memcpy(u->host, p, hlen);
	u->host[hlen] = '\0';
	if (!host_ok(u->host, v6)) {
		snprintf(err, errlen, "'%s': HOST must be a numeric IPv4 address"
		    " or [IPv6] (names would be resolved with a blocking call)",
		    url);
		return -1;
	}
	slash = strchr(colon + 1, '/');
	if (parse_port(colon + 1, slash != NULL ? (size_t)(slash - colon - 1) :
	    strlen(colon + 1), &u->port) == -1)
		goto bad;
	if (slash != NULL && parse_db(slash + 1, &u->db) == -1) {
		snprintf(err, errlen, "'%s': DB must be a number up to %d", url,
		    CHAT_FED_DB_MAX);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not redis://HOST:PORT[/DB]", url);
	return -1;
}

/* A room name goes into Redis key and channel names: [A-Za-z0-9._-]{1,64}. */
int
chat_fed_room_ok(const char *room)
{
	size_t len = strlen(room);

	if (len == 0 || len > CHAT_FED_ROOM_MAX)
		return 0;
	return strspn(room, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == len;
}

/* A member's name from Redis: 1..CHAT_FED_NAME_MAX bytes of text, no blank or '#'. */
int
chat_fed_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len >= CHAT_FED_NAME_MAX || !utf8_text(name, len))
		return 0;
	for (i = 0; i < len; i++)
		if (name[i] == ' ' || name[i] == '\t' || name[i] == '#')
			return 0;
	return 1;
}

/*
 * Writes "nd1 ID LINE" into buf; its length, or 0 when it does not fit.
 */
size_t
chat_fed_encode(char *buf, size_t cap, uint64_t id, const char *line,
    size_t len)
{
	int n;

	if (cap < CHAT_FED_OVERHEAD + 1 || len > cap - CHAT_FED_OVERHEAD - 1)
		return 0;
	n = snprintf(buf, cap, CHAT_FED_PREFIX "%016llx ", (unsigned long long)id);
	if (n < 0 || (size_t)n != CHAT_FED_OVERHEAD)
		return 0;
	memcpy(buf + n, line, len);
	buf[n + len] = '\0';
	return (size_t)n + len;
}

static int
hex_id(const char *s, uint64_t *id)
{
	uint64_t v = 0;
	int i, d;

	for (i = 0; i < 16; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			d = s[i] - '0';
		else if (s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*id = v;
	return 0;
}

/*
 * Parses a bus message of len bytes: *id the sender, *line and *linelen
 * the "NAME# TEXT" line to deliver, TEXT at most max_text bytes of text.
 * 0, or -1 when it is malformed (drop it).
 */
int
chat_fed_decode(const char *msg, size_t len, size_t max_text, uint64_t *id,
    const char **line, size_t *linelen)
{
	const char *l, *mark, *text;
	size_t llen, tlen;

	if (len < CHAT_FED_OVERHEAD ||
	    memcmp(msg, CHAT_FED_PREFIX, sizeof CHAT_FED_PREFIX - 1) != 0 ||
	    hex_id(msg + sizeof CHAT_FED_PREFIX - 1, id) == -1 ||
	    msg[CHAT_FED_OVERHEAD - 1] != ' ')
		return -1;
	l = msg + CHAT_FED_OVERHEAD;
	llen = len - CHAT_FED_OVERHEAD;
	if ((mark = memchr(l, '#', llen)) == NULL ||
	    !chat_fed_name_ok(l, (size_t)(mark - l)))
		return -1;
	text = mark + 1;
	tlen = llen - (size_t)(text - l);
	if (tlen < 2 || text[0] != ' ')
		return -1;
	text++;
	tlen--;
	if (tlen > max_text || !utf8_text(text, tlen))
		return -1;
	*line = l;
	*linelen = llen;
	return 0;
}
