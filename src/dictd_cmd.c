/* SPDX-License-Identifier: MIT */
/*
 * dictd_cmd.c: one DICT protocol (RFC 2229) command line, parsed.
 *
 * A line is at most DICTD_LINE_MAX bytes of UTF-8 without control bytes
 * (blanks aside). It splits the way section 2.2 says: blanks separate
 * words, "..." and '...' keep blanks inside one word, and a backslash
 * takes the byte after it as it is (adjacent pieces join, as in a shell).
 * The words are written unescaped and NUL-terminated into a buffer of the
 * caller's, so the parser allocates nothing and does no I/O. Errors are
 * the RFC's codes: 500 (not a command), 501 (bad parameters), 502 (a
 * command we do not implement: AUTH), 503 (an OPTION other than MIME).
 */
#include <string.h>
#include <strings.h>

#include "dictd_cmd.h"
#include "utf8.h"

/* Command, subcommand and arguments: SHOW INFO db is the longest form. */
#define DICTD_WORDS_MAX	(DICTD_ARGS_MAX + 2)

struct dictd_form {
	const char		*word, *sub;	/* sub: SHOW's and OPTION's */
	enum dictd_cmd_kind	 kind;
	size_t			 nargs;
};

static const struct dictd_form dictd_forms[] = {
	{ "DEFINE", NULL, DICTD_CMD_DEFINE, 2 },
	{ "MATCH", NULL, DICTD_CMD_MATCH, 3 },
	{ "SHOW", "DB", DICTD_CMD_SHOW_DB, 0 },
	{ "SHOW", "DATABASES", DICTD_CMD_SHOW_DB, 0 },
	{ "SHOW", "STRAT", DICTD_CMD_SHOW_STRAT, 0 },
	{ "SHOW", "STRATEGIES", DICTD_CMD_SHOW_STRAT, 0 },
	{ "SHOW", "INFO", DICTD_CMD_SHOW_INFO, 1 },
	{ "SHOW", "SERVER", DICTD_CMD_SHOW_SERVER, 0 },
	{ "STATUS", NULL, DICTD_CMD_STATUS, 0 },
	{ "HELP", NULL, DICTD_CMD_HELP, 0 },
	{ "QUIT", NULL, DICTD_CMD_QUIT, 0 },
	{ "OPTION", "MIME", DICTD_CMD_OPTION_MIME, 0 },
};

/* Commands of RFC 2229 that netdemo leaves out: 502, not 500. */
static const char *const dictd_unimplemented[] = {
	"AUTH", "SASLAUTH", "SASLRESP",
};

