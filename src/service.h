/* SPDX-License-Identifier: MIT */
/*
 * service.h: the one interface every service kind implements.
 *
 * A kind is a const struct service in its own svc_*.c file; service.c's
 * table lists them. The daemon drives each instance through the same
 * steps: create (load data, no sockets), start (bind, add events),
 * prepare and commit (reload on SIGHUP), stop (close listeners, drain), free.
 *
 * Who owns a struct svc_conf: the struct config it is part of, never the
 * service. The conf handed to create stays valid until a commit(1) that
 * applied a newer one returns, or until free; the conf handed to prepare
 * stays valid until commit(0) or free, and after commit(1) it is the
 * instance's current conf with the same lifetime as create's.
 */
#ifndef NETDEMO_SERVICE_H
#define NETDEMO_SERVICE_H

#include <stddef.h>

#include "child_watch.h"

struct conf_key;
struct config;
struct dict_registry;
struct event_base;
struct listen_fds;
struct stats;
struct svc_conf;
struct udp_ports;

/*
 * What the core lends every instance. Services call nothing in daemon.c:
 * what they tell the daemon goes through these callbacks, which it fills.
 */
struct notify;

struct svc_ctx {
	struct event_base	*base;
	struct udp_ports	*udp_ports;	/* bound by our UDP services */
	struct listen_fds	*listen_fds;	/* listening sockets */
	struct child_watches	*children;	/* reaped on SIGCHLD */
	struct notify		*notify;	/* the service manager's STATUS= */
	struct dict_registry	*dicts;		/* loaded tables, by section */
	void			*owner;		/* the callbacks' first argument */
	/* In-flight work ended (after stop, the last one ends the loop). */
	void			(*drained)(void *);
	/* Background staging for a reload ended (see prepare and staged). */
	void			(*staged)(void *);
	/* Every running instance's counters, for the stats service. */
	void			(*collect)(void *, struct stats *);
};

/* A running instance: its kind (through conf) and its state. */
struct svc_run {
	const struct svc_conf	*conf;
	void			*state;
};

struct service {
	const char		*kind;		/* as `service =` names it */
	const char		*proto;		/* "udp" or "tcp", for its listen addresses */
	int			 enabled_default;
	/*
	 * prepare also takes a changed listen list: the instance stays (its
	 * connections too), opens the new list's sockets, and commit(1)
	 * closes the ones dropped. Other kinds get a new instance then.
	 */
	int			 relisten;
	const struct conf_key	*keys;		/* its own keys beside the shared ones */

	/* Optional checks across the section's keys; -1 + err naming the key. */
	int	 (*check)(const struct svc_conf *, char *, size_t);
	/*
	 * Optional checks against the file's other sections (at start and at
	 * every reload, before anything is created); -1 + err naming the key.
	 */
	int	 (*check_config)(const struct config *, const struct svc_conf *,
		    char *, size_t);
	/* Loads what the instance needs without opening sockets; NULL + err. */
	void	*(*create)(struct svc_ctx *, const struct svc_conf *, char *,
		    size_t);
	/* Opens its sockets and events; -1 + err (naming the key). */
	int	 (*start)(void *, char *, size_t);
	/*
	 * prepare, staged, commit and pending are optional. A kind without
	 * prepare accepts any new conf for the same section and addresses; a
	 * kind without commit keeps its current conf as the first member of
	 * its state (a const struct svc_conf *), which the reload swaps; one
	 * without pending has no in-flight work to drain.
	 *
	 * Reload, first half: checks and stages what a new conf for the same
	 * section and addresses needs; -1 + err leaves everything as it was.
	 * 1: staging goes on in the background, and the instance calls
	 * ctx->staged when it is done (see staged).
	 */
	int	 (*prepare)(void *, const struct svc_conf *, char *, size_t);
	/* After prepare returned 1: 1 still staging, 0 done, -1 + err failed. */
	int	 (*staged)(void *, char *, size_t);
	/* Reload, second half: applies the staged conf (1) or drops it (0). */
	void	 (*commit)(void *, int);
	/* Stops taking new work; what is in flight may finish. */
	void	 (*stop)(void *);
	/* How much in-flight work is left (connections, jobs) after stop. */
	size_t	 (*pending)(void *);
	void	 (*free)(void *);
	/* Adds its counters to a snapshot. */
	void	 (*stats)(void *, struct stats *);
};

extern const struct service svc_chat;
extern const struct service svc_dict;
extern const struct service svc_dictd;
extern const struct service svc_echo;
extern const struct service svc_exec;
extern const struct service svc_metrics;
extern const struct service svc_stats;
extern const struct service svc_udpecho;

const struct service	*service_find(const char *);
char			*service_kind_list(char *, size_t);
void			 service_warn_exposure(const struct svc_conf *,
			    const char *);

#endif
