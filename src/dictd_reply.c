/* SPDX-License-Identifier: MIT */
/*
 * dictd_reply.c: DICT protocol (RFC 2229) responses, formatted.
 *
 * Every response goes out a line at a time through the caller's output
 * callback (an evbuffer in the service, a fixed buffer in the tests), so
 * this file does no I/O and keeps no state. Bytes from the table or the
 * client are escaped on the way: control bytes become \xNN, quotes and
 * backslashes in quoted strings get a backslash (section 2.2), a text
 * line starting with '.' gets another (section 2.4), and lines longer
 * than DICTD_TEXT_LINE_MAX are wrapped (text) or cut (status lines)
 * between UTF-8 characters.
 */
#include <stdio.h>
#include <string.h>

#include "dictd_reply.h"

/* Room kept at the end of a status line for a closing quote. */
#define LINE_RESERVE	2

struct dictd_line {
	char	buf[DICTD_TEXT_LINE_MAX + 3];	/* and CRLF, NUL */
	size_t	len;
	int	full;		/* something was cut: add nothing more */
};

static const struct {
	int		 code;
	const char	*text;
} dictd_texts[] = {
	{ 112, "database information follows" },
	{ 113, "help text follows" },
	{ 114, "server information follows" },
	{ 210, "status" },
	{ 221, "bye" },
	{ 250, "ok" },
	{ 420, "server temporarily unavailable" },
	{ 421, "server shutting down" },
	{ 500, "syntax error, command not recognized" },
	{ 501, "syntax error, illegal parameters" },
	{ 502, "command not implemented" },
	{ 503, "command parameter not implemented" },
	{ 550, "invalid database, use \"SHOW DB\" for list of databases" },
	{ 551, "invalid strategy, use \"SHOW STRAT\" for a list of strategies" },
	{ 552, "no match" },
	{ 554, "no databases present" },
	{ 555, "no strategies available" },
};

const char dictd_help_text[] =
    "DEFINE database word         -- look up word in database\n"
    "MATCH database strategy word -- match words in database by strategy\n"
    "SHOW DB                      -- list all accessible databases\n"
    "SHOW STRAT                   -- list available matching strategies\n"
    "SHOW INFO database           -- information about database\n"
    "SHOW SERVER                  -- information about the server\n"
    "OPTION MIME                  -- MIME headers before each text\n"
    "CLIENT info                  -- identify the client\n"
    "STATUS                       -- display timing information\n"
    "HELP                         -- display this help\n"
    "QUIT                         -- close the connection\n"
    "Databases: * all, ! the first that has the word.\n"
    "Strategies: . the server's default.\n";

/* Appends len bytes to out's fixed buffer; -1 (and cut) when full. */
int
dictd_outbuf_cb(void *arg, const char *s, size_t len)
{
	struct dictd_outbuf *ob = arg;

	if (ob->overflow || len > ob->size - ob->len) {
		ob->overflow = 1;
		return -1;
	}
	memcpy(ob->buf + ob->len, s, len);
	ob->len += len;
	return 0;
}

/* Bytes in the UTF-8 character at s, never past left. */
static size_t
char_len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;

	return n < left ? n : left;
}