/* Where the splitter is: in the line, and in the caller's buffer. */
struct dictd_split {
	const char	*in;
	size_t		 len, pos;
	char		*out;
	size_t		 used;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Control bytes other than blanks: binary data, not a command. */
static int
has_controls(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 1;
	return 0;
}

/*
 * Whether the line is UTF-8 once each backslash is taken away from the
 * byte it escapes: the words are that, and curl escapes every byte of
 * 0x80 and over ("d:\xe8\x8b\xb9..."), which as sent is not UTF-8.
 */
static int
unescaped_utf8(const char *s, size_t len)
{
	char plain[DICTD_LINE_MAX];
	size_t i, n = 0;

	for (i = 0; i < len && n < sizeof plain; i++) {
		if (s[i] == '\\' && i + 1 < len)
			i++;
		plain[n++] = s[i];
	}
	return utf8_valid(plain, n);
}

static int
fail(struct dictd_cmd *cmd, int code, const char *why)
{
	cmd->why = why;
	return code;
}

/*
 * The next word into *w. Returns 1 for a word, 0 at the end of the line,
 * -1 with *why set for an unterminated quote or a trailing backslash.
 */
static int
split_next(struct dictd_split *sp, struct dictd_arg *w, const char **why)
{
	char quote = '\0', c;

	while (sp->pos < sp->len && is_blank(sp->in[sp->pos]))
		sp->pos++;
	if (sp->pos == sp->len)
		return 0;
	w->s = sp->out + sp->used;
	w->len = 0;
	while (sp->pos < sp->len) {
		c = sp->in[sp->pos++];
		if (quote == '\0' && is_blank(c))
			break;
		if (c == quote) {
			quote = '\0';
			continue;
		}
		if (quote == '\0' && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		}
		if (c == '\\') {
			if (sp->pos == sp->len) {
				*why = "backslash at the end of the line";
				return -1;
			}
			c = sp->in[sp->pos++];
		}
		sp->out[sp->used + w->len++] = c;
	}
	if (quote != '\0') {
		*why = "unterminated quote";
		return -1;
	}
	sp->out[sp->used + w->len] = '\0';
	sp->used += w->len + 1;
	return 1;
}

/* Splits the whole line into at most max words; -1 with *why if not. */
static int
split_all(struct dictd_split *sp, struct dictd_arg *w, size_t max,
    const char **why)
{
	size_t n = 0;
	struct dictd_arg extra;
	int r = 0;

	while (n < max && (r = split_next(sp, &w[n], why)) == 1)
		n++;
	if (n < max)
		return r == 0 ? (int)n : -1;
	if ((r = split_next(sp, &extra, why)) == 1)
		*why = "too many parameters";
	return r == 0 ? (int)n : -1;
}

/* CLIENT's text is the rest of the line as sent: curl does not quote it. */
static int
parse_client(struct dictd_split *sp, struct dictd_cmd *cmd)
{
	const char *s = sp->in + sp->pos;
	size_t len = sp->len - sp->pos;

	while (len > 0 && is_blank(*s)) {
		s++;
		len--;
	}
	while (len > 0 && is_blank(s[len - 1]))
		len--;
	/* Without a blank after CLIENT there is no room for a NUL: none needed. */
	cmd->arg[0].s = "";
	if (len > 0) {
		memcpy(sp->out + sp->used, s, len);
		sp->out[sp->used + len] = '\0';
		cmd->arg[0].s = sp->out + sp->used;
	}
	cmd->arg[0].len = len;
	cmd->nargs = 1;
	cmd->kind = DICTD_CMD_CLIENT;
	return 0;
}

/* Finds the form of words w[0..n) and points cmd's arguments at the rest. */
static int
parse_form(const struct dictd_arg *w, size_t n, struct dictd_cmd *cmd)
{
	const struct dictd_form *f;
	size_t i, skip;
	int word_known = 0;

	for (i = 0; i < sizeof dictd_forms / sizeof dictd_forms[0]; i++) {
		f = &dictd_forms[i];
		if (strcasecmp(w[0].s, f->word) != 0)
			continue;
		word_known = 1;
		if (f->sub != NULL && (n < 2 || strcasecmp(w[1].s, f->sub) != 0))
			continue;
		skip = f->sub != NULL ? 2 : 1;
		if (n - skip != f->nargs)
			return fail(cmd, 501, "syntax error, illegal parameters");
		cmd->kind = f->kind;
		cmd->nargs = f->nargs;
		memcpy(cmd->arg, w + skip, f->nargs * sizeof *w);
		return 0;
	}
	if (word_known && strcasecmp(w[0].s, "OPTION") == 0 && n >= 2)
		return fail(cmd, 503, "command parameter not implemented");
	if (word_known)
		return fail(cmd, 501, "syntax error, illegal parameters");
	for (i = 0; i < sizeof dictd_unimplemented / sizeof *dictd_unimplemented;
	    i++)
		if (strcasecmp(w[0].s, dictd_unimplemented[i]) == 0)
			return fail(cmd, 502, "command not implemented");
	return fail(cmd, 500, "syntax error, command not recognized");
}

/*
 * Parses the command line s[0..len) (without its CRLF; a lone trailing CR
 * is dropped too) into cmd, whose arguments are written into buf, which
 * needs len + 1 bytes. Returns 0, or the RFC 2229 error code with
 * cmd->why set to the text to send after it.
 */
int
dictd_cmd_parse(const char *s, size_t len, char *buf, size_t bufsize,
    struct dictd_cmd *cmd)
{
	struct dictd_split sp = { s, len, 0, buf, 0 };
	struct dictd_arg w[DICTD_WORDS_MAX];
	int n;

	memset(cmd, 0, sizeof *cmd);
	if (len > 0 && s[len - 1] == '\r')
		sp.len = --len;
	if (len > DICTD_LINE_MAX || bufsize <= len)
		return fail(cmd, 500, "line too long");
	if (has_controls(s, len))
		return fail(cmd, 500, "control bytes in the line");
	if (!unescaped_utf8(s, len))
		return fail(cmd, 500, "invalid UTF-8");
	if ((n = split_next(&sp, &w[0], &cmd->why)) == -1)
		return 501;
	if (n == 0) {
		cmd->kind = DICTD_CMD_EMPTY;
		return 0;
	}
	if (strcasecmp(w[0].s, "CLIENT") == 0)
		return parse_client(&sp, cmd);
	if ((n = split_all(&sp, w + 1, DICTD_WORDS_MAX - 1, &cmd->why)) == -1)
		return 501;
	return parse_form(w, (size_t)n + 1, cmd);
}
