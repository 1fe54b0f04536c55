/* SPDX-License-Identifier: MIT */
/*
 * reload.c: SIGHUP re-reads the whole INI file and every dictionary,
 * validates all of it, and only then applies it.
 *
 * A section that keeps its name, kind and listen addresses keeps its
 * sockets and state (chat members, echo connections) and takes its new
 * keys, as does one of a kind that can change its listen list in place
 * (service.h's relisten); any other section in the new file is opened as
 * a new instance, started before the old one closes, that shares the old
 * one's socket for each address both list (listen_fds.c); sections no
 * longer there close. Any
 * error on the way (a typo, a port in use, a missing dictionary) undoes
 * what was prepared and leaves everything running as it was.
 *
 * Preparing may take a while (a large dictionary loads in slices between
 * datagrams), so a reload is a plan: reload_plan() builds it, a kept
 * section whose staging ends tells the daemon (ctx->staged), which asks
 * reload_staged() and, once all are done, has reload_apply() hand it the
 * new list of instances; meanwhile the old configuration serves. Another
 * SIGHUP starts the plan over; stopping drops it (reload_drop()). This
 * file knows nothing of the daemon: it gets the running instances and
 * returns what replaces them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "reload.h"
#include "service.h"

/* The plan for one section of the new file. */
struct step {
	struct svc_run	 run;
	int		 kept;		/* an old instance, being prepared */
	int		 pending;	/* its staging goes on in the background */
};

struct reload {
	struct svc_ctx	*ctx;
	struct config	*conf;		/* the new file */
	struct step	*steps;
	size_t		 n;
};

/* Where a reload's errors go: the log, and the first into a buffer. */
struct first_error {
	char	*buf;
	size_t	 len;
};

static void
first_error_emit(void *arg, const char *msg)
{
	struct first_error *fe = arg;

	log_errorx("%s", msg);
	if (fe->buf[0] == '\0')
		snprintf(fe->buf, fe->len, "%s", msg);
}

static void
reload_free(struct reload *r)
{
	config_free(r->conf);
	free(r->steps);
	free(r);
}

static int
same_listen(const struct svc_conf *a, const struct svc_conf *b)
{
	size_t i;

	if (a->kind != b->kind || a->listen.n != b->listen.n)
		return 0;
	for (i = 0; i < a->listen.n; i++)
		if (!addr_same(&a->listen.v[i], &b->listen.v[i]))
			return 0;
	return 1;
}

static const struct svc_run *
find_running(const struct svc_run *running, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(running[i].conf->name, name) == 0)
			return &running[i];
	return NULL;
}

/* Prepares a kept section or creates and starts a new one. */
static int
plan_step(struct reload *r, const struct svc_run *running, size_t nrunning,
    size_t i, struct diag *diag)
{
	const struct svc_conf *sc = &r->conf->svcs[i];
	const struct svc_run *old = find_running(running, nrunning, sc->name);
	struct step *st = &r->steps[r->n];
	const char *path = r->conf->path;
	char err[1024] = "";
	int rc;

	st->run.conf = sc;
	if (old != NULL && (same_listen(old->conf, sc) ||
	    (old->conf->kind == sc->kind && sc->kind->relisten))) {
		st->run.state = old->state;
		rc = sc->kind->prepare == NULL ? 0 :
		    sc->kind->prepare(old->state, sc, err, sizeof err);
		if (rc == -1) {
			diag_add(diag, "%s: [%s] %s", path, sc->name, err);
			return -1;
		}
		st->kept = 1;
		st->pending = rc == 1;
		return 0;
	}
	st->run.state = sc->kind->create(r->ctx, sc, err, sizeof err);
	if (st->run.state == NULL ||
	    sc->kind->start(st->run.state, err, sizeof err) == -1) {
		diag_add(diag, "%s: [%s] %s", path, sc->name, err);
		if (st->run.state != NULL)
			sc->kind->free(st->run.state);
		st->run.state = NULL;
		return -1;
	}
	return 0;
}

/* Undoes n planned steps: new instances close, kept ones drop staging. */
static void
undo_steps(struct step *steps, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct service *k = steps[i].run.conf->kind;

		/* A kept instance is still running: never freed here. */
		if (steps[i].kept) {
			if (k->commit != NULL)
				k->commit(steps[i].run.state, 0);
		} else if (steps[i].run.state != NULL)
			k->free(steps[i].run.state);
	}
}

