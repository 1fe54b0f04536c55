/* SPDX-License-Identifier: MIT */
/* exec_child.h: starting one exec job's child: fork, set up, exec. */
#ifndef NETDEMO_EXEC_CHILD_H
#define NETDEMO_EXEC_CHILD_H

#include <stddef.h>
#include <sys/types.h>

struct exec_child_spec {
	char	*env[3];	/* "PATH=...", "LANG=C.UTF-8", NULL */
	int	 drop;		/* switch to uid/gid before exec */
	uid_t	 uid;
	gid_t	 gid;
};

pid_t	exec_child_spawn(const struct exec_child_spec *spec, const char *prog,
	    char *const argv[], int *out, char *err, size_t errlen);

#endif
