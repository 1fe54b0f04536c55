/* SPDX-License-Identifier: MIT */
/*
 * exec_auth.c: exec's optional request signatures.
 *
 * A signed request reads "v1 UNIXTIME HEXMAC COMMAND": HEXMAC is the
 * lowercase hex HMAC-SHA256 (libsodium) over "v1 UNIXTIME COMMAND" with the
 * key_file's bytes. A source address can be spoofed; a MAC cannot be made
 * without the key. The time bounds how long a captured request stays
 * valid, and the replay memory refuses the same MAC twice within that
 * time, so a request runs at most once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_auth.h"

/*
 * Remembered MACs: 1024 buckets of 16, each MAC in the bucket its first
 * bytes name (a MAC is uniform, and only valid ones are stored, so nobody
 * without the key can aim at a bucket). An entry is free once the request
 * it holds could no longer pass the time check.
 */
#define REPLAY_BUCKETS	1024
#define REPLAY_WAYS	16

struct replay_entry {
	unsigned char	mac[crypto_auth_hmacsha256_BYTES];
	int64_t		until;		/* its UNIXTIME + AUTH_WINDOW */
};

struct auth_replay {
	struct replay_entry	e[REPLAY_BUCKETS][REPLAY_WAYS];
	int64_t			since;	/* remembers nothing signed up to then */
};

static const char *const verdict_names[AUTH_NVERDICTS] = {
	"ok", "malformed", "stale", "bad_mac", "replayed", "replay_full",
};

const char *
auth_verdict_name(enum auth_verdict v)
{
	return verdict_names[v];
}

/*
 * Checks the form of a key_file value: an absolute path, or cred:NAME with
 * NAME a file name. Returns 0, or -1 with the reason in err.
 */
int
auth_key_spec_check(const char *spec, char *err, size_t errlen)
{
	const char *name = spec + 5;

	if (strncmp(spec, "cred:", 5) != 0) {
		if (spec[0] == '/')
			return 0;
		snprintf(err, errlen, "'%s' is neither an absolute path nor"
		    " cred:NAME", spec);
		return -1;
	}
	if (name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		snprintf(err, errlen, "'%s': NAME must be a file name", spec);
		return -1;
	}
	return 0;
}

/* "cred:NAME" is $CREDENTIALS_DIRECTORY/NAME (systemd's LoadCredential=). */
static int
key_path(const char *spec, char *path, size_t len, char *err, size_t errlen)
{
	const char *dir;

	if (auth_key_spec_check(spec, err, errlen) == -1)
		return -1;
	if (strncmp(spec, "cred:", 5) != 0) {
		snprintf(path, len, "%s", spec);
		return 0;
	}
	if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || dir[0] == '\0') {
		snprintf(err, errlen, "'%s': $CREDENTIALS_DIRECTORY is not set"
		    " (systemd sets it for LoadCredential=)", spec);
		return -1;
	}
	if ((size_t)snprintf(path, len, "%s/%s", dir, spec + 5) >= len) {
		snprintf(err, errlen, "'%s': path too long", spec);
		return -1;
	}
	return 0;
}

