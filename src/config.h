/* SPDX-License-Identifier: MIT */
/*
 * config.h: the validated configuration, one struct svc_conf per service
 * section, and the key tables that say what each section may hold.
 */
#ifndef NETDEMO_CONFIG_H
#define NETDEMO_CONFIG_H

#include <stddef.h>

#include "addr.h"
#include "diag.h"
#include "log.h"

struct service;
struct _dictionary_;

enum conf_type {
	CONF_BOOL,
	CONF_UINT,
	CONF_PATH,	/* relative to the config file's folder */
	CONF_LISTEN,	/* comma-separated HOST:PORT list */
	CONF_STRING,
	CONF_LIST,	/* comma-separated entries (blanks inside kept), at least one */
	CONF_CIDRS,	/* comma-separated networks */
};

struct addrlist {
	struct addr	*v;
	size_t		 n;
};

struct strlist {
	char		**v;
	size_t		  n;
};


/* One key a section may hold: its type, default and where it is stored. */
struct conf_key {
	const char	*name;
	enum conf_type	 type;
	const char	*def;		/* default, parsed like a value; NULL: required */
	unsigned	 min, max;	/* CONF_UINT's range; CONF_STRING:
					 * min 1, not given empty */
	size_t		 offset;	/* into struct svc_conf */
};

/* Shared by every kind; the kind's own table adds to these. */
#define CONF_KEY_END	{ NULL, CONF_BOOL, NULL, 0, 0, 0 }

/* allow_from with a kind's default ("0.0.0.0/0, ::/0" is anyone). */
#define CONF_ALLOW_FROM(def)						\
	{ "allow_from", CONF_CIDRS, def, 0, 0,				\
	    offsetof(struct svc_conf, allow_from) }
#define CONF_ANYONE	"0.0.0.0/0, ::/0"

/* How much of an address rate and per_source count as one source. */
#define CONF_SOURCE_PREFIXES						\
	{ "source_prefix4", CONF_UINT, "32", 0, 32,			\
	    offsetof(struct svc_conf, source_prefix4) },		\
	{ "source_prefix6", CONF_UINT, "64", 0, 128,			\
	    offsetof(struct svc_conf, source_prefix6) }
#define CONF_LOOPBACK	"127.0.0.0/8, ::1"

struct svc_conf {
	char			*name;		/* the section */
	const struct service	*kind;
	int			 enabled;
	struct addrlist		 listen;
	unsigned		 max_request;	/* UDP kinds */
	unsigned		 reply_size;
	unsigned		 rate, burst;	/* per source; rate 0: off */
	unsigned		 source_prefix4, source_prefix6; /* a source's bits */
	unsigned		 max_connections; /* echo */
	unsigned		 per_source;	/* echo: connections per source */
	unsigned		 idle_timeout;	/* echo, chat */
	unsigned		 max_members;	/* chat */
	char			*file;		/* dict */
	struct strlist		 databases;	/* dictd: dict sections */
	unsigned		 max_file_size;
	struct strlist		 allow;		/* exec: command lines */
	int			 allow_interpreters;
	char			*path;
	unsigned		 timeout;
	unsigned		 max_output;
	unsigned		 max_jobs;
	struct cidrlist		 allow_from;
	char			*user;
	char			*group;
	char			*key_file;	/* exec: "none" when requests are unsigned */
	int			 reuseport;	/* any listener: SO_REUSEPORT */
	char			*federation;	/* chat: redis://..., "" off */
	char			*room;		/* chat: "" the section name */
	unsigned		 presence_ttl;	/* chat */
	char			*federation_password; /* chat: "" no AUTH */
};

struct config {
	char			*path;
	enum log_level		 log_level;
	char			*log_target;	/* "stderr", "syslog", a path; NULL: default */
	struct svc_conf		*svcs;
	size_t			 nsvcs;
};

struct config	*config_from_ini(const struct _dictionary_ *, const char *,
		    struct diag *);
struct config	*config_load(const char *, struct diag *);
void		 config_free(struct config *);
void		 config_key_free(const struct conf_key *, struct svc_conf *);
void		 config_key_copy(const struct conf_key *, struct svc_conf *,
		    const struct svc_conf *);
int		 config_key_equal(const struct conf_key *,
		    const struct svc_conf *, const struct svc_conf *);
void		 config_svc_free(struct svc_conf *);
void		 config_svc_copy(struct svc_conf *, const struct svc_conf *);
int		 config_svc_equal(const struct svc_conf *,
		    const struct svc_conf *);
size_t		 config_enabled_count(const struct config *);

#endif
