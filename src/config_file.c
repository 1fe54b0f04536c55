/* SPDX-License-Identifier: MIT */
/*
 * config_file.c: reads the configuration file and hands it to iniparser.
 *
 * iniparser_load() takes a path and reads until EOF, so a FIFO or a device
 * named as the config (at start-up, by -t, or swapped in before a SIGHUP)
 * would block the loop or never end. Here the file is opened non-blocking,
 * must be a regular file of at most CONFIG_FILE_MAX bytes, and is read
 * whole; config_scan() checks those bytes, and iniparser parses the very
 * same bytes from an anonymous memory file (memfd) through /proc/self/fd,
 * since iniparser 4.1 has no way to parse a buffer. The copy also means a
 * file rewritten meanwhile cannot make the scan and the parse disagree.
 */
#include <errno.h>
#include <fcntl.h>
#include <iniparser/iniparser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "config_scan.h"
#include "xmalloc.h"

/* iniparser 4.1's ASCIILINESZ less the newline and the NUL. */
#define INI_LINE_MAX	1022

/* A UTF-8 byte order mark, which some editors put first. */
static const char utf8_bom[] = "\xef\xbb\xbf";

/*
 * iniparser reports syntax errors, with their line, through a callback that
 * takes no context: these point at the load in progress, and only then.
 */
static struct diag *ini_diag;
static const char *ini_path;

static int
ini_error_cb(const char *fmt, ...)
{
	static const char syntax[] = "iniparser: syntax error in %s (%d):\n-> %s\n";
	static const char toolong[] = "iniparser: input line too long in %s (%d)\n";
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	/* Its one message with a line number, reworded as "FILE:LINE: ...". */
	if (strcmp(fmt, syntax) == 0) {
		(void)va_arg(ap, const char *);		/* the memfd's name */
		int line = va_arg(ap, int);
		const char *text = va_arg(ap, const char *);

		snprintf(msg, sizeof msg, "%s:%d: syntax error: %s", ini_path,
		    line, text);
	} else if (strcmp(fmt, toolong) == 0) {
		(void)va_arg(ap, const char *);		/* the memfd's name */
		snprintf(msg, sizeof msg, "%s:%d: line too long (iniparser reads"
		    " at most %d bytes a line, continuations included)", ini_path,
		    va_arg(ap, int), INI_LINE_MAX);
	} else
		vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (ini_diag != NULL)
		diag_add(ini_diag, "%s", msg);
	return 0;
}

/* The whole file at path, if regular and small; NULL after complaining. */
static char *
read_config(const char *path, size_t *len, struct diag *diag)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY))
	    == -1) {
		diag_add(diag, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		diag_add(diag, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		diag_add(diag, "%s: not a regular file", path);
		goto fail;
	}
	buf = xmalloc(CONFIG_FILE_MAX + 1);
	*len = 0;
	/* Up to one byte past the cap, which tells a file too large. */
	while (*len <= CONFIG_FILE_MAX &&
	    (n = read(fd, buf + *len, CONFIG_FILE_MAX + 1 - *len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			diag_add(diag, "%s: %s", path, strerror(errno));
			goto fail;
		}
		*len += (size_t)n;
	}
	if (*len > CONFIG_FILE_MAX) {
		diag_add(diag, "%s: larger than %d bytes", path, CONFIG_FILE_MAX);
		goto fail;
	}
	close(fd);
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* Parses buf[0..len) with iniparser, from a memory file. */
static dictionary *
parse_copy(const char *buf, size_t len, const char *path, struct diag *diag)
{
	dictionary *ini = NULL;
	char proc[64];
	int fd;

	if ((fd = memfd_create("netdemo.ini", MFD_CLOEXEC)) == -1) {
		diag_add(diag, "%s: memfd_create: %s", path, strerror(errno));
		return NULL;
	}
	if (write(fd, buf, len) != (ssize_t)len) {
		diag_add(diag, "%s: memory copy: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	ini_diag = diag;
	ini_path = path;
	iniparser_set_error_callback(ini_error_cb);
	ini = iniparser_load(proc);
	iniparser_set_error_callback(NULL);
	ini_diag = NULL;
	ini_path = NULL;
	close(fd);
	return ini;
}

/*
 * Reads, scans and parses the INI file at path; NULL after sending every
 * error to diag.
 */
dictionary *
config_file_load(const char *path, struct diag *diag)
{
	unsigned before = diag->count;
	dictionary *ini;
	size_t len;
	char *buf;
	size_t skip = 0;

	if ((buf = read_config(path, &len, diag)) == NULL)
		return NULL;
	/* Dictionaries may start with a BOM; so may the config. */
	if (len >= sizeof utf8_bom - 1 &&
	    memcmp(buf, utf8_bom, sizeof utf8_bom - 1) == 0)
		skip = sizeof utf8_bom - 1;
	if (config_scan(buf + skip, len - skip, path, diag) == -1) {
		free(buf);
		return NULL;
	}
	ini = parse_copy(buf + skip, len - skip, path, diag);
	free(buf);
	if (ini == NULL && diag->count == before)
		diag_add(diag, "%s: not a valid INI file", path);
	return ini;
}