static int
is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* Adds n bytes unless they pass the limit less reserve; 0 if they did not fit. */
static int
line_put(struct dictd_line *l, const char *s, size_t n, size_t reserve)
{
	if (l->full || l->len + n > DICTD_TEXT_LINE_MAX - reserve) {
		l->full = 1;
		return 0;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	return 1;
}

/* The piece s[0..len) escaped; quoted adds the quotes and their escapes. */
static void
line_escaped(struct dictd_line *l, const char *s, size_t len, int quoted)
{
	char hex[5], esc[2] = { '\\', 0 };
	size_t i, n;
	size_t reserve = quoted ? LINE_RESERVE : 0;

	for (i = 0; i < len; i += n) {
		n = char_len(s + i, len - i);
		if (is_control((unsigned char)s[i])) {
			snprintf(hex, sizeof hex, "\\x%02x", (unsigned char)s[i]);
			(void)line_put(l, hex, 4, reserve);
		} else if (quoted && (s[i] == '"' || s[i] == '\\')) {
			esc[1] = s[i];
			(void)line_put(l, esc, 2, reserve);
		} else
			(void)line_put(l, s + i, n, reserve);
	}
}

static void
line_quoted(struct dictd_line *l, const char *s, size_t len)
{
	if (!line_put(l, "\"", 1, LINE_RESERVE))
		return;
	line_escaped(l, s, len, 1);
	l->buf[l->len++] = '"';		/* the reserve kept room for it */
}

static int
line_send(const struct dictd_out *o, struct dictd_line *l)
{
	memcpy(l->buf + l->len, "\r\n", 2);
	return o->fn(o->arg, l->buf, l->len + 2);
}

static void
line_code(struct dictd_line *l, int code)
{
	l->len = (size_t)snprintf(l->buf, sizeof l->buf, "%03d ",
	    code >= 100 && code <= 999 ? code : 500);
	l->full = 0;
}

static const char *
default_text(int code)
{
	size_t i;

	for (i = 0; i < sizeof dictd_texts / sizeof dictd_texts[0]; i++)
		if (dictd_texts[i].code == code)
			return dictd_texts[i].text;
	return "";
}

/*
 * The greeting: "220 host netdemo <mime> <pid.counter.time@host>". The
 * message id (RFC 822 style, as section 3.1 asks) is unique per
 * connection given the caller's counter; host is escaped.
 */
int
dictd_reply_banner(const struct dictd_out *o, const char *host, long pid,
    unsigned long counter, long long now)
{
	struct dictd_line l;
	char id[80];

	line_code(&l, 220);
	line_escaped(&l, host, strlen(host), 0);
	(void)line_put(&l, " netdemo <mime> <", 17, 0);
	snprintf(id, sizeof id, "%ld.%lu.%lld@", pid, counter, now);
	(void)line_put(&l, id, strlen(id), 0);
	line_escaped(&l, host, strlen(host), 0);
	(void)line_put(&l, ">", 1, 0);
	return line_send(o, &l);
}

/* A status line: code and text, or the RFC's text for code if NULL. */
int
dictd_reply_code(const struct dictd_out *o, int code, const char *text)
{
	struct dictd_line l;

	if (text == NULL)
		text = default_text(code);
	line_code(&l, code);
	line_escaped(&l, text, strlen(text), 0);
	return line_send(o, &l);
}

/* "150 n definitions retrieved", and 152, 110 and 111 the same way. */
int
dictd_reply_count(const struct dictd_out *o, int code, size_t n)
{
	struct dictd_line l;
	const char *what;

	switch (code) {
	case 110:
		what = "databases present";
		break;
	case 111:
		what = "strategies available";
		break;
	case 150:
		what = "definitions retrieved";
		break;
	default:
		code = 152;
		what = "matches found";
		break;
	}
	line_code(&l, code);
	l.len += (size_t)snprintf(l.buf + l.len, sizeof l.buf - l.len,
	    "%zu %s", n, what);
	return line_send(o, &l);
}

/* A definition's head: 151 "word" database "description". */
int
dictd_reply_definition(const struct dictd_out *o, const char *word,
    size_t wlen, const char *db, const char *desc)
{
	struct dictd_line l;

	line_code(&l, 151);
	line_quoted(&l, word, wlen);
	(void)line_put(&l, " ", 1, 0);
	line_escaped(&l, db, strlen(db), 0);
	(void)line_put(&l, " ", 1, 0);
	line_quoted(&l, desc, strlen(desc));
	return line_send(o, &l);
}

/*
 * A line of SHOW DB (name "description"), SHOW STRAT (the same) or MATCH
 * (database "word"): an atom and a quoted string.
 */
int
dictd_reply_pair(const struct dictd_out *o, const char *name, size_t nlen,
    const char *text, size_t tlen)
{
	struct dictd_line l = { .len = 0, .full = 0 };

	line_escaped(&l, name, nlen, 0);
	(void)line_put(&l, " ", 1, 0);
	line_quoted(&l, text, tlen);
	return line_send(o, &l);
}

/* Sends one line of text, dot-stuffed, wrapped at DICTD_TEXT_LINE_MAX. */
static int
text_line(const struct dictd_out *o, const char *s, size_t len)
{
	struct dictd_line l;
	size_t i = 0, n;

	do {
		l.len = 0;
		l.full = 0;
		if (i < len && s[i] == '.')
			(void)line_put(&l, ".", 1, 0);
		/* Whole characters (escaped: four bytes) while they fit. */
		for (; i < len; i += n) {
			n = char_len(s + i, len - i);
			if (l.len + (is_control((unsigned char)s[i]) ? 4 : n) >
			    DICTD_TEXT_LINE_MAX)
				break;
			line_escaped(&l, s + i, n, 0);
		}
		if (line_send(o, &l) == -1)
			return -1;
	} while (i < len);
	return 0;
}

/*
 * Sends text[0..len) as the body of a 1xx response: a line per '\n' (a CR
 * before it dropped), without the terminating "." (dictd_reply_end()).
 */
int
dictd_reply_text(const struct dictd_out *o, const char *text, size_t len)
{
	const char *nl, *end = text + len;
	size_t n;

	while (text < end) {
		if ((nl = memchr(text, '\n', (size_t)(end - text))) == NULL)
			nl = end;
		n = (size_t)(nl - text);
		if (n > 0 && text[n - 1] == '\r')
			n--;
		if (text_line(o, text, n) == -1)
			return -1;
		if (nl == end)
			break;
		text = nl + 1;
	}
	return 0;
}

/* The end of a text body: a line holding a single dot. */
int
dictd_reply_end(const struct dictd_out *o)
{
	return o->fn(o->arg, ".\r\n", 3);
}
