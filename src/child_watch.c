/* SPDX-License-Identifier: MIT */
/*
 * child_watch.c: the registry of watched children, and reaping them: the
 * daemon calls child_watch_reap() on SIGCHLD, so no zombie outlives one.
 */
#include <sys/wait.h>

#include "child_watch.h"

/* Tells w->exited when w->pid has been reaped. */
void
child_watch_add(struct child_watches *list, struct child_watch *w)
{
	LIST_INSERT_HEAD(list, w, entry);
}

void
child_watch_remove(struct child_watch *w)
{
	LIST_REMOVE(w, entry);
}

/* Reaps every child that has exited and tells its watcher, if any. */
void
child_watch_reap(struct child_watches *list)
{
	struct child_watch *w;
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		LIST_FOREACH(w, list, entry)
			if (w->pid == pid)
				break;
		if (w == NULL)
			continue;
		LIST_REMOVE(w, entry);
		w->exited(w->arg, status);
	}
}
