/* SPDX-License-Identifier: MIT */
/*
 * daemon.c: the event loop's owner: creates, starts, reloads and stops the
 * services, and turns signals into those steps.
 *
 * SIGHUP reloads the configuration (reload.c plans, this file applies the
 * plan), SIGUSR1 logs the counters
 * (stats.c). SIGTERM and SIGINT stop: services close
 * their listeners, then the loop runs until their in-flight work is done
 * or DRAIN_SECONDS pass, whichever comes first; a second signal stops at
 * once.
 */
#include <errno.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "config.h"
#include "daemon.h"
#include "listen_fds.h"
#include "log.h"
#include "reload.h"
#include "service.h"
#include "stats.h"
#include "udp_ports.h"
#include "xmalloc.h"

#define DRAIN_SECONDS	2

static void	reload_cancel(struct daemon *);
static void	reload_staged_cb(void *);
static void	service_drained_cb(void *);
static void	collect_cb(void *, struct stats *);

/* Many echo connections need many descriptors; take what the admin allows. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the open-files limit");
}

/* libevent's own complaints join the daemon's log instead of bare stderr. */
static void
libevent_log_cb(int severity, const char *msg)
{
	enum log_level level = severity >= EVENT_LOG_ERR ? LOG_LVL_ERROR :
	    severity == EVENT_LOG_WARN ? LOG_LVL_WARNING :
	    severity == EVENT_LOG_MSG ? LOG_LVL_INFO : LOG_LVL_DEBUG;

	log_at(level, "libevent: %s", msg);
}

/* passed: the sockets the service manager passed, which d now owns. */
int
daemon_init(struct daemon *d, struct config *conf, struct listen_fds *passed)
{
	struct sigaction sa;

	memset(d, 0, sizeof *d);
	d->conf = conf;
	d->listen_fds = *passed;
	memset(passed, 0, sizeof *passed);
	d->started = time(NULL);
	notify_init(&d->notify);
	/* A peer closing mid-write must cost an EPIPE, not the process. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1) {
		log_error("sigaction SIGPIPE");
		return -1;
	}
	raise_fd_limit();
	event_set_log_callback(libevent_log_cb);
	if ((d->base = event_base_new()) == NULL) {
		log_errorx("cannot create the event loop");
		return -1;
	}
	if (dict_registry_init(&d->dicts, d->base) == -1) {
		log_errorx("cannot create the dictionary registry");
		return -1;
	}
	d->svcs = xcalloc(conf->nsvcs, sizeof *d->svcs);
	LIST_INIT(&d->children);
	d->ctx.base = d->base;
	d->ctx.udp_ports = &d->udp_ports;
	d->ctx.listen_fds = &d->listen_fds;
	d->ctx.children = &d->children;
	d->ctx.notify = &d->notify;
	d->ctx.dicts = &d->dicts;
	d->ctx.owner = d;
	d->ctx.drained = service_drained_cb;
	d->ctx.staged = reload_staged_cb;
	d->ctx.collect = collect_cb;
	return 0;
}

/* Creates every enabled service; reports every failure, then returns -1. */
int
daemon_create_services(struct daemon *d)
{
	const struct svc_conf *sc;
	char err[1024];
	int bad = 0;
	size_t i;

	for (i = 0; i < d->conf->nsvcs; i++) {
		sc = &d->conf->svcs[i];
		if (!sc->enabled)
			continue;
		err[0] = '\0';
		d->svcs[d->nsvcs].conf = sc;
		d->svcs[d->nsvcs].state = sc->kind->create(&d->ctx, sc, err,
		    sizeof err);
		if (d->svcs[d->nsvcs].state == NULL) {
			log_errorx("%s: [%s] %s", d->conf->path, sc->name, err);
			bad = 1;
			continue;
		}
		d->nsvcs++;
	}
	return bad ? -1 : 0;
}

int
daemon_start_services(struct daemon *d)
{
	const struct svc_run *r;
	char err[1024];
	size_t i;

	for (i = 0; i < d->nsvcs; i++) {
		r = &d->svcs[i];
		err[0] = '\0';
		if (r->conf->kind->start(r->state, err, sizeof err) == -1) {
			log_errorx("%s: [%s] %s", d->conf->path, r->conf->name, err);
			return -1;
		}
	}
	listen_fds_warn_unused(&d->listen_fds);
	return 0;
}

static size_t
daemon_pending(const struct daemon *d)
{
	const struct service *k;
	size_t i, n = 0;

	for (i = 0; i < d->nsvcs; i++) {
		k = d->svcs[i].conf->kind;
		if (k->pending != NULL)
			n += k->pending(d->svcs[i].state);
	}
	return n;
}

/* Services tell this as in-flight work ends; the last one ends the loop. */
static void
service_drained_cb(void *arg)
{
	struct daemon *d = arg;

	if (d->stopping && daemon_pending(d) == 0)
		event_base_loopbreak(d->base);
}

/* The stats service's snapshot of every running instance. */
static void
collect_cb(void *arg, struct stats *st)
{
	stats_collect(arg, st);
}

static void
drain_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	log_notice("drain deadline reached, %zu in flight dropped",
	    daemon_pending(d));
	event_base_loopbreak(d->base);
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { DRAIN_SECONDS, 0 };
	size_t i, pending;

	(void)what;
	if (d->stopping) {
		log_notice("signal %d again: stopping now", (int)sig);
		event_base_loopbreak(d->base);
		return;
	}
	d->stopping = 1;
	reload_cancel(d);
	log_notice("signal %d: stopping", (int)sig);
	notify_send(&d->notify, "STOPPING=1\nSTATUS=stopping");
	for (i = 0; i < d->nsvcs; i++)
		d->svcs[i].conf->kind->stop(d->svcs[i].state);
	if ((pending = daemon_pending(d)) == 0) {
		event_base_loopbreak(d->base);
		return;
	}
	log_info("draining %zu in flight, for at most %d s", pending,
	    DRAIN_SECONDS);
	d->ev_drain = evtimer_new(d->base, drain_deadline_cb, d);
	if (d->ev_drain == NULL || evtimer_add(d->ev_drain, &tv) == -1)
		event_base_loopbreak(d->base);
}

