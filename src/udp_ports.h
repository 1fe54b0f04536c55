/* SPDX-License-Identifier: MIT */
/*
 * udp_ports.h: the UDP ports netdemo's own services are bound to, for the
 * loop guard: a datagram "from" one of them is spoofed, and answering it
 * could start a ping-pong between two services.
 */
#ifndef NETDEMO_UDP_PORTS_H
#define NETDEMO_UDP_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct udp_ports {
	uint16_t	*v;
	size_t		 n;
};

int	udp_ports_add(struct udp_ports *, uint16_t);
void	udp_ports_remove(struct udp_ports *, uint16_t);
int	udp_ports_has(const struct udp_ports *, uint16_t);
void	udp_ports_free(struct udp_ports *);

#endif
