/* SPDX-License-Identifier: MIT */
/*
 * dictd_conn.c: one dictd connection. It reads one command line at a time
 * and does not take the next until the reply is queued, so pipelined
 * commands are answered in order. A MATCH looks at every key,
 * DICTD_MATCH_STEP keys a loop turn, so other services wait ~0.3 ms for
 * it; it remembers its table's generation and starts over when a reload
 * swapped the table under it. Memory per connection is bounded: a line is
 * at most DICTD_LINE_MAX bytes (DICTD_IN_MAX buffered without a line end
 * closes the connection), and reading stops while more than DICTD_OUT_HIGH
 * bytes of replies wait for the client.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "dict_registry.h"
#include "dictd_conn.h"
#include "tcp.h"
#include "log.h"
#include "service.h"

static void dictd_conn_run(struct dictd_conn *);

void
dictd_conn_free(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;

	if (c->job != NULL) {
		event_free(c->job->ev);
		evbuffer_free(c->job->body);
		free(c->job);
	}
	LIST_REMOVE(c, entry);
	tcp_gate_release(&s->gate, (struct sockaddr *)&c->peer);
	bufferevent_free(c->bev);
	free(c);
	s->nconns--;
	if (s->stopping)
		s->ctx->drained(s->ctx->owner);
}

/* Stops reading; the connection goes once its output is sent. */
void
dictd_conn_close(struct dictd_conn *c)
{
	c->closing = 1;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		dictd_conn_free(c);
}

static void
dictd_job_free(struct dictd_conn *c)
{
	event_free(c->job->ev);
	evbuffer_free(c->job->body);
	free(c->job);
	c->job = NULL;
}

/* The MATCH is complete: its answer goes out, the next command may run. */
static void
dictd_job_finish(struct dictd_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	struct dictd_out o = dictd_answer_out(out);

	if (c->job->total == 0)
		dictd_reply_code(&o, 552, NULL);
	else {
		dictd_reply_count(&o, 152, c->job->total);
		evbuffer_add_buffer(out, c->job->body);
		dictd_reply_end(&o);
		dictd_reply_code(&o, 250, NULL);
	}
	dictd_job_free(c);
}

/* Lists the finished table's matches; 1 when the MATCH should go on. */
static int
dictd_job_table_done(struct dictd_job *j)
{
	struct dictd_out o = dictd_answer_out(j->body);
	size_t i;

	for (i = 0; i < j->m.n; i++)
		dictd_reply_pair(&o, j->name, strlen(j->name), j->m.out[i].s,
		    j->m.out[i].len);
	j->total += j->m.n;
	j->running = 0;
	return !(strcmp(j->db, "!") == 0 && j->m.n > 0) &&
	    j->total < DICTD_MATCH_MAX;
}

/* The next database the MATCH covers, or NULL when none is left. */
static const char *
dictd_job_next_db(struct svc_dictd *s, struct dictd_job *j)
{
	const char *name;

	while (j->next < s->conf->databases.n) {
		name = s->conf->databases.v[j->next++];
		if (strcmp(j->db, "*") == 0 || strcmp(j->db, "!") == 0 ||
		    strcasecmp(j->db, name) == 0)
			return name;
	}
	return NULL;
}

/*
 * One turn of a MATCH: up to DICTD_MATCH_STEP keys of the current table.
 * Its table is looked up again every turn: a reload that swapped it in
 * the meantime (a new generation) restarts it on the new table.
 * Returns 1 while more turns are needed, 0 when the MATCH is complete.
 */
static int
dictd_job_turn(struct svc_dictd *s, struct dictd_job *j)
{
	const struct dict_entry *e;
	const char *name;

	for (;;) {
		if (j->name[0] == '\0') {
			if ((name = dictd_job_next_db(s, j)) == NULL)
				return 0;
			snprintf(j->name, sizeof j->name, "%s", name);
		}
		if ((e = dict_registry_find(s->ctx->dicts, j->name)) == NULL ||
		    e->ix_failed) {
			j->name[0] = '\0';	/* withdrawn: nothing from it */
			continue;
		}
		if (!e->ix_ready)
			return 1;		/* the registry is building it */
		if (!j->running || e->gen != j->gen) {
			dictd_match_begin(&j->m, e->ix, (enum dictd_strat)j->strat,
			    j->word, j->wlen, j->out,
			    DICTD_MATCH_MAX - j->total);
			j->gen = e->gen;
			j->running = 1;
		}
		if (dictd_match_step(&j->m, DICTD_MATCH_STEP) == 1)
			return 1;
		if (!dictd_job_table_done(j))
			return 0;
		j->name[0] = '\0';
	}
}

