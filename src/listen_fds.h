/* SPDX-License-Identifier: MIT */
/*
 * listen_fds.h: the daemon's listening sockets, lent to the services: the
 * ones the service manager passed (socket activation), and the ones we
 * bound, shared by the instances of one section across a reload.
 */
#ifndef NETDEMO_LISTEN_FDS_H
#define NETDEMO_LISTEN_FDS_H

#include <stddef.h>

#include "addr.h"

struct svc_conf;

struct listen_fd {
	char		*name;		/* FileDescriptorName, or the section */
	int		 fd;
	int		 type;		/* SOCK_STREAM or SOCK_DGRAM */
	int		 passed;	/* by systemd: closed only at exit */
	struct addr	 addr;		/* bound: as configured (port 0 too) */
	size_t		 refs;		/* instances using it */
};

struct listen_fds {
	struct listen_fd	*v;
	size_t			 n;
};

int	listen_fds_from_env(struct listen_fds *, char *, size_t);
size_t	listen_fds_count(const struct listen_fds *, const struct svc_conf *);
int	listen_fds_passed_to(const struct listen_fds *,
	    const struct svc_conf *);
int	listen_fds_get(struct listen_fds *, const struct svc_conf *, int,
	    size_t, char *, size_t);
void	listen_fds_put(struct listen_fds *, int);
void	listen_fds_warn_unused(const struct listen_fds *);
void	listen_fds_free(struct listen_fds *);

#endif
