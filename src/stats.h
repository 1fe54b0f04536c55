/* SPDX-License-Identifier: MIT */
/* stats.h: counters from every service, gathered for SIGUSR1 and the stats service. */
#ifndef NETDEMO_STATS_H
#define NETDEMO_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define STATS_MAX	512	/* counters in one snapshot */

#define STATS_TOTAL	"total"		/* svc of the sums across sections */
#define STATS_DAEMON	"daemon"	/* svc of the daemon's own lines */

struct stats_entry {
	const char	*svc;		/* section name, STATS_TOTAL or STATS_DAEMON */
	const char	*key;
	uint64_t	 value;
	const char	*kind;		/* the section's kind; NULL for the others */
};

struct stats {
	struct stats_entry	e[STATS_MAX];
	size_t			n;
	const char		*version;	/* the daemon's */
};

struct daemon;

void	stats_put_daemon(struct daemon *, struct stats *, time_t);
void	stats_put(struct stats *, const char *, const char *, uint64_t);
void	stats_collect(struct daemon *, struct stats *);
void	stats_log(struct daemon *);
size_t	stats_format(const struct stats *, char *, size_t);

#endif
