/* stats.h: counters from every service, gathered for SIGUSR1 and the stats service. */
#ifndef NETDEMO_STATS_H
#define NETDEMO_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_MAX	512	/* counters in one snapshot */

struct stats_entry {
	const char	*svc;		/* section name, or "total" */
	const char	*key;
	uint64_t	 value;
};

struct stats {
	struct stats_entry	e[STATS_MAX];
	size_t			n;
};

struct daemon;

void	stats_put(struct stats *, const char *, const char *, uint64_t);
void	stats_collect(struct daemon *, struct stats *);
void	stats_log(struct daemon *);
size_t	stats_format(const struct stats *, char *, size_t);

#endif
