/* SPDX-License-Identifier: MIT */
/* log.h: leveled logging to stderr (journal-aware), the daemon's one voice. */
#ifndef NETDEMO_LOG_H
#define NETDEMO_LOG_H

#include <stdarg.h>
#include <time.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

#define PRINTFLIKE(f, a) __attribute__((format(printf, f, a)))

/* A log message's longest escaped text. */
#define LOG_LINE_MAX	2048

/* One reason's rate limit: at most a line a second, with what was held back. */
struct log_limit {
	time_t		last;
	unsigned	suppressed;
};

void	log_init(void);
void	log_set_level(enum log_level);
int	log_set_target(const char *);
int	log_target_open(const char *);
void	log_target_use(const char *, int);
void	log_target_close(int);
int	log_target_try(const char *);
int	log_reopen(void);
void	log_mirror_stderr(int);
int	log_level_parse(const char *, enum log_level *);
int	log_enabled(enum log_level);

void	log_debug(const char *, ...) PRINTFLIKE(1, 2);
void	log_info(const char *, ...) PRINTFLIKE(1, 2);
void	log_notice(const char *, ...) PRINTFLIKE(1, 2);
/* log_warn and log_error append strerror(errno); the x variants do not. */
void	log_warn(const char *, ...) PRINTFLIKE(1, 2);
void	log_warnx(const char *, ...) PRINTFLIKE(1, 2);
void	log_error(const char *, ...) PRINTFLIKE(1, 2);
void	log_errorx(const char *, ...) PRINTFLIKE(1, 2);
_Noreturn void fatal(const char *, ...) PRINTFLIKE(1, 2);
_Noreturn void fatalx(const char *, ...) PRINTFLIKE(1, 2);
void	log_limited(struct log_limit *, enum log_level, const char *, ...)
	    PRINTFLIKE(3, 4);
void	log_vmsg(enum log_level, const char *, va_list) PRINTFLIKE(2, 0);
void	log_at(enum log_level, const char *, ...) PRINTFLIKE(2, 3);

#endif
