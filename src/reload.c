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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "log.h"
#include "reload.h"
#include "service.h"

/* The plan for one section of the new file. */
struct step {
	struct svc_run	 run;
	int		 kept;		/* an old instance, prepared */
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

	st->run.conf = sc;
	if (old != NULL && same_listen(old->conf, sc)) {
		st->run.state = old->state;
		if (sc->kind->prepare(old->state, sc, err, sizeof err) == -1) {
			diag_add(diag, "%s: [%s] %s", path, sc->name, err);
			return -1;
		}
		st->kept = 1;
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
static void
apply_steps(struct daemon *d, struct config *conf, struct step *steps,
    size_t n, struct svc_run *runs)
{
	size_t i, j;

	for (i = 0; i < d->nsvcs; i++) {
		for (j = 0; j < n; j++)
			if (steps[j].kept && steps[j].run.state == d->svcs[i].state)
				break;
		if (j == n) {
			log_notice("%s: closed by reload", d->svcs[i].conf->name);
			d->svcs[i].conf->kind->stop(d->svcs[i].state);
			d->svcs[i].conf->kind->free(d->svcs[i].state);
		}
	}
	for (j = 0; j < n; j++) {
		if (steps[j].kept)
			steps[j].run.conf->kind->commit(steps[j].run.state, 1);
		runs[j] = steps[j].run;
	}
	free(d->svcs);
	d->svcs = runs;
	d->nsvcs = n;
	config_free(d->conf);
	d->conf = conf;
	daemon_set_log_level(d);
}

/*
 * Reloads the configuration file. Returns 0 once applied, or -1 with the
 * first error in err and everything as it was.
 */
int
reload_config(struct daemon *d, char *err, size_t errlen)
{
	struct first_error fe = { err, errlen };
	struct diag diag = { first_error_emit, &fe, 0, 0 };
	struct config *conf;
	struct svc_run *runs;
	struct step *steps;
	size_t i, n = 0;

	err[0] = '\0';
	if ((conf = config_load(d->conf->path, &diag)) == NULL)
		return -1;
	steps = calloc(conf->nsvcs ? conf->nsvcs : 1, sizeof *steps);
	runs = calloc(conf->nsvcs ? conf->nsvcs : 1, sizeof *runs);
	if (steps == NULL || runs == NULL) {
		snprintf(err, errlen, "out of memory");
		free(steps);
		free(runs);
		config_free(conf);
		return -1;
	}
	for (i = 0; i < conf->nsvcs; i++) {
		if (!conf->svcs[i].enabled)
			continue;
		if (plan_step(d, &conf->svcs[i], &steps[n], &diag,
		    conf->path) == -1) {
			undo_steps(steps, n);
			free(steps);
			free(runs);
			config_free(conf);
			return -1;
		}
		n++;
	}
	apply_steps(d, conf, steps, n, runs);
	free(steps);
	return 0;
}