static int
key_read(int fd, const char *path, struct auth_key *k, char *err,
    size_t errlen)
{
	unsigned char buf[AUTH_KEY_MAX + 1];
	size_t len = 0;
	ssize_t n;

	while (len < sizeof buf &&
	    (n = read(fd, buf + len, sizeof buf - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		len += (size_t)n;
	}
	if (len < AUTH_KEY_MIN || len > AUTH_KEY_MAX) {
		snprintf(err, errlen, "%s: holds %s%zu bytes; a key is %d to %d"
		    " (e.g. head -c 32 /dev/urandom)", path,
		    len > AUTH_KEY_MAX ? "over " : "", len > AUTH_KEY_MAX ?
		    (size_t)AUTH_KEY_MAX : len, AUTH_KEY_MIN, AUTH_KEY_MAX);
		sodium_memzero(buf, sizeof buf);
		return -1;
	}
	if ((k->bytes = malloc(len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		sodium_memzero(buf, sizeof buf);
		return -1;
	}
	memcpy(k->bytes, buf, len);
	k->len = len;
	sodium_memzero(buf, sizeof buf);
	return 0;
}

/*
 * What exec adds (guard non-NULL): the file belongs to root or to the
 * daemon, never to the jobs' user (every job could read it), and the key
 * is not one byte repeated (a placeholder, not a secret).
 */
static int
key_guard_check(const char *path, const struct stat *st,
    const struct auth_key_guard *guard, char *err, size_t errlen)
{
	if (guard->jobs_drop && st->st_uid == guard->job_uid) {
		snprintf(err, errlen, "%s: owned by uid %u, the user jobs run as:"
		    " every job could read it; chown it to root", path,
		    (unsigned)st->st_uid);
		return -1;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, neither root nor"
		    " netdemo's user; chown it", path, (unsigned)st->st_uid);
		return -1;
	}
	return 0;
}

static int
key_is_one_byte(const struct auth_key *k)
{
	size_t i;

	for (i = 1; i < k->len; i++)
		if (k->bytes[i] != k->bytes[0])
			return 0;
	return 1;
}

static int
key_load(const char *spec, struct auth_key *k,
    const struct auth_key_guard *guard, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	int fd, rc;

	memset(k, 0, sizeof *k);
	if (sodium_init() == -1) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return -1;
	}
	if (key_path(spec, path, sizeof path, err, errlen) == -1)
		return -1;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		snprintf(err, errlen, "%s: group or others may read or write it"
		    " (mode %03o); chmod 600 it", path,
		    (unsigned)(st.st_mode & 0777));
		close(fd);
		return -1;
	}
	if (guard != NULL &&
	    key_guard_check(path, &st, guard, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	rc = key_read(fd, path, k, err, errlen);
	close(fd);
	if (rc == 0 && guard != NULL && key_is_one_byte(k)) {
		snprintf(err, errlen, "%s: every byte is the same: not a key"
		    " (e.g. head -c 32 /dev/urandom)", path);
		auth_key_free(k);
		return -1;
	}
	return rc;
}

/*
 * Loads the key spec names (an absolute path or cred:NAME): the file's
 * bytes, exactly. Refuses a file others may read or write.
 */
int
auth_key_load(const char *spec, struct auth_key *k, char *err, size_t errlen)
{
	return key_load(spec, k, NULL, err, errlen);
}

/* auth_key_load, plus the owner and content checks key_guard_check says. */
int
auth_key_load_guarded(const char *spec, struct auth_key *k,
    const struct auth_key_guard *guard, char *err, size_t errlen)
{
	return key_load(spec, k, guard, err, errlen);
}

void
auth_key_free(struct auth_key *k)
{
	if (k->bytes != NULL) {
		sodium_memzero(k->bytes, k->len);
		free(k->bytes);
	}
	k->bytes = NULL;
	k->len = 0;
}

/* The MAC over "v1 " TIME " " COMMAND. */
static void
auth_mac(const struct auth_key *k, const char *time, size_t timelen,
    const char *cmd, size_t cmdlen,
    unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, k->bytes, k->len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)"v1 ", 3);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)time, timelen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)" ", 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)cmd, cmdlen);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof st);
}

/* Writes the signed request for cmd at time now; returns its length or -1. */
int
auth_sign(const struct auth_key *k, int64_t now, const char *cmd,
    size_t cmdlen, char *out, size_t outlen)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char time[24], hex[AUTH_MAC_HEXLEN + 1];
	int n;

	n = snprintf(time, sizeof time, "%" PRId64, now);
	auth_mac(k, time, (size_t)n, cmd, cmdlen, mac);
	sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
	n = snprintf(out, outlen, "v1 %s %s %.*s", time, hex, (int)cmdlen, cmd);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

