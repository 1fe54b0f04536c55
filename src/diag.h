/* SPDX-License-Identifier: MIT */
/* diag.h: where the pure parsers send their complaints, chosen by the caller. */
#ifndef NETDEMO_DIAG_H
#define NETDEMO_DIAG_H

#include "log.h"

struct diag {
	/* Called once per complaint with the finished message. */
	void		(*emit)(void *arg, const char *msg);
	void		 *arg;
	unsigned	  count;	/* complaints so far */
	unsigned	  limit;	/* emit only the first this many; 0: all */
};

void	diag_add(struct diag *, const char *, ...) PRINTFLIKE(2, 3);
/* A diag whose messages go to the log at the given level. */
struct diag diag_to_log(enum log_level);

#endif
