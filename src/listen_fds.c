/* SPDX-License-Identifier: MIT */
/*
 * listen_fds.c: the registry of listening sockets the daemon lends its
 * services; every listening descriptor has it as its one owner.
 *
 * Socket activation: systemd passes sockets from fd 3 on, with LISTEN_PID,
 * LISTEN_FDS and LISTEN_FDNAMES (sd_listen_fds(3), a stable protocol read
 * here by hand as notify.c does). A section whose name is a descriptor's
 * name serves on those sockets instead of binding its listen addresses;
 * they belong to the service manager and are closed only at exit, so a
 * reload never loses them nor the connections queued on them.
 *
 * Bound sockets are shared by address: when a reload replaces a section's
 * instance, the new one takes the old one's socket for each address both
 * list (the same descriptor: datagrams and connections queued there stay)
 * instead of failing with "Address already in use"; the socket closes when
 * its last instance gives it back. A listed port 0 is kept the same way, so
 * a reload keeps the port the kernel chose.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "listen_fds.h"
#include "log.h"
#include "service.h"
#include "sock.h"

#define LISTEN_FDS_START	3	/* SD_LISTEN_FDS_START */
#define LISTEN_FDS_MAX		1024
#define LISTEN_NAME_MAX		255	/* as systemd allows */

static const char *
type_name(int type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ?
	    "datagram" : "non-IP";
}

/* A whole decimal number in [min, max], or -1. */
static long
parse_number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	return v;
}

/* systemd's rule for names: printable, no ':', at most 255 bytes. */
static int
name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > LISTEN_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (!isprint((unsigned char)s[i]) || s[i] == ':')
			return 0;
	return 1;
}