/*
 * A replay memory that starts empty at time since (the daemon's start):
 * requests signed at or before that second are refused, since a restart
 * forgets which of them already ran.
 */
struct auth_replay *
auth_replay_new(int64_t since)
{
	struct auth_replay *r = calloc(1, sizeof(struct auth_replay));

	if (r != NULL)
		r->since = since;
	return r;
}

void
auth_replay_free(struct auth_replay *r)
{
	free(r);
}

/* Remembers mac until `until`; AUTH_REPLAYED if it is remembered already. */
static enum auth_verdict
replay_check(struct auth_replay *r, const unsigned char *mac, int64_t until,
    int64_t now)
{
	struct replay_entry *b = r->e[(mac[0] | (size_t)mac[1] << 8) %
	    REPLAY_BUCKETS], *slot = NULL;
	int i;

	for (i = 0; i < REPLAY_WAYS; i++) {
		if (b[i].until < now) {
			if (slot == NULL)
				slot = &b[i];
		} else if (memcmp(b[i].mac, mac, crypto_auth_hmacsha256_BYTES) == 0)
			return AUTH_REPLAYED;
	}
	if (slot == NULL)
		return AUTH_REPLAY_FULL;
	memcpy(slot->mac, mac, crypto_auth_hmacsha256_BYTES);
	slot->until = until;
	return AUTH_OK;
}

static int
is_lower_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Splits "v1 TIME HEX CMD"; returns 0, or -1 when it does not read so. */
static int
auth_parse(const char *req, size_t len, const char **time, size_t *timelen,
    const char **hex, const char **cmd, size_t *cmdlen)
{
	size_t i = 3;

	if (len < 3 || memcmp(req, "v1 ", 3) != 0)
		return -1;
	*time = req + i;
	while (i < len && req[i] >= '0' && req[i] <= '9')
		i++;
	*timelen = (size_t)(req + i - *time);
	if (*timelen == 0 || *timelen > 18 || i >= len || req[i] != ' ')
		return -1;
	i++;
	if (len - i < AUTH_MAC_HEXLEN + 2 || req[i + AUTH_MAC_HEXLEN] != ' ' ||
	    !is_lower_hex(req + i, AUTH_MAC_HEXLEN))
		return -1;
	*hex = req + i;
	*cmd = req + i + AUTH_MAC_HEXLEN + 1;
	*cmdlen = len - (i + AUTH_MAC_HEXLEN + 1);
	return 0;
}

/*
 * Checks a signed request at wall-clock time now. On AUTH_OK, *cmd and
 * *cmdlen name the command inside req.
 */
enum auth_verdict
auth_verify(const struct auth_key *k, struct auth_replay *r, const char *req,
    size_t len, int64_t now, const char **cmd, size_t *cmdlen)
{
	unsigned char want[crypto_auth_hmacsha256_BYTES];
	unsigned char got[crypto_auth_hmacsha256_BYTES];
	const char *time, *hex;
	size_t timelen;
	int64_t t = 0;
	size_t i;
	int same;

	if (auth_parse(req, len, &time, &timelen, &hex, cmd, cmdlen) == -1)
		return AUTH_MALFORMED;
	for (i = 0; i < timelen; i++)
		t = t * 10 + (time[i] - '0');
	if (t < now - AUTH_WINDOW || t > now + AUTH_WINDOW || t <= r->since)
		return AUTH_STALE;
	if (sodium_hex2bin(got, sizeof got, hex, AUTH_MAC_HEXLEN, NULL, NULL,
	    NULL) != 0)
		return AUTH_MALFORMED;
	auth_mac(k, time, timelen, *cmd, *cmdlen, want);
	same = sodium_memcmp(want, got, sizeof want) == 0;
	sodium_memzero(want, sizeof want);
	if (!same)
		return AUTH_BAD_MAC;
	return replay_check(r, got, t + AUTH_WINDOW, now);
}