static const struct timeval next_turn = { 0, 0 };

static void
dictd_job_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dictd_conn *c = arg;

	(void)fd;
	(void)what;
	if (dictd_job_turn(c->s, c->job) == 1) {
		evtimer_add(c->job->ev, &next_turn);
		return;
	}
	dictd_job_finish(c);
	dictd_conn_run(c);
}

/* MATCH db strategy word: checked now, run over loop turns. */
static void
dictd_conn_match(struct dictd_conn *c, const char *db, const char *strat,
    const char *w, size_t len)
{
	struct svc_dictd *s = c->s;
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	struct dictd_job *j;
	int st;

	s->matches++;
	if (strcmp(db, "*") != 0 && strcmp(db, "!") != 0 &&
	    dictd_answer_db(s, db) == NULL) {
		dictd_reply_code(&o, 550, NULL);
		return;
	}
	if ((st = dictd_strat_lookup(strat, strlen(strat))) == -1) {
		dictd_reply_code(&o, 551, NULL);
		return;
	}
	if ((j = calloc(1, sizeof *j)) == NULL ||
	    (j->body = evbuffer_new()) == NULL ||
	    (j->ev = evtimer_new(s->ctx->base, dictd_job_cb, c)) == NULL) {
		if (j != NULL && j->body != NULL)
			evbuffer_free(j->body);
		free(j);
		dictd_reply_code(&o, 420, NULL);
		return;
	}
	j->strat = st;
	snprintf(j->db, sizeof j->db, "%s", db);
	j->wlen = len < sizeof j->word ? len : sizeof j->word;
	memcpy(j->word, w, j->wlen);
	c->job = j;
	if (dictd_job_turn(s, j) == 1)
		evtimer_add(j->ev, &next_turn);
	else
		dictd_job_finish(c);
}

/* Answers one parsed command (a MATCH may go on over loop turns). */
static void
dictd_conn_exec(struct dictd_conn *c, const struct dictd_cmd *cmd)
{
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));

	switch (cmd->kind) {
	case DICTD_CMD_EMPTY:
		break;
	case DICTD_CMD_DEFINE:
		dictd_answer_define(c, cmd->arg[0].s, cmd->arg[1].s,
		    cmd->arg[1].len);
		break;
	case DICTD_CMD_MATCH:
		dictd_conn_match(c, cmd->arg[0].s, cmd->arg[1].s, cmd->arg[2].s,
		    cmd->arg[2].len);
		break;
	case DICTD_CMD_SHOW_DB:
		dictd_answer_show_db(c);
		break;
	case DICTD_CMD_SHOW_STRAT:
		dictd_answer_show_strat(c);
		break;
	case DICTD_CMD_SHOW_INFO:
		dictd_answer_show_info(c, cmd->arg[0].s);
		break;
	case DICTD_CMD_SHOW_SERVER:
		dictd_answer_show_server(c);
		break;
	case DICTD_CMD_CLIENT:
		dictd_answer_client(c, cmd->arg[0].s, cmd->arg[0].len);
		break;
	case DICTD_CMD_STATUS:
		dictd_reply_code(&o, 210, NULL);
		break;
	case DICTD_CMD_HELP:
		dictd_reply_code(&o, 113, NULL);
		dictd_reply_text(&o, dictd_help_text, strlen(dictd_help_text));
		dictd_reply_end(&o);
		dictd_reply_code(&o, 250, NULL);
		break;
	case DICTD_CMD_QUIT:
		dictd_reply_code(&o, 221, NULL);
		c->closing = 1;
		break;
	case DICTD_CMD_OPTION_MIME:
		c->mime = 1;
		dictd_reply_code(&o, 250, NULL);
		break;
	}
}

/*
 * Takes the next complete line from the input and answers it. Returns 1
 * when a line was taken, 0 when none is complete, -1 when the input holds
 * DICTD_IN_MAX bytes without a line end (answered; close).
 */
