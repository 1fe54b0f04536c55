/* SPDX-License-Identifier: MIT */
/*
 * config.c: from iniparser's dictionary to a validated struct config.
 *
 * iniparser accepts any key, so every key it returns is checked against its
 * section's table here (config_scan() has refused repeated sections and
 * keys, which iniparser would merge). Errors name the file, the section and
 * the key. Validation opens no sockets and reads no files.
 */
#include <errno.h>
#include <stdarg.h>
#include <iniparser/iniparser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_file.h"
#include "config_scan.h"
#include "config_value.h"
#include "service.h"
#include "xmalloc.h"

#define GLOBAL_SECTION	"netdemo"

/* Keys every service section may hold. */
static const struct conf_key common_keys[] = {
	{ "listen", CONF_LISTEN, NULL, 0, 0, offsetof(struct svc_conf, listen) },
	{ "reuseport", CONF_BOOL, "no", 0, 0,
	    offsetof(struct svc_conf, reuseport) },
	CONF_KEY_END
};

/* One section under validation: where its complaints go and what it says. */
struct section {
	const char		*path;
	const char		*name;
	const dictionary	*ini;
	struct diag		*diag;
};

static void PRINTFLIKE(3, 4)
section_error(const struct section *s, const char *key, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (key != NULL)
		diag_add(s->diag, "%s: [%s] %s: %s", s->path, s->name, key, msg);
	else
		diag_add(s->diag, "%s: [%s] %s", s->path, s->name, msg);
}

/* The value of "section:key", or NULL when the key is absent. */
static const char *
section_get(const struct section *s, const char *key)
{
	char full[CONFIG_NAME_MAX + 1 + 64];

	/* config_scan() refused longer names; the keys asked for are short. */
	snprintf(full, sizeof full, "%s:%s", s->name, key);
	return iniparser_getstring(s->ini, full, NULL);
}

/*
 * Splits a comma-separated list and hands each entry to add; -1 after
 * naming each bad entry. A list must have at least one entry.
 */
