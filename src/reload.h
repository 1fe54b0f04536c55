/* SPDX-License-Identifier: MIT */
/*
 * reload.h: SIGHUP's full reload of the configuration file, as a plan the
 * daemon applies: reload.c prepares, the daemon decides when to apply.
 */
#ifndef NETDEMO_RELOAD_H
#define NETDEMO_RELOAD_H

#include <stddef.h>

struct config;
struct reload;
struct svc_ctx;
struct svc_run;

struct reload	*reload_plan(const char *path, const struct svc_run *running,
		    size_t nrunning, struct svc_ctx *ctx, char *err,
		    size_t errlen);
int		 reload_staged(struct reload *, char *, size_t);
struct svc_run	*reload_apply(struct reload *r, const struct svc_run *running,
		    size_t nrunning, size_t *nruns, struct config **conf);
void		 reload_drop(struct reload *);
const struct config *reload_config(const struct reload *);

#endif
