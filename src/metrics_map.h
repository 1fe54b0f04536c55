/* SPDX-License-Identifier: MIT */
/* metrics_map.h: which Prometheus family and label each stats key feeds. */
#ifndef NETDEMO_METRICS_MAP_H
#define NETDEMO_METRICS_MAP_H

#include <stddef.h>

/* Where a family's samples come from. */
enum metrics_scope {
	METRICS_SECTION,	/* a service instance: labels service, section */
	METRICS_DAEMON,		/* the daemon as a whole: no such labels */
};

struct metrics_family {
	const char		*name;
	const char		*type;		/* "counter", "gauge", "untyped" */
	const char		*help;
	const char		*label;		/* its own label's name, or NULL */
	enum metrics_scope	 scope;
};

/* A stats key's place: family index (-1: not exported) and label value. */
struct metrics_ref {
	int		 family;
	const char	*label_value;
	int		 summable;	/* a total across sections means something */
};

extern const struct metrics_family	metrics_families[];
extern const size_t			metrics_nfamilies;

struct metrics_ref	metrics_map_find(const char *);

#endif
