/* SPDX-License-Identifier: MIT */
/* addr.h: "HOST:PORT" and "[V6]:PORT" parsing and formatting; no sockets. */
#ifndef NETDEMO_ADDR_H
#define NETDEMO_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* Longest formatted address: "[v6%scope]:65535" plus NUL. */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 16)

/* A host's address as bytes (family byte, then the address; no port). */
#define ADDR_HOST_KEYLEN	17

struct addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
};

/* A network: family, address bytes and prefix length. */
struct cidr {
	int		family;
	uint8_t		bytes[16];
	unsigned	prefix;
};

struct cidrlist {
	struct cidr	*v;
	size_t		 n;
};

void	 addr_host_key(const struct sockaddr *, uint8_t *);
void	 addr_source_key(const struct sockaddr *, unsigned, unsigned,
	    uint8_t *);
int	 addr_parse(const char *, struct addr *, char *, size_t);
int	 cidrs_match(const struct cidrlist *, const struct sockaddr *);
const char *addr_bad_source(const struct sockaddr *);
int	 cidr_parse(const char *, struct cidr *, char *, size_t);
int	 cidr_match(const struct cidr *, const struct sockaddr *);
int	 addr_is_loopback(const struct sockaddr *);
int	 addr_is_wildcard(const struct sockaddr *);
char	*addr_format(const struct sockaddr *, char *, size_t);
int	 addr_same(const struct addr *, const struct addr *);
int	 addr_overlap(const struct addr *, const struct addr *);
int	 addr_is_v4mapped(const struct sockaddr *);
uint16_t addr_port(const struct sockaddr *);

#endif
