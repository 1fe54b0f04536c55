/* SPDX-License-Identifier: MIT */
/*
 * secret_file.c: reads a secret from a file: an absolute path, or cred:NAME
 * in $CREDENTIALS_DIRECTORY (systemd's LoadCredential=). The file must be a
 * regular file that neither group nor others may read or write, and hold
 * between the caller's bounds of bytes. A service adds its own rules (exec
 * its owner checks, chat federation printable text) through secret_rules.
 * Errors name the file, never the secret's bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "secret_file.h"

/*
 * Checks the form of a spec: an absolute path, or cred:NAME with NAME a
 * file name. Returns 0, or -1 with the reason in err.
 */
int
secret_spec_check(const char *spec, char *err, size_t errlen)
{
	const char *name = spec + 5;

	if (strncmp(spec, "cred:", 5) != 0) {
		if (spec[0] == '/')
			return 0;
		snprintf(err, errlen, "'%s' is neither an absolute path nor"
		    " cred:NAME", spec);
		return -1;
	}
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "'%s': NAME must be a file name", spec);
		return -1;
	}
	return 0;
}

/* The file spec names: "cred:NAME" is $CREDENTIALS_DIRECTORY/NAME. */
int
secret_path(const char *spec, char *path, size_t len, char *err,
    size_t errlen)
{
	const char *dir;

	if (secret_spec_check(spec, err, errlen) == -1)
		return -1;
	if (strncmp(spec, "cred:", 5) != 0) {
		if ((size_t)snprintf(path, len, "%s", spec) >= len) {
			snprintf(err, errlen, "'%s': path too long", spec);
			return -1;
		}
		return 0;
	}
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || dir[0] == '\0') {
		snprintf(err, errlen, "'%s': $CREDENTIALS_DIRECTORY is not set"
		    " (systemd sets it for LoadCredential=)", spec);
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s/%s", dir, spec + 5) >= len) {
		snprintf(err, errlen, "'%s': path too long", spec);
		return -1;
	}
	return 0;
}

/* Opens path read-only and checks it is a regular file only its owner may use. */
static int
secret_open(const char *path, struct stat *st, char *err, size_t errlen)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st->st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "%s: group or others may read or write it"
		    " (mode %03o); chmod 600 it", path,
		    (unsigned)(st->st_mode & 0777));
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads up to cap bytes of fd into buf; returns the count or -1. */
static ssize_t
secret_read_all(int fd, const char *path, unsigned char *buf, size_t cap,
    char *err, size_t errlen)
{
	size_t len = 0;
	ssize_t n;

	while (len < cap && (n = read(fd, buf + len, cap - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/* Text: a control byte anywhere is refused (it names the first one's offset). */
static int
secret_text_check(const char *path, const unsigned char *b, size_t len,
    const struct secret_rules *rules, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i] < 0x20 || b[i] == 0x7f) {
			snprintf(err, errlen, "%s: byte %zu is a control byte;"
			    " %s is printable text (e.g. %s)", path, i + 1,
			    rules->noun, rules->hint);
			return -1;
		}
	return 0;
}

/* Reads and checks the secret from fd into s; 0, or -1 with err set. */
static int
secret_read(int fd, const char *path, size_t min, size_t max,
    const struct secret_rules *rules, struct secret *s, char *err,
    size_t errlen)
{
	size_t cap = max + 1 + (rules->text ? 1 : 0);
	unsigned char *buf;
	ssize_t n;
	size_t len;
	int rc = -1;

	if ((buf = malloc(cap)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((n = secret_read_all(fd, path, buf, cap, err, errlen)) == -1)
		goto done;
	len = (size_t)n;
	if (rules->text && len > 0 && buf[len - 1] == '\n')
		len--;
	if (len < min || len > max) {
		snprintf(err, errlen, "%s: holds %s%zu bytes; %s is %zu to %zu"
		    " (e.g. %s)", path, len > max ? "over " : "",
		    len > max ? max : len, rules->noun, min, max, rules->hint);
		goto done;
	}
	if (rules->text &&
	    secret_text_check(path, buf, len, rules, err, errlen) == -1)
		goto done;
	if ((s->bytes = malloc(len > 0 ? len : 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	memcpy(s->bytes, buf, len);
	s->len = len;
	rc = 0;
done:
	sodium_memzero(buf, cap);
	free(buf);
	return rc;
}

/*
 * Loads the secret spec names (an absolute path or cred:NAME): the file's
 * bytes, min to max of them (a text secret loses a final newline first).
 * Refuses a file group or others may read or write, and whatever
 * rules->stat_check refuses. Returns 0, or -1 with the reason in err.
 */
int
secret_load(const char *spec, size_t min, size_t max,
    const struct secret_rules *rules, struct secret *s, char *err,
    size_t errlen)
{
	char path[4096];
	struct stat st;
	int fd, rc;

	memset(s, 0, sizeof *s);
	if (secret_path(spec, path, sizeof path, err, errlen) == -1)
		return -1;
	if ((fd = secret_open(path, &st, err, errlen)) == -1)
		return -1;
	if (rules->stat_check != NULL &&
	    rules->stat_check(path, &st, rules->arg, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	rc = secret_read(fd, path, min, max, rules, s, err, errlen);
	close(fd);
	return rc;
}

/* Wipes and frees the secret; s reads as empty afterwards. */
void
secret_free(struct secret *s)
{
	if (s->bytes != NULL) {
		sodium_memzero(s->bytes, s->len);
		free(s->bytes);
	}
	s->bytes = NULL;
	s->len = 0;
}
