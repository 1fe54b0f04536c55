/* SPDX-License-Identifier: MIT */
/*
 * exec_state.h: the exec service's state, shared by svc_exec.c (requests,
 * configuration, reloads) and exec_job.c (the jobs it starts), as
 * udp_front.h is for the UDP front; nothing else includes it.
 */
#ifndef NETDEMO_EXEC_STATE_H
#define NETDEMO_EXEC_STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "config.h"
#include "exec_allowlist.h"
#include "exec_auth.h"
#include "exec_child.h"
#include "exec_job.h"
#include "exec_words.h"
#include "log.h"

struct svc_ctx;
struct udp_front;

struct svc_exec {
	struct svc_ctx		*ctx;
	const struct svc_conf	*conf;
	struct udp_front	*udp;
	struct exec_child_spec	 spec;		/* how children start */
	struct allowlist	 allow;		/* conf->allow, split */
	char			*words;		/* max_request + 1 bytes */
	struct auth_key		 key;		/* key_file's; no bytes: unsigned */
	struct auth_replay	*replay;	/* kept across reloads */
	const struct svc_conf	*staged_conf;	/* prepared by a reload */
	struct exec_child_spec	 staged_spec;
	struct allowlist	 staged_allow;
	char			*staged_words;
	struct auth_key		 staged_key;
	char			*argv[WORDS_MAX];
	LIST_HEAD(, exec_job)	 jobs;
	size_t			 njobs;
	int			 stopping;
	uint64_t		 runs, refused, busy, too_long;
	uint64_t		 auth_dropped[AUTH_NVERDICTS];
	struct log_limit	 auth_log[AUTH_NVERDICTS];
	struct log_limit	 refusal_log;
};

#endif
