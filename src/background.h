/* SPDX-License-Identifier: MIT */
/* background.h: the classic background mode (-d) and the pid file (-p). */
#ifndef NETDEMO_BACKGROUND_H
#define NETDEMO_BACKGROUND_H

char	*background_absolute(const char *);
int	background_start(void);
void	background_ready(int);
int	pidfile_check(const char *);
int	pidfile_write(const char *);
void	pidfile_remove(const char *);

#endif
