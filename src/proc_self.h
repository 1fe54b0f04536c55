/* SPDX-License-Identifier: MIT */
/* proc_self.h: the process's own CPU, memory and descriptors, from /proc. */
#ifndef NETDEMO_PROC_SELF_H
#define NETDEMO_PROC_SELF_H

#include <stdint.h>

struct proc_self {
	double		cpu_seconds;		/* user + system */
	uint64_t	resident_bytes;
	uint64_t	open_fds;
	uint64_t	max_fds;		/* the soft RLIMIT_NOFILE */
	double		start_time;		/* Unix time */
};

/* Fields of /proc/self/stat, in clock ticks and pages as the kernel gives them. */
struct proc_stat {
	uint64_t	utime, stime;		/* ticks */
	uint64_t	starttime;		/* ticks after boot */
	uint64_t	rss;			/* pages */
};

int	proc_parse_stat(const char *, struct proc_stat *);
int	proc_parse_btime(const char *, uint64_t *);
int	proc_self_read(struct proc_self *);

#endif