/*
 * Applies the plan: old instances not kept close, kept ones commit. Returns
 * the instances that now run (n in *nruns) and hands the new configuration
 * to *conf; the caller frees the old list and the old configuration. The
 * plan is freed. NULL when out of memory, with everything as it was.
 */
struct svc_run *
reload_apply(struct reload *r, const struct svc_run *running, size_t nrunning,
    size_t *nruns, struct config **conf)
{
	struct svc_run *runs;
	size_t i, j;

	if ((runs = calloc(r->n ? r->n : 1, sizeof *runs)) == NULL) {
		undo_steps(r->steps, r->n);
		reload_free(r);
		return NULL;
	}
	for (i = 0; i < nrunning; i++) {
		for (j = 0; j < r->n; j++)
			if (r->steps[j].kept &&
			    r->steps[j].run.state == running[i].state)
				break;
		if (j == r->n) {
			log_notice("%s: closed by reload", running[i].conf->name);
			running[i].conf->kind->stop(running[i].state);
			running[i].conf->kind->free(running[i].state);
		}
	}
	for (j = 0; j < r->n; j++) {
		const struct service *k = r->steps[j].run.conf->kind;

		if (r->steps[j].kept && k->commit != NULL)
			k->commit(r->steps[j].run.state, 1);
		else if (r->steps[j].kept)	/* service.h: conf comes first */
			*(const struct svc_conf **)r->steps[j].run.state =
			    r->steps[j].run.conf;
		runs[j] = r->steps[j].run;
	}
	*nruns = r->n;
	*conf = r->conf;
	r->conf = NULL;
	reload_free(r);
	return runs;
}


/* Drops a plan in progress; everything stays as it was. */
void
reload_drop(struct reload *r)
{
	if (r == NULL)
		return;
	undo_steps(r->steps, r->n);
	reload_free(r);
}

/*
 * Checks on a plan whose kept sections were staging in the background:
 * 1 while one still is, 0 when all are done (reload_apply() may follow),
 * -1 with the error in err when one failed (reload_drop() must follow).
 */
int
reload_staged(struct reload *r, char *err, size_t errlen)
{
	const struct service *k;
	char why[1024];
	size_t i;
	int rc;

	for (i = 0; i < r->n; i++) {
		if (!r->steps[i].pending)
			continue;
		why[0] = '\0';
		k = r->steps[i].run.conf->kind;
		rc = k->staged == NULL ? 0 :
		    k->staged(r->steps[i].run.state, why, sizeof why);
		if (rc == 1)
			return 1;
		if (rc == -1) {
			snprintf(err, errlen, "%s: [%s] %s", r->conf->path,
			    r->steps[i].run.conf->name, why);
			return -1;
		}
		r->steps[i].pending = 0;
	}
	return 0;
}

/* Builds the plan for the file's sections; -1 with the first error in err. */
static int
plan_all(struct reload *r, const char *path, const struct svc_run *running,
    size_t nrunning, char *err, size_t errlen)
{
	struct first_error fe = { err, errlen };
	struct diag diag = { first_error_emit, &fe, 0, 0 };
	size_t i;

	err[0] = '\0';
	if ((r->conf = config_load(path, &diag)) == NULL)
		return -1;
	r->steps = calloc(r->conf->nsvcs ? r->conf->nsvcs : 1, sizeof *r->steps);
	if (r->steps == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->conf->nsvcs; i++) {
		if (!r->conf->svcs[i].enabled)
			continue;
		if (plan_step(r, running, nrunning, i, &diag) == -1) {
			undo_steps(r->steps, r->n);
			r->n = 0;
			return -1;
		}
		r->n++;
	}
	return 0;
}

/*
 * Re-reads the configuration file at path and plans it against the running
 * instances: kept ones prepare, new ones are created and started. NULL with
 * the first error in err leaves everything as it was. Then reload_staged()
 * says when the plan may be applied.
 */
struct reload *
reload_plan(const char *path, const struct svc_run *running, size_t nrunning,
    struct svc_ctx *ctx, char *err, size_t errlen)
{
	struct reload *r;

	if ((r = calloc(1, sizeof *r)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->ctx = ctx;
	if (plan_all(r, path, running, nrunning, err, errlen) == -1) {
		reload_free(r);
		return NULL;
	}
	return r;
}

/* The new configuration a plan would apply, for checks before applying. */
const struct config *
reload_config(const struct reload *r)
{
	return r->conf;
}
