/* SPDX-License-Identifier: MIT */
/* service.c: the table of service kinds; adding a kind is a file and a row. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "service.h"

static const struct service *const kinds[] = {
	&svc_chat,
	&svc_dict,
	&svc_dictd,
	&svc_echo,
	&svc_exec,
	&svc_metrics,
	&svc_stats,
	&svc_udpecho,
};

const struct service *
service_find(const char *kind)
{
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i]->kind, kind) == 0)
			return kinds[i];
	return NULL;
}

/* Writes the kinds' names, "dict, echo", into buf for error messages. */
char *
service_kind_list(char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof kinds / sizeof kinds[0] && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? ", " : "", kinds[i]->kind);
	return buf;
}

/* Warns, at every start, of each listen address beyond loopback and why. */
void
service_warn_exposure(const struct svc_conf *conf, const char *risk)
{
	const struct sockaddr *sa;
	char name[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < conf->listen.n; i++) {
		sa = (const struct sockaddr *)&conf->listen.v[i].ss;
		if (!addr_is_loopback(sa))
			log_warnx("%s: listening on %s, beyond loopback: %s",
			    conf->name, addr_format(sa, name, sizeof name), risk);
	}
}
