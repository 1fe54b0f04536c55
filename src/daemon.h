/*
 * daemon.h: the one daemon context: the event loop, the configuration and
 * the running services. main.c creates it; everything else is handed it.
 */
#ifndef NETDEMO_DAEMON_H
#define NETDEMO_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "notify.h"

struct config;
struct event;
struct event_base;
struct reload;
struct svc_conf;
struct service;

/* A child process someone waits for; embedded in its owner's struct. */
struct child_watch {
	LIST_ENTRY(child_watch)	 entry;
	pid_t			 pid;
	void			(*exited)(void *, int);	/* wait status */
	void			*arg;
};

struct svc_run {
	const struct svc_conf	*conf;
	void			*state;
};

struct daemon {
	struct event_base	*base;
	struct config		*conf;
	struct svc_run		*svcs;
	size_t			 nsvcs;
	struct event		*ev_hup, *ev_term, *ev_int;
	struct event		*ev_chld, *ev_usr1;
	struct event		*ev_watchdog;
	struct notify		 notify;
	int			 verbose;	/* -v count, on top of log_level */
	uint16_t		*udp_ports;	/* bound by our UDP services */
	size_t			 nudp_ports;
	struct event		*ev_drain;	/* deadline for draining at stop */
	LIST_HEAD(, child_watch) children;
	struct reload		*reload;	/* a SIGHUP's plan in progress */
	int			 stopping;
	time_t			 started;	/* for uptime and start time */
	uint64_t		 reloads_ok, reloads_failed;
};

int	daemon_init(struct daemon *, struct config *);
int	daemon_create_services(struct daemon *);
int	daemon_start_services(struct daemon *);
int	daemon_run(struct daemon *);
void	daemon_service_drained(struct daemon *);
void	daemon_watch_child(struct daemon *, struct child_watch *);
void	daemon_unwatch_child(struct child_watch *);
void	daemon_free(struct daemon *);
void	daemon_set_log_level(struct daemon *);
void	daemon_notify_running(struct daemon *);
int	daemon_udp_port_add(struct daemon *, uint16_t);
void	daemon_udp_port_remove(struct daemon *, uint16_t);
int	daemon_owns_udp_port(const struct daemon *, uint16_t);

#endif
