/* SPDX-License-Identifier: MIT */
/*
 * child_watch.h: the children someone waits for. A service registers its
 * child here; the loop's owner reaps on SIGCHLD and tells the watcher.
 */
#ifndef NETDEMO_CHILD_WATCH_H
#define NETDEMO_CHILD_WATCH_H

#include <sys/queue.h>
#include <sys/types.h>

/* A child process someone waits for; embedded in its owner's struct. */
struct child_watch {
	LIST_ENTRY(child_watch)	 entry;
	pid_t			 pid;
	void			(*exited)(void *, int);	/* wait status */
	void			*arg;
};

LIST_HEAD(child_watches, child_watch);

void	child_watch_add(struct child_watches *, struct child_watch *);
void	child_watch_remove(struct child_watch *);
void	child_watch_reap(struct child_watches *);

#endif
