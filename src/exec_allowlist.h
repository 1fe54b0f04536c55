/* SPDX-License-Identifier: MIT */
/* exec_allowlist.h: which command lines exec may run, and where a program lives. */
#ifndef NETDEMO_EXEC_ALLOWLIST_H
#define NETDEMO_EXEC_ALLOWLIST_H

#include <stddef.h>

struct strlist;

/* One allow entry, split into words as a request is; argv[argc] is NULL. */
struct allow_entry {
	char	*buf;		/* the words, NUL-separated */
	char	**argv;
	size_t	 argc;
	int	 rest;		/* ended in " *": more arguments may follow */
};

struct allowlist {
	struct allow_entry	*v;
	size_t			 n;
};

enum allow_verdict {
	ALLOW_OK,
	ALLOW_NO_PROGRAM,	/* no entry names argv[0] */
	ALLOW_NO_ARGS,		/* entries name it, with other arguments */
};

int	allowlist_entry_ok(const char *);
int	allowlist_is_runner(const char *);
int	allowlist_target_is_runner(const char *, char *);
int	allowlist_parse(const struct strlist *list, int runners_ok,
	    struct allowlist *out, char *err, size_t errlen);
void	allowlist_free(struct allowlist *);
enum allow_verdict allowlist_match(const struct allowlist *, char *const []);
int	allowlist_path_check(const char *, char *, size_t);
int	allowlist_resolve(const char *, const char *, char *, size_t);

#endif
