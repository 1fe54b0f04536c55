/* exec_allowlist.h: which programs exec may run, and where a listed name lives. */
#ifndef NETDEMO_EXEC_ALLOWLIST_H
#define NETDEMO_EXEC_ALLOWLIST_H

#include <stddef.h>

struct strlist;

int	allowlist_entry_ok(const char *);
int	allowlist_match(const struct strlist *, const char *);
int	allowlist_resolve(const char *, const char *, char *, size_t);

#endif
