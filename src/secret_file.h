/* SPDX-License-Identifier: MIT */
/*
 * secret_file.h: a secret (a key, a password) read from a file that only
 * its owner may read: an absolute path or cred:NAME (systemd's
 * LoadCredential=). Shared by the services that hold one and netdemo-cli.
 */
#ifndef NETDEMO_SECRET_FILE_H
#define NETDEMO_SECRET_FILE_H

#include <stddef.h>
#include <sys/stat.h>

struct secret {
	unsigned char	*bytes;
	size_t		 len;
};

/* A caller's own checks on the opened file: 0, or -1 with err set. */
typedef int (*secret_stat_cb)(const char *path, const struct stat *st,
    const void *arg, char *err, size_t errlen);

/* How a caller names its secret in errors and what else it asks of it. */
struct secret_rules {
	const char	*noun;		/* "a key": "... a key is 32 to 4096" */
	const char	*hint;		/* how to make one: "head -c 32 ..." */
	int		 text;		/* no control bytes; a final \n dropped */
	secret_stat_cb	 stat_check;	/* NULL, or called before reading */
	const void	*arg;		/* stat_check's */
};

int	secret_spec_check(const char *spec, char *err, size_t errlen);
int	secret_path(const char *spec, char *path, size_t len, char *err,
	    size_t errlen);
int	secret_load(const char *spec, size_t min, size_t max,
	    const struct secret_rules *rules, struct secret *s, char *err,
	    size_t errlen);
void	secret_free(struct secret *s);

#endif
