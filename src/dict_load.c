/* SPDX-License-Identifier: MIT */
/*
 * dict_load.c: a dictionary file into a table, in slices.
 *
 * Each dict_load_step() does a bounded piece of work (one read of at most
 * DICT_READ_SLICE bytes, a count of line ends over DICT_COUNT_SLICE bytes,
 * or DICT_PARSE_SLICE lines), so the service can load a million-entry file
 * between datagrams instead of going deaf while it does: the old table
 * keeps answering until the new one is complete. The file is opened
 * without blocking (a FIFO put in its place would hang a blocking open),
 * must be a regular file within the size limit, and must not change while
 * it is read: a file edited in place under the reader would give a table
 * mixing two versions, so that is an error, and the old table stays.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict.h"

#define DICT_READ_SLICE		(64u << 10)
#define DICT_COUNT_SLICE	(256u << 10)
#define DICT_PARSE_SLICE	256

enum dict_load_phase { PHASE_READ, PHASE_COUNT, PHASE_PARSE, PHASE_DONE };

struct dict_load {
	const char		*path;		/* the caller's, outlives the load */
	struct diag		*diag;
	int			 fd;
	struct stat		 st;		/* when opened */
	char			*text;		/* st.st_size + 1 bytes */
	size_t			 size, got;	/* file size, bytes read */
	size_t			 counted, line_ends;
	struct dict		*dict;
	enum dict_load_phase	 phase;
};

static int
fail(struct dict_load *l, char *err, size_t errlen, const char *why)
{
	snprintf(err, errlen, "%s: %s", l->path, why);
	return -1;
}

/*
 * Opens path for loading, refusing anything but a regular file of at most
 * max bytes. NULL with the reason, naming the file, in err.
 */
struct dict_load *
dict_load_begin(const char *path, size_t max, struct diag *diag, char *err,
    size_t errlen)
{
	struct dict_load *l = calloc(1, sizeof *l);

	if (l == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	l->path = path;
	l->diag = diag;
	if ((l->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		fail(l, err, errlen, strerror(errno));
		goto bad;
	}
	if (fstat(l->fd, &l->st) == -1) {
		fail(l, err, errlen, strerror(errno));
		goto bad;
	}
	if (!S_ISREG(l->st.st_mode)) {
		fail(l, err, errlen, "not a regular file");
		goto bad;
	}
	if ((size_t)l->st.st_size > max) {
		snprintf(err, errlen, "%s: larger than max_file_size (%zu bytes)",
		    path, max);
		goto bad;
	}
	l->size = (size_t)l->st.st_size;
	if ((l->text = malloc(l->size + 1)) == NULL) {
		fail(l, err, errlen, "out of memory");
		goto bad;
	}
	return l;
bad:
	dict_load_free(l);
	return NULL;
}

/* The file as read must be the file as opened: same size, same mtime. */
static int
unchanged(const struct dict_load *l)
{
	struct stat now;

	return fstat(l->fd, &now) == 0 && now.st_size == l->st.st_size &&
	    now.st_mtim.tv_sec == l->st.st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == l->st.st_mtim.tv_nsec;
}

static int
step_read(struct dict_load *l, char *err, size_t errlen)
{
	size_t want = l->size - l->got;
	ssize_t n;

	if (want > DICT_READ_SLICE)
		want = DICT_READ_SLICE;
	if (want > 0) {
		n = read(l->fd, l->text + l->got, want);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			return 1;
		if (n == -1)
			return fail(l, err, errlen, strerror(errno));
		if (n == 0)
			return fail(l, err, errlen, "changed while it was read"
			    " (it got shorter); replace such files with mv");
		l->got += (size_t)n;
		if (l->got < l->size)
			return 1;
	}
	if (!unchanged(l))
		return fail(l, err, errlen, "changed while it was read;"
		    " replace such files with mv");
	l->text[l->size] = '\0';
	close(l->fd);
	l->fd = -1;
	l->phase = PHASE_COUNT;
	return 1;
}

static int
step_count(struct dict_load *l, char *err, size_t errlen)
{
	size_t n = l->size - l->counted;

	if (n > DICT_COUNT_SLICE)
		n = DICT_COUNT_SLICE;
	l->line_ends += dict_count_line_ends(l->text + l->counted, n);
	l->counted += n;
	if (l->counted < l->size)
		return 1;
	l->dict = dict_new(l->text, l->size, l->line_ends, l->path, l->diag);
	l->text = NULL;			/* the table owns it, or freed it */
	if (l->dict == NULL)
		return fail(l, err, errlen, "out of memory");
	l->phase = PHASE_PARSE;
	return 1;
}

/*
 * Does one bounded piece of the load. Returns 1 while there is more to do,
 * 0 once the table is complete, -1 with the reason in err.
 */
int
dict_load_step(struct dict_load *l, char *err, size_t errlen)
{
	switch (l->phase) {
	case PHASE_READ:
		return step_read(l, err, errlen);
	case PHASE_COUNT:
		return step_count(l, err, errlen);
	case PHASE_PARSE:
		if (dict_parse_some(l->dict, DICT_PARSE_SLICE))
			return 1;
		l->phase = PHASE_DONE;
		if (dict_size(l->dict) == 0)
			return fail(l, err, errlen, "no valid entries");
		return 0;
	case PHASE_DONE:
		break;
	}
	return 0;
}

/* The complete table, now the caller's; NULL before the load is done. */
struct dict *
dict_load_take(struct dict_load *l)
{
	struct dict *d = l->phase == PHASE_DONE ? l->dict : NULL;

	if (d != NULL)
		l->dict = NULL;
	return d;
}

void
dict_load_free(struct dict_load *l)
{
	if (l == NULL)
		return;
	if (l->fd != -1)
		close(l->fd);
	free(l->text);
	dict_free(l->dict);
	free(l);
}

/*
 * Loads the dictionary file at path in one go, refusing one over max bytes.
 * On failure returns NULL and writes the reason, naming the file, into err.
 */
struct dict *
dict_load(const char *path, size_t max, struct diag *diag, char *err,
    size_t errlen)
{
	struct dict_load *l;
	struct dict *d = NULL;
	int rc;

	if ((l = dict_load_begin(path, max, diag, err, errlen)) == NULL)
		return NULL;
	while ((rc = dict_load_step(l, err, errlen)) == 1)
		;
	if (rc == 0)
		d = dict_load_take(l);
	dict_load_free(l);
	return d;
}
