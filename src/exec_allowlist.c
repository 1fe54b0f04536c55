/*
 * exec_allowlist.c: exec's allowlist. An entry is a command name, looked up in
 * the service's path, or an absolute path, matched as written. A request's
 * first word must equal an entry exactly: "date" matches the entry "date"
 * only, "/bin/date" the entry "/bin/date" only, and "../bin/sh" nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_allowlist.h"
#include "config.h"

static int
is_dot_part(const char *p, size_t n)
{
	return (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.');
}

/* An entry is a plain name or an absolute path without "." or ".." parts. */
int
allowlist_entry_ok(const char *e)
{
	const char *p = e;
	size_t n;

	if (strchr(e, '/') == NULL)
		return *e != '\0' && !is_dot_part(e, strlen(e));
	if (e[0] != '/' || e[strlen(e) - 1] == '/')
		return 0;
	while (*p == '/') {
		p++;
		n = strcspn(p, "/");
		if (n == 0 || is_dot_part(p, n))
			return 0;
		p += n;
	}
	return 1;
}

/* True when word is listed, byte for byte. */
int
allowlist_match(const struct strlist *allow, const char *word)
{
	size_t i;

	for (i = 0; i < allow->n; i++)
		if (strcmp(allow->v[i], word) == 0)
			return 1;
	return 0;
}

static int
is_executable_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/*
 * Finds the program for an allowed word: itself when absolute, else the
 * first executable file named so in the colon-separated dirs. Writes it
 * into out and returns 0, or returns -1 with errno set.
 */
int
allowlist_resolve(const char *word, const char *dirs, char *out, size_t len)
{
	const char *d = dirs, *end;
	int n;

	if (word[0] == '/') {
		if ((size_t)snprintf(out, len, "%s", word) >= len) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return is_executable_file(out) ? 0 : -1;
	}
	for (; *d != '\0'; d = *end ? end + 1 : end) {
		end = strchr(d, ':');
		if (end == NULL)
			end = d + strlen(d);
		n = snprintf(out, len, "%.*s/%s", (int)(end - d), d, word);
		if (n > 0 && (size_t)n < len && end > d && is_executable_file(out))
			return 0;
	}
	errno = ENOENT;
	return -1;
}
