/* SPDX-License-Identifier: MIT */
/*
 * fuzz_dictd.c: libFuzzer harness for the DICT command parser, matcher and
 * replies. The input's first line is a command; the rest, if any, is the
 * table (a dictionary file) that MATCH and DEFINE run over, in slices.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "dictd_cmd.h"
#include "dictd_match.h"
#include "dictd_reply.h"
#include "utf8.h"

#define RESULTS_MAX	8

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char fallback[] =
    "apple:苹果\nApple pie:苹果派\nappel:x\n水:water\nice cream:冰淇淋\n";

/* Every line sent is CRLF-terminated, short enough, and free of controls. */
static void
check_output(const char *s, size_t len)
{
	size_t i, line = 0;

	for (i = 0; i < len; i++, line++) {
		if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n') {
			if (line > DICTD_TEXT_LINE_MAX)
				abort();
			line = (size_t)-1;
			i++;
		} else if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			abort();
	}
}

static void
reply_all(const struct dictd_cmd *cmd, const struct dictd_key *k, size_t n)
{
	static char buf[1 << 16];
	struct dictd_outbuf ob = { buf, sizeof buf, 0, 0 };
	struct dictd_out out = { dictd_outbuf_cb, &ob };
	size_t i;

	for (i = 0; i < cmd->nargs; i++) {
		(void)dictd_reply_definition(&out, cmd->arg[i].s,
		    cmd->arg[i].len, "db", cmd->arg[i].s);
		(void)dictd_reply_text(&out, cmd->arg[i].s, cmd->arg[i].len);
	}
	for (i = 0; i < n; i++) {
		(void)dictd_reply_pair(&out, "db", 2, k[i].s, k[i].len);
		(void)dictd_reply_text(&out, k[i].s, k[i].len);
	}
	(void)dictd_reply_end(&out);
	check_output(buf, ob.len);
}

static size_t
run_match(const struct dict *d, const struct dictd_cmd *cmd,
    struct dictd_key *k)
{
	struct dictd_index *ix = dictd_index_begin(d);
	struct dictd_match m;
	const struct dictd_arg *w = &cmd->arg[cmd->nargs - 1];
	int strat = DICTD_STRAT_EXACT;

	if (ix == NULL)
		return 0;
	while (dictd_index_step(ix, 3))
		;
	if (cmd->kind == DICTD_CMD_MATCH)
		strat = dictd_strat_lookup(cmd->arg[1].s, cmd->arg[1].len);
	if (strat == -1) {
		dictd_index_free(ix);
		return 0;
	}
	dictd_match_begin(&m, ix, strat, w->s, w->len, k, RESULTS_MAX);
	while (dictd_match_step(&m, 2))
		;
	if (m.n > RESULTS_MAX || m.n + m.more > dict_size(d))
		abort();
	dictd_index_free(ix);
	return m.n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	size_t len = nl != NULL ? (size_t)(nl - s) : size, i, n = 0;
	struct diag quiet = { NULL, NULL, 0, 0 };
	struct dictd_key k[RESULTS_MAX];
	struct dictd_cmd cmd;
	struct dict *d;
	char *buf = malloc(len + 1);

	if (buf == NULL)
		return 0;
	if (dictd_cmd_parse(s, len, buf, len + 1, &cmd) == 0) {
		for (i = 0; i < cmd.nargs; i++)
			if (cmd.arg[i].s[cmd.arg[i].len] != '\0' ||
			    !utf8_valid(cmd.arg[i].s, cmd.arg[i].len))
				abort();
		if (cmd.kind == DICTD_CMD_MATCH || cmd.kind == DICTD_CMD_DEFINE) {
			d = nl != NULL && size - len - 1 <= 4096 ?
			    dict_parse(nl + 1, size - len - 1, "fuzz", &quiet) :
			    dict_parse(fallback, sizeof fallback - 1, "fuzz", &quiet);
			if (d != NULL)
				n = run_match(d, &cmd, k);
			reply_all(&cmd, k, n);
			dict_free(d);
		} else
			reply_all(&cmd, k, 0);
	}
	free(buf);
	return 0;
}
