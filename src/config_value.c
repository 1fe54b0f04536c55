/* SPDX-License-Identifier: MIT */
/*
 * config_value.c: one value of the configuration: booleans, whole numbers
 * in a range, paths relative to the config file, list entries (listen
 * addresses, words, networks), and the edit distance behind "did you mean".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "config_value.h"
#include "xmalloc.h"

int
config_parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			*out = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return -1;
}

int
config_parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (*v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* A relative path is taken from the config file's folder. */
char *
config_resolve_path(const char *config_path, const char *v)
{
	const char *slash = strrchr(config_path, '/');
	size_t dirlen;
	char *p;

	if (v[0] == '/' || slash == NULL)
		return xstrdup(v);
	dirlen = (size_t)(slash - config_path);
	p = xmalloc(dirlen + 1 + strlen(v) + 1);
	memcpy(p, config_path, dirlen);
	p[dirlen] = '/';
	strcpy(p + dirlen + 1, v);
	return p;
}

/* One list entry with the blanks around it trimmed, in place. */
char *
config_list_trim(char *tok)
{
	size_t n;

	tok += strspn(tok, " \t");
	n = strlen(tok);
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	return tok;
}

/*
 * A blank inside an address or network entry is a missing comma: "A B"
 * was once read as A alone, silently.
 */
static int
entry_has_blank(const char *tok, char *err, size_t errlen)
{
	if (strpbrk(tok, " \t") == NULL)
		return 0;
	snprintf(err, errlen, "'%s': a blank inside an entry (separate entries"
	    " with commas)", tok);
	return 1;
}

/* Appends one listen address; port 0 twice is two kernel-chosen ports. */
int
config_add_listen(const char *tok, void *field, char *err, size_t errlen)
{
	struct addrlist *l = field;
	struct addr a;
	size_t i;

	if (entry_has_blank(tok, err, errlen) ||
	    addr_parse(tok, &a, err, errlen) == -1)
		return -1;
	if (addr_is_v4mapped((struct sockaddr *)&a.ss)) {
		snprintf(err, errlen, "'%s': an IPv4-mapped address cannot be"
		    " listened on (IPv6 sockets are IPv6-only: write the IPv4"
		    " address)", tok);
		return -1;
	}
	for (i = 0; i < l->n; i++) {
		if (addr_port((struct sockaddr *)&a.ss) != 0 &&
		    addr_overlap(&l->v[i], &a)) {
			snprintf(err, errlen, "'%s' %s", tok, addr_same(&l->v[i],
			    &a) ? "is listed twice" : "overlaps another entry"
			    " (0.0.0.0 or :: already takes its port)");
			return -1;
		}
	}
	l->v = xreallocarray(l->v, l->n + 1, sizeof a);
	l->v[l->n++] = a;
	return 0;
}

/* An entry kept whole, blanks inside included (exec's command lines). */
int
config_add_word(const char *tok, void *field, char *err, size_t errlen)
{
	struct strlist *l = field;

	(void)err;
	(void)errlen;
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = xstrdup(tok);
	return 0;
}

int
config_add_cidr(const char *tok, void *field, char *err, size_t errlen)
{
	struct cidrlist *l = field;
	struct cidr c;

	if (entry_has_blank(tok, err, errlen) ||
	    cidr_parse(tok, &c, err, errlen) == -1)
		return -1;
	l->v = xreallocarray(l->v, l->n + 1, sizeof c);
	l->v[l->n++] = c;
	return 0;
}

/* Edit distance, for "did you mean"; names are short, so O(n*m) is fine. */
size_t
config_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[64];

	if (lb >= sizeof row / sizeof row[0])
		return (size_t)-1;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

