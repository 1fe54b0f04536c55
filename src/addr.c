/* SPDX-License-Identifier: MIT */
/*
 * addr.c: socket addresses as the config spells them.
 *
 * Only numeric hosts are accepted: a listen address that depends on name
 * resolution at start-up would make the daemon's sockets depend on DNS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Parses a decimal port 0..65535 spelled with digits only. */
static int
parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
fill_v4(const char *host, uint16_t port, struct addr *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -1;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	out->len = sizeof *sin;
	return 0;
}

static int
fill_v6(const char *host, uint16_t port, struct addr *out)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
		return -1;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	out->len = sizeof *sin6;
	return 0;
}

/*
 * Parses "1.2.3.4:80" or "[::1]:80" into out. On failure writes a reason
 * into err and returns -1.
 */
int
addr_parse(const char *s, struct addr *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hstart, *hend;
	uint16_t port;
	size_t hlen;

	if (s[0] == '[') {
		hstart = s + 1;
		hend = strchr(hstart, ']');
		if (hend == NULL || hend[1] != ':') {
			snprintf(err, errlen, "'%s': expected [IPV6]:PORT", s);
			return -1;
		}
		colon = hend + 1;
	} else {
		hstart = s;
		colon = strrchr(s, ':');
		if (colon == NULL) {
			snprintf(err, errlen, "'%s': expected HOST:PORT", s);
			return -1;
		}
		hend = colon;
	}
	if (parse_port(colon + 1, &port) == -1) {
		snprintf(err, errlen, "'%s': port must be 0..65535", s);
		return -1;
	}
	hlen = (size_t)(hend - hstart);
	if (hlen == 0 || hlen >= sizeof host) {
		snprintf(err, errlen, "'%s': bad host", s);
		return -1;
	}
	memcpy(host, hstart, hlen);
	host[hlen] = '\0';
	if ((s[0] == '[' ? fill_v6 : fill_v4)(host, port, out) == -1) {
		snprintf(err, errlen, "'%s': '%s' is not a numeric %s", s, host,
		    s[0] == '[' ? "IPv6 address" :
		    "IPv4 address (write IPv6 as [ADDR]:PORT)");
		return -1;
	}
	return 0;
}

/* Formats sa as "1.2.3.4:80" or "[::1]:80" into buf; returns buf. */
char *
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
	return buf;
}

uint16_t
addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

/* True when a and b name the same family, host and port. */
int
addr_same(const struct addr *a, const struct addr *b)
{
	return a->len == b->len && memcmp(&a->ss, &b->ss, a->len) == 0;
}

/* True when the address is 0.0.0.0 or ::, which bind every address. */
int
addr_is_wildcard(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr.s_addr == htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)
		    (const void *)sa)->sin6_addr);
	return 0;
}

/*
 * True when binding both would fail with EADDRINUSE: the same address, or
 * the same family and port with one of them a wildcard (IPv6 sockets are
 * IPV6_V6ONLY, so :: does not take IPv4's ports).
 */
int
addr_overlap(const struct addr *a, const struct addr *b)
{
	const struct sockaddr *x = (const struct sockaddr *)&a->ss;
	const struct sockaddr *y = (const struct sockaddr *)&b->ss;

	if (addr_same(a, b))
		return 1;
	return x->sa_family == y->sa_family && addr_port(x) == addr_port(y) &&
	    (addr_is_wildcard(x) || addr_is_wildcard(y));
}

/* True for ::ffff:a.b.c.d, which an IPV6_V6ONLY socket cannot bind. */
int
addr_is_v4mapped(const struct sockaddr *sa)
{
	return sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(
	    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/*
 * Parses "10.0.0.0/8", "::1/128" or a lone address (a /32 or /128) into
 * out; host bits past the prefix are an error, as they usually mean a typo.
 */
int
cidr_parse(const char *s, struct cidr *out, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s), i;
	unsigned long prefix;
	char *end;

	memset(out, 0, sizeof *out);
	if (hlen == 0 || hlen >= sizeof host)
		goto bad;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, out->bytes) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, host, out->bytes) == 1)
		out->family = AF_INET6;
	else
		goto bad;
	out->prefix = out->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' ||
		    errno != 0 || prefix > out->prefix)
			goto bad;
		out->prefix = (unsigned)prefix;
	}
	for (i = out->prefix; i < (out->family == AF_INET ? 32u : 128u); i++) {
		if (out->bytes[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "'%s': address has bits set past"
			    " the /%u prefix", s, out->prefix);
			return -1;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "'%s': expected a network such as 127.0.0.0/8"
	    " or ::1", s);
	return -1;
}

/* True when sa's address lies inside the network c. */
int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	const uint8_t *a;
	unsigned full, rest;

	if (sa->sa_family != c->family)
		return 0;
	a = sa->sa_family == AF_INET ?
	    (const uint8_t *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr :
	    (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->bytes, full) != 0)
		return 0;
	return rest == 0 ||
	    ((a[full] ^ c->bytes[full]) & (uint8_t)(0xff00 >> rest)) == 0;
}

/* Fills key[ADDR_HOST_KEYLEN] with sa's family and address: one per host. */
void
addr_host_key(const struct sockaddr *sa, uint8_t *key)
{
	memset(key, 0, ADDR_HOST_KEYLEN);
	key[0] = (uint8_t)sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)sa)
		    ->sin6_addr, 16);
}

/*
 * Like addr_host_key(), but for the source's network: only the first
 * prefix4 (IPv4) or prefix6 (IPv6) bits of the address count. One host
 * holds a whole IPv6 /64, so counting its addresses apart counts nothing.
 */
void
addr_source_key(const struct sockaddr *sa, unsigned prefix4, unsigned prefix6,
    uint8_t *key)
{
	unsigned bits = sa->sa_family == AF_INET ? prefix4 : prefix6;
	unsigned i, len = sa->sa_family == AF_INET ? 4 : 16;

	addr_host_key(sa, key);
	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			key[1 + i] &= (uint8_t)(0xff00 >> bits);
			bits = 0;
		}
	}
}

/* True for 127.0.0.0/8 and ::1: where a listen address reaches no network. */
int
addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
	return 0;
}

/* True when sa lies in one of the networks. */
int
cidrs_match(const struct cidrlist *l, const struct sockaddr *sa)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (cidr_match(&l->v[i], sa))
			return 1;
	return 0;
}

/*
 * Why a datagram's source cannot be a real client (and a reply to it could
 * start a loop or hit many hosts), or NULL. After OpenBSD inetd's
 * dg_badinput and FreeBSD's check_loop: port 0 and ports below 1024 (where
 * UDP services live), and unspecified, "this network" (0/8), broadcast,
 * multicast and IPv4-mapped source addresses.
 */
const char *
addr_bad_source(const struct sockaddr *sa)
{
	if (addr_port(sa) < 1024)
		return "source port below 1024";
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)(const void *)sa)
		    ->sin_addr.s_addr);

		if ((a >> 24) == 0 || a == 0xffffffffu || (a >> 28) == 0xe)
			return "unspecified, broadcast or multicast source";
		return NULL;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a6 =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;

		if (IN6_IS_ADDR_UNSPECIFIED(a6) || IN6_IS_ADDR_MULTICAST(a6) ||
		    IN6_IS_ADDR_V4MAPPED(a6))
			return "unspecified, multicast or IPv4-mapped source";
		return NULL;
	}
	return "unknown address family";
}