static int
parse_list(const struct section *s, const char *key, const char *v,
    int (*add)(const char *, void *, char *, size_t), void *field)
{
	char *copy = xstrdup(v), *tok, *save = NULL, err[256];
	int bad = 0, n = 0;

	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		tok = config_list_trim(tok);
		if (*tok == '\0')
			continue;	/* "a, b," is a list of two */
		n++;
		if (add(tok, field, err, sizeof err) == -1) {
			section_error(s, key, "%s", err);
			bad = 1;
		}
	}
	free(copy);
	if (!bad && n == 0) {
		section_error(s, key, "empty list");
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* Parses one value into its place in sc; -1 after complaining. */
static int
parse_value(const struct section *s, const struct conf_key *k, const char *v,
    struct svc_conf *sc)
{
	void *field = (char *)sc + k->offset;

	switch (k->type) {
	case CONF_BOOL:
		if (config_parse_bool(v, field) == 0)
			return 0;
		section_error(s, k->name, "'%s' is not yes or no", v);
		return -1;
	case CONF_UINT:
		if (config_parse_uint(v, k->min, k->max, field) == 0)
			return 0;
		section_error(s, k->name, "'%s' is not a whole number in %u..%u",
		    v, k->min, k->max);
		return -1;
	case CONF_PATH:
		if (*v == '\0') {
			section_error(s, k->name, "empty path");
			return -1;
		}
		*(char **)field = config_resolve_path(s->path, v);
		return 0;
	case CONF_STRING:
		*(char **)field = xstrdup(v);
		return 0;
	case CONF_LISTEN:
		return parse_list(s, k->name, v, config_add_listen, field);
	case CONF_LIST:
		return parse_list(s, k->name, v, config_add_word, field);
	case CONF_CIDRS:
		return parse_list(s, k->name, v, config_add_cidr, field);
	}
	return -1;
}

static const struct conf_key *
find_key(const struct conf_key *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

/* The known key closest to name, if it is a plausible typo of it. */
static const char *
suggest_key(const struct service *kind, const char *name)
{
	static const char *const fixed[] = { "service", "enabled" };
	const struct conf_key *tables[] = { common_keys, kind->keys }, *k;
	const char *best = NULL;
	size_t d, bestd = 3, i;

	for (i = 0; i < 2; i++)
		if ((d = config_edit_distance(name, fixed[i])) < bestd)
			bestd = d, best = fixed[i];
	for (i = 0; i < 2; i++)
		for (k = tables[i]; k->name != NULL; k++)
			if ((d = config_edit_distance(name, k->name)) < bestd)
				bestd = d, best = k->name;
	return best;
}

/* The name of entry i's key if it belongs to section s, else NULL. */
static const char *
section_key_at(const struct section *s, ssize_t i)
{
	const char *key = s->ini->key[i];
	size_t nlen = strlen(s->name);

	if (key == NULL || strncmp(key, s->name, nlen) != 0 || key[nlen] != ':')
		return NULL;
	return key + nlen + 1;
}

/* Complains about every key of the section that its kind does not know. */
static int
check_unknown_keys(const struct section *s, const struct service *kind)
{
	const char *key, *hint;
	int bad = 0;
	ssize_t i;

	for (i = 0; i < s->ini->size; i++) {
		if ((key = section_key_at(s, i)) == NULL ||
		    strcmp(key, "service") == 0 || strcmp(key, "enabled") == 0 ||
		    find_key(common_keys, key) || find_key(kind->keys, key))
			continue;
		if ((hint = suggest_key(kind, key)) != NULL)
			section_error(s, key, "unknown key (did you mean %s?)", hint);
		else
			section_error(s, key, "unknown key for the %s kind",
			    kind->kind);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/* Fills sc from a table's keys: the section's values, else the defaults. */
static int
apply_keys(const struct section *s, const struct conf_key *k,
    struct svc_conf *sc)
{
	const char *v;
	int bad = 0;

	for (; k->name != NULL; k++) {
		if ((v = section_get(s, k->name)) == NULL)
			v = k->def;
		else if (k->type == CONF_STRING && k->min > 0 && *v == '\0') {
			section_error(s, k->name, "empty value (leave the key"
			    " out for none)");
			bad = 1;
			continue;
		}
		if (v == NULL) {
			section_error(s, k->name, "required key is missing");
			bad = 1;
		} else if (parse_value(s, k, v, sc) == -1)
			bad = 1;
	}
	return bad ? -1 : 0;
}

/* The kind a section names: `service =`, else the section's own name. */
static const struct service *
section_kind(const struct section *s)
{
	const char *v = section_get(s, "service");
	const struct service *kind;
	char kinds[128];

	if ((kind = service_find(v != NULL ? v : s->name)) != NULL)
		return kind;
	service_kind_list(kinds, sizeof kinds);
	if (v != NULL)
		section_error(s, "service", "unknown service kind '%s' (known: %s)",
		    v, kinds);
	else
		section_error(s, NULL, "unknown section: add 'service = KIND'"
		    " (one of %s)", kinds);
	return NULL;
}

static int
parse_service(const struct section *s, struct svc_conf *sc)
{
	char err[512];
	const char *v;
	int bad = 0;

	sc->name = xstrdup(s->name);
	if ((sc->kind = section_kind(s)) == NULL)
		return -1;
	sc->enabled = sc->kind->enabled_default;
	if ((v = section_get(s, "enabled")) != NULL &&
	    config_parse_bool(v, &sc->enabled) == -1) {
		section_error(s, "enabled", "'%s' is not yes or no", v);
		bad = 1;
	}
	bad |= check_unknown_keys(s, sc->kind) == -1;
	bad |= apply_keys(s, common_keys, sc) == -1;
	bad |= apply_keys(s, sc->kind->keys, sc) == -1;
	if (!bad && sc->kind->check != NULL &&
	    sc->kind->check(sc, err, sizeof err) == -1) {
		section_error(s, NULL, "%s", err);
		bad = 1;
	}
	return bad ? -1 : 0;
}

static int
parse_global(const struct section *s, struct config *conf)
{
	const char *key, *v;
	int bad = 0;
	ssize_t i;

	for (i = 0; i < s->ini->size; i++) {
		if ((key = section_key_at(s, i)) == NULL)
			continue;
		v = s->ini->val[i] ? s->ini->val[i] : "";
		if (strcmp(key, "log_target") == 0) {
			if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0 &&
			    v[0] != '/') {
				section_error(s, key, "'%s' is not stderr, syslog or"
				    " an absolute path", v);
				bad = 1;
			}
			free(conf->log_target);
			conf->log_target = xstrdup(v);
		} else if (strcmp(key, "log_level") != 0) {
			section_error(s, key, "unknown key (known: log_level,"
			    " log_target)");
			bad = 1;
		} else if (log_level_parse(v, &conf->log_level) == -1) {
			section_error(s, key, "'%s' is not one of error, warning,"
			    " notice, info, debug", v);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/*
 * The first address (not port 0) that both services listen on, the same
 * or overlapping through a wildcard, or NULL.
 */
static const struct addr *
shared_address(const struct svc_conf *a, const struct svc_conf *b,
    const struct addr **other)
{
	size_t k, l;

	for (k = 0; k < a->listen.n; k++)
		for (l = 0; l < b->listen.n; l++)
			if (addr_port((const struct sockaddr *)&a->listen.v[k].ss)
			    != 0 && addr_overlap(&a->listen.v[k], &b->listen.v[l])) {
				*other = &b->listen.v[l];
				return &a->listen.v[k];
			}
	return NULL;
}

/* Two enabled services may not share a protocol, address and port. */
static int
check_address_clashes(const struct config *conf, struct diag *diag)
{
	const struct svc_conf *a, *b;
	const struct addr *x, *y;
	char buf[ADDR_STRLEN], buf2[ADDR_STRLEN];
	size_t i, j;
	int bad = 0;

	for (i = 0; i < conf->nsvcs; i++) {
		for (j = i + 1; j < conf->nsvcs; j++) {
			a = &conf->svcs[i];
			b = &conf->svcs[j];
			if (!a->enabled || !b->enabled ||
			    strcmp(a->kind->proto, b->kind->proto) != 0 ||
			    (x = shared_address(a, b, &y)) == NULL)
				continue;
			addr_format((const struct sockaddr *)&y->ss, buf,
			    sizeof buf);
			if (addr_same(x, y))
				diag_add(diag, "%s: [%s] listen: %s %s is also"
				    " [%s]'s", conf->path, b->name,
				    b->kind->proto, buf, a->name);
			else
				diag_add(diag, "%s: [%s] listen: %s %s overlaps"
				    " [%s]'s %s (0.0.0.0 or :: takes the port on"
				    " every address)", conf->path, b->name,
				    b->kind->proto, buf, a->name, addr_format(
				    (const struct sockaddr *)&x->ss, buf2,
				    sizeof buf2));
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Each enabled section's checks against the others (its kind's). */
static int
check_across_sections(const struct config *conf, struct diag *diag)
{
	const struct svc_conf *sc;
	char err[512];
	size_t i;
	int bad = 0;

	for (i = 0; i < conf->nsvcs; i++) {
		sc = &conf->svcs[i];
		if (!sc->enabled || sc->kind->check_config == NULL)
			continue;
		err[0] = '\0';
		if (sc->kind->check_config(conf, sc, err, sizeof err) == -1) {
			diag_add(diag, "%s: [%s] %s", conf->path, sc->name, err);
			bad = 1;
		}
	}
	return bad ? -1 : 0;
}

/* Sorts the dictionary's entries into sections; -1 after complaining. */
static int
parse_sections(const dictionary *ini, struct config *conf, struct diag *diag)
{
	struct section s = { conf->path, NULL, ini, diag };
	int bad = 0;
	ssize_t i;

	for (i = 0; i < ini->size; i++) {
		const char *key = ini->key[i];

		if (key == NULL)
			continue;
		if (key[0] == ':') {
			diag_add(diag, "%s: %s: key outside any section",
			    conf->path, key + 1);
			bad = 1;
		}
		if (strchr(key, ':') != NULL) {
			/* A section (no value) can't hold iniparser's separator. */
			if (ini->val[i] == NULL) {
				diag_add(diag, "%s: [%s]: ':' may not appear in a"
				    " section name", conf->path, key);
				bad = 1;
			}
			continue;
		}
		s.name = key;
		if (strcmp(key, GLOBAL_SECTION) == 0) {
			bad |= parse_global(&s, conf) == -1;
			continue;
		}
		conf->svcs = xreallocarray(conf->svcs, conf->nsvcs + 1,
		    sizeof *conf->svcs);
		memset(&conf->svcs[conf->nsvcs], 0, sizeof *conf->svcs);
		bad |= parse_service(&s, &conf->svcs[conf->nsvcs++]) == -1;
	}
	return bad ? -1 : 0;
}

/*
 * Validates iniparser's dictionary of the file at path. Returns the config,
 * or NULL after sending every error to diag.
 */
struct config *
config_from_ini(const dictionary *ini, const char *path, struct diag *diag)
{
	struct config *conf = xcalloc(1, sizeof *conf);
	int bad;

	conf->path = xstrdup(path);
	conf->log_level = LOG_LVL_INFO;
	bad = parse_sections(ini, conf, diag) == -1;
	if (!bad)
		bad = check_address_clashes(conf, diag) == -1;
	if (!bad)
		bad = check_across_sections(conf, diag) == -1;
	if (!bad && config_enabled_count(conf) == 0) {
		diag_add(diag, "%s: no enabled service (add a section such as"
		    " [echo] with a listen address)", path);
		bad = 1;
	}
	if (bad) {
		config_free(conf);
		return NULL;
	}
	return conf;
}

/* Reads and validates the INI file at path; NULL after reporting to diag. */
struct config *
config_load(const char *path, struct diag *diag)
{
	struct config *conf;
	dictionary *ini;

	if ((ini = config_file_load(path, diag)) == NULL)
		return NULL;
	conf = config_from_ini(ini, path, diag);
	iniparser_freedict(ini);
	return conf;
}

size_t
config_enabled_count(const struct config *conf)
{
	size_t i, n = 0;

	for (i = 0; i < conf->nsvcs; i++)
		n += conf->svcs[i].enabled != 0;
	return n;
}

/* The tables that say what a section of this kind holds. */
static void
kind_tables(const struct svc_conf *sc, const struct conf_key *tables[2])
{
	tables[0] = common_keys;
	tables[1] = sc->kind != NULL ? sc->kind->keys : NULL;
}

/* Frees what key k of sc owns (by its type), leaving the field zeroed. */
void
config_key_free(const struct conf_key *k, struct svc_conf *sc)
{
	void *field = (char *)sc + k->offset;
	struct strlist *l;
	size_t i;

	switch (k->type) {
	case CONF_BOOL:
	case CONF_UINT:
		return;
	case CONF_PATH:
	case CONF_STRING:
		free(*(char **)field);
		*(char **)field = NULL;
		return;
	case CONF_LISTEN:
		free(((struct addrlist *)field)->v);
		memset(field, 0, sizeof(struct addrlist));
		return;
	case CONF_LIST:
		l = field;
		for (i = 0; i < l->n; i++)
			free(l->v[i]);
		free(l->v);
		memset(l, 0, sizeof *l);
		return;
	case CONF_CIDRS:
		free(((struct cidrlist *)field)->v);
		memset(field, 0, sizeof(struct cidrlist));
		return;
	}
}

/* An array of n elements of size each, copied; NULL stays NULL. */
static void *
copy_array(const void *v, size_t n, size_t size)
{
	void *c;

	if (v == NULL)
		return NULL;
	c = xreallocarray(NULL, n ? n : 1, size);
	memcpy(c, v, n * size);
	return c;
}

/* Copies key k's value from src into dst, which owns the copy. */
void
config_key_copy(const struct conf_key *k, struct svc_conf *dst,
    const struct svc_conf *src)
{
	const void *from = (const char *)src + k->offset;
	void *to = (char *)dst + k->offset;
	const struct strlist *l = from;
	struct strlist *c = to;
	size_t i;

	switch (k->type) {
	case CONF_BOOL:
		*(int *)to = *(const int *)from;
		return;
	case CONF_UINT:
		*(unsigned *)to = *(const unsigned *)from;
		return;
	case CONF_PATH:
	case CONF_STRING:
		*(char **)to = *(char *const *)from != NULL ?
		    xstrdup(*(char *const *)from) : NULL;
		return;
	case CONF_LISTEN:
		*(struct addrlist *)to = *(const struct addrlist *)from;
		((struct addrlist *)to)->v = copy_array(
		    ((const struct addrlist *)from)->v,
		    ((const struct addrlist *)from)->n, sizeof(struct addr));
		return;
	case CONF_LIST:
		c->n = l->n;
		c->v = l->v != NULL ? xreallocarray(NULL, l->n ? l->n : 1,
		    sizeof *c->v) : NULL;
		for (i = 0; i < l->n; i++)
			c->v[i] = xstrdup(l->v[i]);
		return;
	case CONF_CIDRS:
		*(struct cidrlist *)to = *(const struct cidrlist *)from;
		((struct cidrlist *)to)->v = copy_array(
		    ((const struct cidrlist *)from)->v,
		    ((const struct cidrlist *)from)->n, sizeof(struct cidr));
		return;
	}
}

static int
str_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Whether key k holds the same value in a and b. */
int
config_key_equal(const struct conf_key *k, const struct svc_conf *a,
    const struct svc_conf *b)
{
	const void *x = (const char *)a + k->offset;
	const void *y = (const char *)b + k->offset;
	const struct addrlist *al = x, *bl = y;
	const struct strlist *as = x, *bs = y;
	const struct cidrlist *ac = x, *bc = y;
	size_t i;

	switch (k->type) {
	case CONF_BOOL:
		return *(const int *)x == *(const int *)y;
	case CONF_UINT:
		return *(const unsigned *)x == *(const unsigned *)y;
	case CONF_PATH:
	case CONF_STRING:
		return str_equal(*(char *const *)x, *(char *const *)y);
	case CONF_LISTEN:
		if (al->n != bl->n)
			return 0;
		for (i = 0; i < al->n; i++)
			if (!addr_same(&al->v[i], &bl->v[i]))
				return 0;
		return 1;
	case CONF_LIST:
		if (as->n != bs->n)
			return 0;
		for (i = 0; i < as->n; i++)
			if (strcmp(as->v[i], bs->v[i]) != 0)
				return 0;
		return 1;
	case CONF_CIDRS:
		return ac->n == bc->n && (ac->n == 0 ||
		    memcmp(ac->v, bc->v, ac->n * sizeof *ac->v) == 0);
	}
	return 0;
}

/* Frees what a section's conf owns, by its kind's tables. */
void
config_svc_free(struct svc_conf *sc)
{
	const struct conf_key *tables[2], *k;
	size_t i;

	kind_tables(sc, tables);
	for (i = 0; i < 2; i++)
		for (k = tables[i]; k != NULL && k->name != NULL; k++)
			config_key_free(k, sc);
	free(sc->name);
	sc->name = NULL;
}

/* A deep copy of sc: every key its kind's tables name. */
void
config_svc_copy(struct svc_conf *dst, const struct svc_conf *src)
{
	const struct conf_key *tables[2], *k;
	size_t i;

	memset(dst, 0, sizeof *dst);
	dst->name = xstrdup(src->name);
	dst->kind = src->kind;
	dst->enabled = src->enabled;
	kind_tables(src, tables);
	for (i = 0; i < 2; i++)
		for (k = tables[i]; k != NULL && k->name != NULL; k++)
			config_key_copy(k, dst, src);
}

/* Whether a and b are the same section with the same values. */
int
config_svc_equal(const struct svc_conf *a, const struct svc_conf *b)
{
	const struct conf_key *tables[2], *k;
	size_t i;

	if (strcmp(a->name, b->name) != 0 || a->kind != b->kind ||
	    a->enabled != b->enabled)
		return 0;
	kind_tables(a, tables);
	for (i = 0; i < 2; i++)
		for (k = tables[i]; k != NULL && k->name != NULL; k++)
			if (!config_key_equal(k, a, b))
				return 0;
	return 1;
}

void
config_free(struct config *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	for (i = 0; i < conf->nsvcs; i++)
		config_svc_free(&conf->svcs[i]);
	free(conf->svcs);
	free(conf->log_target);
	free(conf->path);
	free(conf);
}
