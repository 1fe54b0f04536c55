/*
 * reload.c: SIGHUP re-reads the whole INI file and every dictionary,
 * validates all of it, and only then applies it.
 *
 * A section that keeps its name, kind and listen addresses keeps its
 * sockets and state (chat members, echo connections) and takes its new
 * keys; any other section in the new file is opened as a new instance
 * (bound before the old one closes); sections no longer there close. Any
 * error on the way (a typo, a port in use, a missing dictionary) undoes
 * what was prepared and leaves everything running as it was.
 *
 * Preparing may take a while (a large dictionary loads in slices between
 * datagrams), so a reload is a plan that completes when the last kept
 * section says its staging is done (reload_continue()); meanwhile the old
 * configuration serves. Another SIGHUP starts the plan over; stopping
 * drops it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "reload.h"
#include "service.h"

/* The plan for one section of the new file. */
struct step {
	struct svc_run	 run;
	int		 kept;		/* an old instance, being prepared */
	int		 pending;	/* its staging goes on in the background */
};

struct reload {
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

static struct svc_run *
find_running(struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nsvcs; i++)
		if (strcmp(d->svcs[i].conf->name, name) == 0)
			return &d->svcs[i];
	return NULL;
}

/* Prepares a kept section or creates and starts a new one. */
static int
plan_step(struct daemon *d, const struct svc_conf *sc, struct step *st,
    struct diag *diag, const char *path)
{
	struct svc_run *old = find_running(d, sc->name);
	char err[1024] = "";
	int rc;

	st->run.conf = sc;
	if (old != NULL && same_listen(old->conf, sc)) {
		st->run.state = old->state;
		if ((rc = sc->kind->prepare(old->state, sc, err,
		    sizeof err)) == -1) {
			diag_add(diag, "%s: [%s] %s", path, sc->name, err);
			return -1;
		}
		st->kept = 1;
		st->pending = rc == 1;
		return 0;
	}
	if ((st->run.state = sc->kind->create(d, sc, err, sizeof err)) == NULL ||
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

		if (steps[i].kept)
			k->commit(steps[i].run.state, 0);
		else if (steps[i].run.state != NULL)
			k->free(steps[i].run.state);
	}
}

/* Applies the plan: kept instances commit, old ones not kept close. */
static int
apply_steps(struct daemon *d, struct reload *r)
{
	struct svc_run *runs;
	size_t i, j;

	if ((runs = calloc(r->n ? r->n : 1, sizeof *runs)) == NULL)
		return -1;
	for (i = 0; i < d->nsvcs; i++) {
		for (j = 0; j < r->n; j++)
			if (r->steps[j].kept &&
			    r->steps[j].run.state == d->svcs[i].state)
				break;
		if (j == r->n) {
			log_notice("%s: closed by reload", d->svcs[i].conf->name);
			d->svcs[i].conf->kind->stop(d->svcs[i].state);
			d->svcs[i].conf->kind->free(d->svcs[i].state);
		}
	}
	for (j = 0; j < r->n; j++) {
		if (r->steps[j].kept)
			r->steps[j].run.conf->kind->commit(r->steps[j].run.state,
			    1);
		runs[j] = r->steps[j].run;
	}
	free(d->svcs);
	d->svcs = runs;
	d->nsvcs = r->n;
	config_free(d->conf);
	d->conf = r->conf;
	r->conf = NULL;
	daemon_set_log_level(d);
	return 0;
}

static void
reload_free(struct reload *r)
{
	config_free(r->conf);
	free(r->steps);
	free(r);
}

static void
reload_failed(struct daemon *d, const char *err)
{
	d->reloads_failed++;
	log_errorx("reload failed, still running the configuration loaded"
	    " before: %s", err);
	notify_send(&d->notify, "READY=1\nSTATUS=reload failed, running the"
	    " previous configuration: %s", err);
}

static void
reload_done(struct daemon *d)
{
	d->reloads_ok++;
	log_notice("reloaded: %zu service%s", d->nsvcs, d->nsvcs == 1 ? "" : "s");
	daemon_notify_running(d);
}

/* Drops a plan in progress; everything stays as it was. */
void
reload_cancel(struct daemon *d)
{
	struct reload *r = d->reload;

	if (r == NULL)
		return;
	d->reload = NULL;
	undo_steps(r->steps, r->n);
	reload_free(r);
}

/*
 * Checks on a plan whose kept sections were staging in the background:
 * applies it once they all are done, or drops it on the first failure.
 */
void
reload_continue(struct daemon *d)
{
	struct reload *r = d->reload;
	char err[1024];
	size_t i;
	int rc;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		if (!r->steps[i].pending)
			continue;
		err[0] = '\0';
		rc = r->steps[i].run.conf->kind->staged(r->steps[i].run.state,
		    err, sizeof err);
		if (rc == 1)
			return;
		if (rc == -1) {
			char msg[1200];

			snprintf(msg, sizeof msg, "%s: [%s] %s", r->conf->path,
			    r->steps[i].run.conf->name, err);
			reload_cancel(d);
			reload_failed(d, msg);
			return;
		}
		r->steps[i].pending = 0;
	}
	d->reload = NULL;
	if (apply_steps(d, r) == -1) {
		undo_steps(r->steps, r->n);
		reload_failed(d, "out of memory");
	} else
		reload_done(d);
	reload_free(r);
}

/* Builds the plan for the file's sections; -1 with the first error in err. */
static int
plan_all(struct daemon *d, struct reload *r, char *err, size_t errlen)
{
	struct first_error fe = { err, errlen };
	struct diag diag = { first_error_emit, &fe, 0, 0 };
	size_t i;

	err[0] = '\0';
	if ((r->conf = config_load(d->conf->path, &diag)) == NULL)
		return -1;
	r->steps = calloc(r->conf->nsvcs ? r->conf->nsvcs : 1, sizeof *r->steps);
	if (r->steps == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < r->conf->nsvcs; i++) {
		if (!r->conf->svcs[i].enabled)
			continue;
		if (plan_step(d, &r->conf->svcs[i], &r->steps[r->n], &diag,
		    r->conf->path) == -1) {
			undo_steps(r->steps, r->n);
			r->n = 0;
			return -1;
		}
		r->n++;
	}
	return 0;
}

/*
 * Starts reloading the configuration file (a reload still in progress is
 * dropped first). It applies at once, or when background staging is done;
 * either way the log and the service manager hear how it ended.
 */
void
reload_start(struct daemon *d)
{
	struct reload *r;
	char err[1024];

	if (d->reload != NULL) {
		log_notice("the reload in progress is dropped: starting over");
		reload_cancel(d);
	}
	if ((r = calloc(1, sizeof *r)) == NULL) {
		reload_failed(d, "out of memory");
		return;
	}
	if (plan_all(d, r, err, sizeof err) == -1) {
		reload_free(r);
		reload_failed(d, err);
		return;
	}
	d->reload = r;
	reload_continue(d);
}
