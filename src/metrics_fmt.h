/* SPDX-License-Identifier: MIT */
/* metrics_fmt.h: a stats snapshot in the Prometheus text format 0.0.4. */
#ifndef NETDEMO_METRICS_FMT_H
#define NETDEMO_METRICS_FMT_H

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct evbuffer;
struct metrics_family;
struct proc_self;
struct stats;

int	metrics_fmt_label_value(struct evbuffer *, const char *);
int	metrics_fmt_family(struct evbuffer *, const struct metrics_family *);
int	metrics_render(struct evbuffer *, const struct stats *,
	    const struct proc_self *);

#endif