/* The config's log_level, made more verbose by each -v. */
void
daemon_set_log_level(struct daemon *d)
{
	int level = (int)d->conf->log_level + d->verbose;

	log_set_level(level > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : (enum log_level)level);
}

/* READY=1 and a STATUS= line: at start and after each reload. */
static void
daemon_notify_running(struct daemon *d)
{
	notify_send(&d->notify, "READY=1\nSTATUS=serving %zu service%s from %s",
	    d->nsvcs, d->nsvcs == 1 ? "" : "s", d->conf->path);
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

/* Drops a plan in progress; everything stays as it was. */
static void
reload_cancel(struct daemon *d)
{
	struct reload *r = d->reload;

	d->reload = NULL;
	reload_drop(r);
}

/* The log target conf names, else the default for how we run. */
const char *
daemon_log_target(const struct daemon *d, const struct config *conf)
{
	if (conf->log_target != NULL)
		return conf->log_target;
	return d->log_default != NULL ? d->log_default : "stderr";
}

/*
 * Opens the plan's log target when it differs from the running one: its
 * descriptor, -2 when nothing changes, or -1 with the error in err (the
 * reload then fails as a whole).
 */
static int
reload_log_open(struct daemon *d, const struct config *next, char *err,
    size_t errlen)
{
	const char *target = daemon_log_target(d, next);
	int fd;

	if (strcmp(target, daemon_log_target(d, d->conf)) == 0)
		return -2;
	if ((fd = log_target_open(target)) == -1)
		snprintf(err, errlen, "%s: [netdemo] log_target: %s: %s",
		    next->path, target, strerror(errno));
	return fd;
}

/*
 * The plan's instances and configuration replace the running ones, and its
 * log target the running one, so that this reload's own summary line
 * already goes there.
 */
static void
reload_take(struct daemon *d)
{
	struct reload *r = d->reload;
	struct config *conf;
	struct svc_run *runs;
	char err[1200];
	size_t n;
	int log_fd;

	if ((log_fd = reload_log_open(d, reload_config(r), err,
	    sizeof err)) == -1) {
		reload_cancel(d);
		reload_failed(d, err);
		return;
	}
	d->reload = NULL;
	if ((runs = reload_apply(r, d->svcs, d->nsvcs, &n, &conf)) == NULL) {
		if (log_fd != -2)
			log_target_close(log_fd);
		reload_failed(d, "out of memory");
		return;
	}
	free(d->svcs);
	d->svcs = runs;
	d->nsvcs = n;
	if (log_fd != -2)
		log_target_use(daemon_log_target(d, conf), log_fd);
	config_free(d->conf);
	d->conf = conf;
	daemon_set_log_level(d);
	d->reloads_ok++;
	log_notice("reloaded: %zu service%s", d->nsvcs, d->nsvcs == 1 ? "" : "s");
	daemon_notify_running(d);
}

/*
 * Checks on the plan in progress: applies it once every kept section's
 * staging is done, or drops it on the first failure.
 */
static void
reload_continue(struct daemon *d)
{
	char err[1200];

	if (d->reload == NULL)
		return;
	err[0] = '\0';
	switch (reload_staged(d->reload, err, sizeof err)) {
	case 1:
		return;
	case -1:
		reload_cancel(d);
		reload_failed(d, err);
		return;
	}
	reload_take(d);
}

/* A service's background staging ended (ctx->staged). */
static void
reload_staged_cb(void *arg)
{
	reload_continue(arg);
}

/*
 * Starts reloading the configuration file (a reload still in progress is
 * dropped first). It applies at once, or when background staging is done;
 * either way the log and the service manager hear how it ended.
 */
static void
reload_start(struct daemon *d)
{
	char err[1024];

	if (d->reload != NULL) {
		log_notice("the reload in progress is dropped: starting over");
		reload_cancel(d);
	}
	d->reload = reload_plan(d->conf->path, d->svcs, d->nsvcs, &d->ctx, err,
	    sizeof err);
	if (d->reload == NULL) {
		reload_failed(d, err);
		return;
	}
	reload_continue(d);
}

static void
reload_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)sig;
	(void)what;
	if (d->stopping)
		return;
	log_notice("SIGHUP: reloading %s", d->conf->path);
	notify_reloading(&d->notify);
	if (log_reopen() == -1)
		log_warn("cannot reopen the log file");
	reload_start(d);
}

