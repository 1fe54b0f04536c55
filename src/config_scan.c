/* SPDX-License-Identifier: MIT */
/*
 * config_scan.c: finds, with their line numbers, what iniparser would
 * silently accept: a section given twice (names compare without case, as
 * iniparser lowers them), a key given twice in one section, a section
 * name holding ':' (iniparser's own separator, so its keys would be lost)
 * or longer than CONFIG_NAME_MAX, and a NUL byte (iniparser would end the
 * line there and call it too long).
 *
 * It reads lines as iniparser 4.1 does: blanks stripped, '#' and ';'
 * comments, "[name]" sections, "key = value" pairs, a trailing backslash
 * joining the next line. Lines iniparser refuses are left to iniparser.
 * Pure: bytes in, complaints to diag out.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config_scan.h"
#include "utf8.h"
#include "xmalloc.h"

/* A section or key name, lowered, with the line that gave it. */
struct name {
	char		*s;
	unsigned	 line;
};

struct names {
	struct name	*v;
	size_t		 n;
};

struct scan {
	const char	*path;
	struct diag	*diag;
	struct names	 sections;
	struct names	 keys;		/* of the current section */
	char		*section;	/* the current one's name, as written */
	int		 bad;
};

static void
names_add(struct names *l, const char *s, size_t len, unsigned line)
{
	size_t i;
	char *p = xmalloc(len + 1);

	for (i = 0; i < len; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	p[len] = '\0';
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n].s = p;
	l->v[l->n++].line = line;
}

static void
names_clear(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].s);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int
name_cmp(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

/* Names each repeat in l with the line of its first appearance. */
static void
report_repeats(struct scan *sc, struct names *l, const char *what)
{
	size_t i, first = 0;

	if (l->n < 2)
		return;		/* and qsort may not be given NULL */
	qsort(l->v, l->n, sizeof *l->v, name_cmp);
	for (i = 1; i < l->n; i++) {
		if (strcmp(l->v[i].s, l->v[first].s) != 0) {
			first = i;
			continue;
		}
		if (l == &sc->sections)
			diag_add(sc->diag, "%s:%u: [%s]: %s given twice (first"
			    " on line %u)", sc->path, l->v[i].line, l->v[i].s,
			    what, l->v[first].line);
		else
			diag_add(sc->diag, "%s:%u: %s%s%s%s: %s given twice (first"
			    " on line %u)", sc->path, l->v[i].line,
			    sc->section ? "[" : "", sc->section ? sc->section : "",
			    sc->section ? "] " : "", l->v[i].s, what,
			    l->v[first].line);
		sc->bad = 1;
	}
}

/* The section's keys are all known: any repeats among them? */
static void
end_section(struct scan *sc)
{
	report_repeats(sc, &sc->keys, "key");
	names_clear(&sc->keys);
	free(sc->section);
	sc->section = NULL;
}

/* Strips blanks at both ends of [*s, *s + *len). */
static void
strip(const char **s, size_t *len)
{
	while (*len > 0 && isspace((unsigned char)**s))
		(*s)++, (*len)--;
	while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

static void
scan_section(struct scan *sc, const char *s, size_t len, unsigned line)
{
	const char *name = s + 1;
	size_t n = strcspn(name, "]");	/* iniparser stops at the first ] */

	if (n > len - 1)
		n = len - 1;
	strip(&name, &n);
	end_section(sc);
	sc->section = xmalloc(n + 1);
	memcpy(sc->section, name, n);
	sc->section[n] = '\0';
	if (n > CONFIG_NAME_MAX) {
		diag_add(sc->diag, "%s:%u: section name longer than %d bytes",
		    sc->path, line, CONFIG_NAME_MAX);
		sc->bad = 1;
	} else if (memchr(name, ':', n) != NULL) {
		diag_add(sc->diag, "%s:%u: [%s]: ':' may not appear in a"
		    " section name", sc->path, line, sc->section);
		sc->bad = 1;
	} else if (!utf8_text(name, n)) {
		/* It becomes a metrics label and a log field: text only. */
		diag_add(sc->diag, "%s:%u: a section name must be UTF-8 text,"
		    " without control or invisible characters", sc->path, line);
		sc->bad = 1;
	} else if ((const char *)memchr(s + 1, ']', len - 1) != s + len - 1) {
		/* iniparser would read "[a]b]" as [a] and drop the rest. */
		diag_add(sc->diag, "%s:%u: [%s]: text after the section's ']'",
		    sc->path, line, sc->section);
		sc->bad = 1;
	}
	names_add(&sc->sections, name, n, line);
}

/* One logical line, blanks stripped. */
static void
scan_line(struct scan *sc, const char *s, size_t len, unsigned line)
{
	const char *eq;
	size_t n;

	if (len == 0 || s[0] == '#' || s[0] == ';')
		return;
	if (s[0] == '[' && s[len - 1] == ']') {
		scan_section(sc, s, len, line);
		return;
	}
	if ((eq = memchr(s, '=', len)) == NULL || eq == s)
		return;		/* iniparser's syntax error */
	n = (size_t)(eq - s);
	strip(&s, &n);
	names_add(&sc->keys, s, n, line);
}

/*
 * Scans the INI text buf[0..len) of the file named path; -1 after sending
 * each problem, with its line, to diag.
 */
int
config_scan(const char *buf, size_t len, const char *path, struct diag *diag)
{
	struct scan sc = { path, diag, { NULL, 0 }, { NULL, 0 }, NULL, 0 };
	const char *p = buf, *end = buf + len, *nl, *s;
	unsigned line = 0, first = 0;
	size_t n;
	char *joined = NULL;
	size_t jlen = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (nl != NULL ? nl : end) - p;
		s = p;
		p = nl != NULL ? nl + 1 : end;
		line++;
		if (memchr(s, '\0', n) != NULL) {
			diag_add(diag, "%s:%u: a NUL byte (at column %zu)", path,
			    line, (size_t)((const char *)memchr(s, '\0', n) - s) + 1);
			sc.bad = 1;
		}
		strip(&s, &n);
		if (joined == NULL)
			first = line;
		/* A trailing backslash continues the line on the next one. */
		if (n > 0 && s[n - 1] == '\\') {
			joined = xreallocarray(joined, jlen + n, 1);
			memcpy(joined + jlen, s, n - 1);
			jlen += n - 1;
			continue;
		}
		if (joined != NULL) {
			joined = xreallocarray(joined, jlen + n + 1, 1);
			memcpy(joined + jlen, s, n);
			s = joined;
			n = jlen + n;
			strip(&s, &n);
		}
		scan_line(&sc, s, n, first);
		free(joined);
		joined = NULL;
		jlen = 0;
	}
	if (joined != NULL)
		scan_line(&sc, joined, jlen, first);
	free(joined);
	end_section(&sc);
	report_repeats(&sc, &sc.sections, "section");
	names_clear(&sc.sections);
	return sc.bad ? -1 : 0;
}