/* Takes passed descriptor fd named name[len]; -1 + err if it is unusable. */
static int
adopt(struct listen_fds *lf, int fd, const char *name, size_t len, char *err,
    size_t errlen)
{
	struct listen_fd *e = &lf->v[lf->n];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss, tl = sizeof e->type;
	int fl;

	if (!name_ok(name, len)) {
		snprintf(err, errlen, "LISTEN_FDNAMES: the name of fd %d is"
		    " empty, too long or not printable", fd);
		return -1;
	}
	/* Not inherited by exec's children; non-blocking for the loop. */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    (fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &e->type, &tl) == -1 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
		snprintf(err, errlen, "LISTEN_FDS: fd %d (\"%.*s\"): %s", fd,
		    (int)len, name, strerror(errno));
		return -1;
	}
	if (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)
		e->type = -1;	/* refused when a section asks for it */
	if ((e->name = strndup(name, len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->fd = fd;
	e->passed = 1;
	lf->n++;
	return 0;
}

/* LISTEN_FDNAMES names more or fewer sockets than LISTEN_FDS passes. */
static int
names_count_error(long n, char *err, size_t errlen)
{
	snprintf(err, errlen, "LISTEN_FDNAMES: not one name for each of the"
	    " %ld sockets of LISTEN_FDS", n);
	return -1;
}

/*
 * Reads the sockets the service manager passed, if they are meant for this
 * process, and unsets the variables (children must not see them). -1 +
 * err when they are malformed.
 */
int
listen_fds_from_env(struct listen_fds *lf, char *err, size_t errlen)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES"), *next;
	long i, n;
	int rc = 0, named = names != NULL;

	memset(lf, 0, sizeof *lf);
	if (pid == NULL || fds == NULL || parse_number(pid, 1, LONG_MAX) !=
	    (long)getpid())
		goto done;
	if ((n = parse_number(fds, 0, LISTEN_FDS_MAX)) == -1) {
		snprintf(err, errlen, "LISTEN_FDS: not a number from 0 to %d",
		    LISTEN_FDS_MAX);
		rc = -1;
		goto done;
	}
	if (n > 0 && (lf->v = calloc((size_t)n, sizeof *lf->v)) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
		goto done;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (names == NULL && named) {
			rc = names_count_error(n, err, errlen);
			break;
		}
		if (names == NULL)
			names = "unknown";	/* systemd's name for unnamed */
		next = strchr(names, ':');
		rc = adopt(lf, LISTEN_FDS_START + (int)i, names, next == NULL ?
		    strlen(names) : (size_t)(next - names), err, errlen);
		names = next == NULL ? NULL : next + 1;
	}
	/* As sd_listen_fds_with_names(3): one name a socket, or none at all. */
	if (rc == 0 && n > 0 && names != NULL)
		rc = names_count_error(n, err, errlen);
done:
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}

/* How many sockets were passed for conf's section. */
int
listen_fds_passed_to(const struct listen_fds *lf, const struct svc_conf *conf)
{
	size_t i;
	int n = 0;

	for (i = 0; i < lf->n; i++)
		if (lf->v[i].passed && strcmp(lf->v[i].name, conf->name) == 0)
			n++;
	return n;
}

/* How many sockets conf's section serves on: the passed ones, or its listen. */
size_t
listen_fds_count(const struct listen_fds *lf, const struct svc_conf *conf)
{
	int n = listen_fds_passed_to(lf, conf);

	return n > 0 ? (size_t)n : conf->listen.n;
}

/* Socket i passed for conf's section, if of the type its kind needs. */
static int
get_passed(struct listen_fds *lf, const struct svc_conf *conf, int type,
    size_t i, char *err, size_t errlen)
{
	struct listen_fd *e;
	char name[ADDR_STRLEN];
	size_t j;

	for (j = 0; j < lf->n; j++) {
		e = &lf->v[j];
		if (!e->passed || strcmp(e->name, conf->name) != 0 || i-- > 0)
			continue;
		if (e->type != type) {
			snprintf(err, errlen, "the socket passed as \"%s\""
			    " (fd %d, %s) is a %s socket, but %s needs a %s"
			    " socket",
			    e->name, e->fd, sock_local_name(e->fd, name,
			    sizeof name), type_name(e->type), conf->kind->kind,
			    type_name(type));
			return -1;
		}
		e->refs++;
		return e->fd;
	}
	snprintf(err, errlen, "no socket passed as \"%s\"", conf->name);
	return -1;
}

/*
 * Address i of conf's listen, as a socket of type: the one the section's
 * running instance already has (the k-th of that address, as port 0 may be
 * listed twice), or a new one.
 */
static int
get_bound(struct listen_fds *lf, const struct svc_conf *conf, int type,
    size_t i, char *err, size_t errlen)
{
	const struct addr *a = &conf->listen.v[i];
	struct listen_fd *e, *v;
	char why[512];
	size_t j, k = 0;
	int fd;

	for (j = 0; j < i; j++)
		k += addr_same(&conf->listen.v[j], a);
	for (j = 0; j < lf->n; j++) {
		e = &lf->v[j];
		if (e->passed || e->type != type || strcmp(e->name, conf->name)
		    != 0 || !addr_same(&e->addr, a) || k-- > 0)
			continue;
		e->refs++;
		return e->fd;
	}
	fd = type == SOCK_DGRAM ? sock_bind_udp(a, conf->reuseport, why,
	    sizeof why) : sock_listen_tcp(a, conf->reuseport, why, sizeof why);
	if (fd == -1) {
		snprintf(err, errlen, "listen: %s", why);
		return -1;
	}
	if ((v = realloc(lf->v, (lf->n + 1) * sizeof *v)) == NULL ||
	    (v[lf->n].name = strdup(conf->name)) == NULL) {
		if (v != NULL)
			lf->v = v;
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	lf->v = v;
	e = &lf->v[lf->n++];
	e->fd = fd;
	e->type = type;
	e->passed = 0;
	e->addr = *a;
	e->refs = 1;
	return fd;
}

/*
 * Socket i (below listen_fds_count()) of conf's section, of type; the
 * caller gives it back with listen_fds_put(), never closes it. -1 + err.
 */
int
listen_fds_get(struct listen_fds *lf, const struct svc_conf *conf, int type,
    size_t i, char *err, size_t errlen)
{
	if (listen_fds_passed_to(lf, conf) > 0)
		return get_passed(lf, conf, type, i, err, errlen);
	return get_bound(lf, conf, type, i, err, errlen);
}

/* Gives fd back; a bound socket no instance uses any more closes. */
void
listen_fds_put(struct listen_fds *lf, int fd)
{
	struct listen_fd *e;
	size_t i;

	for (i = 0; i < lf->n; i++) {
		e = &lf->v[i];
		if (e->fd != fd)
			continue;
		if (e->refs > 0)
			e->refs--;
		if (e->refs > 0 || e->passed)
			return;
		close(e->fd);
		free(e->name);
		memmove(e, e + 1, (lf->n - i - 1) * sizeof *e);
		lf->n--;
		return;
	}
	log_warnx("listening fd %d given back twice", fd);
}

/* A passed socket no section took is a typo in a unit or the config. */
void
listen_fds_warn_unused(const struct listen_fds *lf)
{
	size_t i;

	for (i = 0; i < lf->n; i++)
		if (lf->v[i].passed && lf->v[i].refs == 0)
			log_warnx("the socket passed as \"%s\" (fd %d) matches"
			    " no enabled section: unused", lf->v[i].name,
			    lf->v[i].fd);
}

void
listen_fds_free(struct listen_fds *lf)
{
	size_t i;

	for (i = 0; i < lf->n; i++) {
		close(lf->v[i].fd);
		free(lf->v[i].name);
	}
	free(lf->v);
	lf->v = NULL;
	lf->n = 0;
}