static void
usr1_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	stats_log(arg);
}

static void
watchdog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	notify_send(&d->notify, "WATCHDOG=1");
}

/* Pings systemd's watchdog at half its interval, from the loop itself. */
static int
start_watchdog(struct daemon *d)
{
	uint64_t half = d->notify.watchdog_usec / 2;
	struct timeval tv = { (time_t)(half / 1000000), (suseconds_t)(half % 1000000) };

	if (half == 0)
		return 0;
	d->ev_watchdog = event_new(d->base, -1, EV_PERSIST, watchdog_cb, d);
	return d->ev_watchdog == NULL ? -1 : event_add(d->ev_watchdog, &tv);
}

/* Reaps every child that has exited: no zombie outlives a SIGCHLD. */
static void
sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)sig;
	(void)what;
	child_watch_reap(&d->children);
}

/* The signals daemon_signals() handles that end a process by default. */
static void
startup_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
}

/*
 * Blocks HUP, USR1, TERM and INT until daemon_signals() has their
 * handlers: an admin's `kill -HUP` while the dictionaries still load must
 * not end the daemon (their default action), and a TERM then (systemctl
 * stop during the start) must stop it the way it always stops: a signal
 * sent then waits, and is handled once the handlers are in.
 */
void
daemon_hold_signals(void)
{
	sigset_t held;

	startup_signals(&held);
	sigprocmask(SIG_BLOCK, &held, NULL);
}

/*
 * Installs the signal handlers and the watchdog, then lets through what
 * daemon_hold_signals() held. Called before anyone is told we run (the pid
 * file, -d's waiting parent): a SIGHUP sent as soon as they know must find
 * its handler, not the default action (exit).
 */
int
daemon_signals(struct daemon *d)
{
	sigset_t held;

	d->ev_hup = evsignal_new(d->base, SIGHUP, reload_cb, d);
	d->ev_term = evsignal_new(d->base, SIGTERM, stop_cb, d);
	d->ev_int = evsignal_new(d->base, SIGINT, stop_cb, d);
	d->ev_chld = evsignal_new(d->base, SIGCHLD, sigchld_cb, d);
	d->ev_usr1 = evsignal_new(d->base, SIGUSR1, usr1_cb, d);
	if (d->ev_hup == NULL || d->ev_term == NULL || d->ev_int == NULL ||
	    d->ev_chld == NULL || d->ev_usr1 == NULL ||
	    evsignal_add(d->ev_hup, NULL) == -1 ||
	    evsignal_add(d->ev_term, NULL) == -1 ||
	    evsignal_add(d->ev_int, NULL) == -1 ||
	    evsignal_add(d->ev_chld, NULL) == -1 ||
	    evsignal_add(d->ev_usr1, NULL) == -1 || start_watchdog(d) == -1) {
		log_errorx("cannot install signal handlers");
		return -1;
	}
	startup_signals(&held);
	sigprocmask(SIG_UNBLOCK, &held, NULL);
	return 0;
}

/* Runs the loop until a stop signal has drained the services. */
int
daemon_run(struct daemon *d)
{
	log_notice("netdemo running %zu service%s", d->nsvcs,
	    d->nsvcs == 1 ? "" : "s");
	daemon_notify_running(d);
	if (event_base_dispatch(d->base) == -1) {
		log_errorx("event loop failed");
		return -1;
	}
	log_notice("stopped");
	return 0;
}

void
daemon_free(struct daemon *d)
{
	sigset_t late;
	size_t i;

	/* Once the handlers go, a late TERM would kill us mid-cleanup. */
	sigemptyset(&late);
	sigaddset(&late, SIGTERM);
	sigaddset(&late, SIGINT);
	sigaddset(&late, SIGHUP);
	sigaddset(&late, SIGUSR1);
	sigprocmask(SIG_BLOCK, &late, NULL);

	reload_cancel(d);
	for (i = 0; i < d->nsvcs; i++)
		d->svcs[i].conf->kind->free(d->svcs[i].state);
	free(d->svcs);
	udp_ports_free(&d->udp_ports);
	listen_fds_free(&d->listen_fds);
	dict_registry_free(&d->dicts);
	if (d->ev_hup != NULL)
		event_free(d->ev_hup);
	if (d->ev_term != NULL)
		event_free(d->ev_term);
	if (d->ev_int != NULL)
		event_free(d->ev_int);
	if (d->ev_chld != NULL)
		event_free(d->ev_chld);
	if (d->ev_usr1 != NULL)
		event_free(d->ev_usr1);
	if (d->ev_watchdog != NULL)
		event_free(d->ev_watchdog);
	notify_close(&d->notify);
	if (d->ev_drain != NULL)
		event_free(d->ev_drain);
	if (d->base != NULL)
		event_base_free(d->base);
	config_free(d->conf);
	memset(d, 0, sizeof *d);
}
