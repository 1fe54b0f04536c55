/* SPDX-License-Identifier: MIT */
/* config_file.h: the INI file, read safely and parsed by iniparser. */
#ifndef NETDEMO_CONFIG_FILE_H
#define NETDEMO_CONFIG_FILE_H

#include "diag.h"

#define CONFIG_FILE_MAX	(1024 * 1024)	/* bytes of a configuration file */

struct _dictionary_;

struct _dictionary_	*config_file_load(const char *, struct diag *);

#endif
