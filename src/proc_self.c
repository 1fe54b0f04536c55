/* SPDX-License-Identifier: MIT */
/*
 * proc_self.c: the process_* metrics Prometheus expects of every process,
 * read from /proc/self. The parsers are pure (text in, fields out) so the
 * tests can feed them fixed strings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "proc_self.h"

#define PROC_TEXT_MAX	4096	/* /proc/self/stat is ~300 bytes */

/* The n-th (from 1) space-separated field of s into *v; -1 if absent. */
static int
field_u64(const char *s, int n, uint64_t *v)
{
	char *end;

	while (--n > 0) {
		if ((s = strchr(s, ' ')) == NULL)
			return -1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

/*
 * Parses /proc/[pid]/stat. The command name (field 2) is in parentheses
 * and may hold spaces or ')', so fields are counted after the last ')':
 * field 3 (state) is the first there.
 */
int
proc_parse_stat(const char *text, struct proc_stat *ps)
{
	const char *s = strrchr(text, ')');

	if (s == NULL || s[1] != ' ')
		return -1;
	s += 2;
	if (field_u64(s, 14 - 2, &ps->utime) == -1 ||
	    field_u64(s, 15 - 2, &ps->stime) == -1 ||
	    field_u64(s, 22 - 2, &ps->starttime) == -1 ||
	    field_u64(s, 24 - 2, &ps->rss) == -1)
		return -1;
	return 0;
}

/* Parses /proc/stat's "btime N" line: the boot time in Unix seconds. */
int
proc_parse_btime(const char *text, uint64_t *btime)
{
	const char *s = text;

	for (; s != NULL && *s != '\0'; s = strchr(s, '\n'), s = s ? s + 1 : s)
		if (strncmp(s, "btime ", 6) == 0)
			return field_u64(s + 6, 1, btime);
	return -1;
}

/* Reads a small /proc file into buf, NUL-terminated; -1 on failure. */
static int
read_text(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/*
 * The boot time from /proc/stat, read a line at a time: a CPU line each
 * comes first, so on a large machine btime is far into the file.
 */
static int
read_btime(uint64_t *btime)
{
	char line[256];
	FILE *f;
	int rc = -1;

	if ((f = fopen("/proc/stat", "re")) == NULL)
		return -1;
	while (rc == -1 && fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "btime ", 6) == 0)
			rc = proc_parse_btime(line, btime);
	fclose(f);
	return rc;
}

static uint64_t
count_open_fds(void)
{
	struct dirent *de;
	uint64_t n = 0;
	DIR *dir;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n > 0 ? n - 1 : 0;	/* not the one reading the directory */
}

/* Fills ps from /proc; -1 if /proc is not there or not as expected. */
int
proc_self_read(struct proc_self *ps)
{
	char text[PROC_TEXT_MAX];
	struct proc_stat st;
	struct rlimit rl;
	uint64_t btime;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);

	memset(ps, 0, sizeof *ps);
	if (tck <= 0 || page <= 0 ||
	    read_text("/proc/self/stat", text, sizeof text) == -1 ||
	    proc_parse_stat(text, &st) == -1 ||
	    read_btime(&btime) == -1)
		return -1;
	ps->cpu_seconds = (double)(st.utime + st.stime) / (double)tck;
	ps->resident_bytes = st.rss * (uint64_t)page;
	ps->start_time = (double)btime + (double)st.starttime / (double)tck;
	ps->open_fds = count_open_fds();
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		ps->max_fds = rl.rlim_cur;
	return 0;
}
