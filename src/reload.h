/* reload.h: SIGHUP's full reload of the configuration file. */
#ifndef NETDEMO_RELOAD_H
#define NETDEMO_RELOAD_H

struct daemon;

int	reload_config(struct daemon *, char *, size_t);

#endif
