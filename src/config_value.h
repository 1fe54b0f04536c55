/* SPDX-License-Identifier: MIT */
/* config_value.h: parsing one configuration value (config_value.c). */
#ifndef NETDEMO_CONFIG_VALUE_H
#define NETDEMO_CONFIG_VALUE_H

#include <stddef.h>

int	 config_parse_bool(const char *, int *);
int	 config_parse_uint(const char *, unsigned, unsigned, unsigned *);
char	*config_resolve_path(const char *, const char *);
char	*config_list_trim(char *);
int	 config_add_listen(const char *, void *, char *, size_t);
int	 config_add_word(const char *, void *, char *, size_t);
int	 config_add_cidr(const char *, void *, char *, size_t);
size_t	 config_edit_distance(const char *, const char *);

#endif
