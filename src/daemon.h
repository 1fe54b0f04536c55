/* SPDX-License-Identifier: MIT */
/*
 * daemon.h: the one daemon context: the event loop, the configuration and
 * the running services. main.c creates it; the services see only the
 * struct svc_ctx it lends them (service.h), and call nothing here.
 */
#ifndef NETDEMO_DAEMON_H
#define NETDEMO_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "child_watch.h"
#include "dict_registry.h"
#include "listen_fds.h"
#include "notify.h"
#include "service.h"
#include "udp_ports.h"

struct config;
struct event;
struct event_base;
struct reload;

struct daemon {
	struct event_base	*base;
	struct config		*conf;
	struct svc_run		*svcs;
	size_t			 nsvcs;
	struct svc_ctx		 ctx;		/* lent to every service */
	struct event		*ev_hup, *ev_term, *ev_int;
	struct event		*ev_chld, *ev_usr1;
	struct event		*ev_watchdog;
	struct notify		 notify;
	int			 verbose;	/* -v count, on top of log_level */
	const char		*log_default;	/* log target without log_target */
	struct udp_ports	 udp_ports;	/* bound by our UDP services */
	struct listen_fds	 listen_fds;	/* every listening socket */
	struct event		*ev_drain;	/* deadline for draining at stop */
	struct child_watches	 children;
	struct dict_registry	 dicts;		/* tables the dict sections loaded */
	struct reload		*reload;	/* a SIGHUP's plan in progress */
	int			 stopping;
	time_t			 started;	/* for uptime and start time */
	uint64_t		 reloads_ok, reloads_failed;
};

int	daemon_init(struct daemon *, struct config *, struct listen_fds *);
int	daemon_create_services(struct daemon *);
int	daemon_start_services(struct daemon *);
void	daemon_hold_signals(void);
int	daemon_signals(struct daemon *);
int	daemon_run(struct daemon *);
void	daemon_free(struct daemon *);
void	daemon_set_log_level(struct daemon *);
const char *daemon_log_target(const struct daemon *, const struct config *);

#endif
