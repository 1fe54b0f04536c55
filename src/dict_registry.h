/* SPDX-License-Identifier: MIT */
/*
 * dict_registry.h: the core's list of loaded dictionary tables, by section
 * name: the dict kind publishes its table, the dictd kind looks it up.
 */
#ifndef NETDEMO_DICT_REGISTRY_H
#define NETDEMO_DICT_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

struct dict;
struct dictd_index;
struct event;
struct event_base;

/* Keys indexed a loop turn: ~0.3 ms, so other services barely wait. */
#define DICT_REGISTRY_INDEX_STEP	5000

/* The longest licence line kept from a file's comments. */
#define DICT_REGISTRY_LICENCE_MAX	200

/*
 * One published table. Valid until its publisher withdraws it (which it
 * does before it frees the table): a user across loop turns keeps the
 * name and gen and looks the entry up again (dict_registry_find).
 */
struct dict_entry {
	TAILQ_ENTRY(dict_entry)	 next;
	const void		*owner;		/* the publisher, for withdraw */
	char			*name;		/* the dict section's name */
	char			*file;
	const struct dict	*dict;
	time_t			 loaded_at;
	uint64_t		 gen;		/* new at every publish */
	char			 licence[DICT_REGISTRY_LICENCE_MAX + 1];
	struct dictd_index	*ix;		/* sorted keys, for MATCH */
	int			 ix_ready;	/* ix is built */
	int			 ix_failed;	/* out of memory: no MATCH */
};

struct dict_registry {
	TAILQ_HEAD(dict_registry_entries, dict_entry) entries;
	struct event		*build_ev;	/* indexes a slice a loop turn */
	uint64_t		 gen;
	unsigned		 index_users;	/* dictd instances: 0, no index */
};

int		 dict_registry_init(struct dict_registry *, struct event_base *);
void		 dict_registry_free(struct dict_registry *);
int		 dict_registry_publish(struct dict_registry *, const void *,
		    const char *, const struct dict *, const char *, time_t);
void		 dict_registry_withdraw(struct dict_registry *, const void *);
void		 dict_registry_use_indexes(struct dict_registry *, int);
const struct dict_entry *dict_registry_find(const struct dict_registry *,
		    const char *);
size_t		 dict_registry_licence(const char *, size_t, char *, size_t);

#endif
