/* SPDX-License-Identifier: MIT */
/* dictd_reply.h: DICT protocol (RFC 2229) responses, formatted. */
#ifndef NETDEMO_DICTD_REPLY_H
#define NETDEMO_DICTD_REPLY_H

#include <stddef.h>

/* Longest text line sent, CRLF excluded: the RFC allows 1024 with it. */
#define DICTD_TEXT_LINE_MAX	1000

/* Takes len bytes of a response; returns 0, or -1 to stop the response. */
typedef int (*dictd_out_cb)(void *, const char *, size_t);

struct dictd_out {
	dictd_out_cb	 fn;
	void		*arg;
};

/* A caller's fixed buffer as an output: what does not fit is cut off. */
struct dictd_outbuf {
	char	*buf;
	size_t	 size, len;
	int	 overflow;
};

extern const char dictd_help_text[];

int	dictd_outbuf_cb(void *, const char *, size_t);
int	dictd_reply_banner(const struct dictd_out *o, const char *host,
	    long pid, unsigned long counter, long long now);
int	dictd_reply_code(const struct dictd_out *, int, const char *);
int	dictd_reply_count(const struct dictd_out *, int, size_t);
int	dictd_reply_definition(const struct dictd_out *o, const char *word,
	    size_t wlen, const char *db, const char *desc);
int	dictd_reply_pair(const struct dictd_out *o, const char *name,
	    size_t nlen, const char *text, size_t tlen);
int	dictd_reply_text(const struct dictd_out *, const char *, size_t);
int	dictd_reply_end(const struct dictd_out *);

#endif
