/* reload.h: SIGHUP's full reload of the configuration file. */
#ifndef NETDEMO_RELOAD_H
#define NETDEMO_RELOAD_H

struct daemon;

void	reload_start(struct daemon *);
void	reload_continue(struct daemon *);
void	reload_cancel(struct daemon *);

#endif