static int
dictd_conn_next_line(struct dictd_conn *c)
{
	struct svc_dictd *s = c->s;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	struct dictd_out o = dictd_answer_out(bufferevent_get_output(c->bev));
	struct evbuffer_ptr eol;
	struct dictd_cmd cmd;
	size_t eol_len, len;
	int code;

	eol = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_CRLF);
	if (eol.pos == -1) {
		if (evbuffer_get_length(in) < DICTD_IN_MAX)
			return 0;
		s->too_long++;
		dictd_reply_code(&o, 500, "line too long");
		return -1;
	}
	len = (size_t)eol.pos;
	s->commands++;
	if (len > DICTD_LINE_MAX) {
		s->too_long++;
		s->errors++;
		evbuffer_drain(in, len + eol_len);
		dictd_reply_code(&o, 500, "line too long");
		return 1;
	}
	evbuffer_copyout(in, s->line, len);
	evbuffer_drain(in, len + eol_len);
	if ((code = dictd_cmd_parse(s->line, len, s->args, sizeof s->args,
	    &cmd)) != 0) {
		s->errors++;
		dictd_reply_code(&o, code, cmd.why);
		return 1;
	}
	dictd_conn_exec(c, &cmd);
	return 1;
}

/*
 * Answers the buffered commands in order while nothing holds the queue
 * (a MATCH under way, QUIT, too much unsent output), then reads on or not.
 */
static void
dictd_conn_run(struct dictd_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	int rc = 1;

	while (c->job == NULL && !c->closing &&
	    evbuffer_get_length(out) < DICTD_OUT_HIGH &&
	    (rc = dictd_conn_next_line(c)) == 1)
		;
	if (rc == -1 || c->closing || (c->eof && c->job == NULL)) {
		dictd_conn_close(c);
		return;
	}
	if (c->job == NULL && evbuffer_get_length(out) < DICTD_OUT_HIGH)
		bufferevent_enable(c->bev, EV_READ);
	else
		bufferevent_disable(c->bev, EV_READ);
}

static void
dictd_conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	dictd_conn_run(arg);
}

/* The output drained to DICTD_OUT_LOW or below: go on, or finish closing. */
static void
dictd_conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct dictd_conn *c = arg;

	if (c->closing) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			dictd_conn_free(c);
		return;
	}
	if (c->job == NULL)
		dictd_conn_run(c);
}

static void
dictd_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct dictd_conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_TIMEOUT) {
		c->s->timed_out++;
		log_debug("%s: connection idle, closed", c->s->conf->name);
	}
	/* At EOF, what was sent before it is still answered. */
	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) && !c->closing) {
		c->eof = 1;
		dictd_conn_run(c);
		return;
	}
	dictd_conn_free(c);
}

/* The idle timeout for reads and writes; NULL for none. */
void
dictd_conn_set_timeouts(struct dictd_conn *c)
{
	struct timeval tv = { (time_t)c->s->conf->idle_timeout, 0 };
	const struct timeval *common = NULL;

	if (tv.tv_sec != 0 && (common = event_base_init_common_timeout(
	    c->s->ctx->base, &tv)) == NULL)
		common = &tv;
	bufferevent_set_timeouts(c->bev, common, common);
}

int
dictd_conn_new(struct svc_dictd *s, evutil_socket_t fd,
    const struct sockaddr *sa, socklen_t salen)
{
	struct dictd_conn *c;
	struct dictd_out o;

	tcp_conn_setup(fd, s->conf->name);
	if ((c = calloc(1, sizeof *c)) == NULL) {
		close(fd);
		return -1;
	}
	if ((c->bev = bufferevent_socket_new(s->ctx->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(c);
		return -1;
	}
	c->s = s;
	memcpy(&c->peer, sa, (size_t)salen < sizeof c->peer ?
	    (size_t)salen : sizeof c->peer);
	bufferevent_setcb(c->bev, dictd_conn_read_cb, dictd_conn_write_cb,
	    dictd_conn_event_cb, c);
	bufferevent_setwatermark(c->bev, EV_WRITE, DICTD_OUT_LOW, 0);
	bufferevent_setwatermark(c->bev, EV_READ, 0, DICTD_IN_MAX + 1024);
	dictd_conn_set_timeouts(c);
	o = dictd_answer_out(bufferevent_get_output(c->bev));
	if (dictd_reply_banner(&o, s->host, (long)getpid(), ++s->counter,
	    (long long)time(NULL)) == -1 ||
	    bufferevent_enable(c->bev, EV_READ | EV_WRITE) == -1) {
		bufferevent_free(c->bev);
		free(c);
		return -1;
	}
	LIST_INSERT_HEAD(&s->conns, c, entry);
	s->nconns++;
	return 0;
}
