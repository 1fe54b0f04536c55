/* SPDX-License-Identifier: MIT */
/* config_scan.h: a light pass over the INI text for what iniparser hides. */
#ifndef NETDEMO_CONFIG_SCAN_H
#define NETDEMO_CONFIG_SCAN_H

#include <stddef.h>

#include "diag.h"

#define CONFIG_NAME_MAX	255	/* bytes of a section name */

int	config_scan(const char *, size_t, const char *, struct diag *);

#endif
