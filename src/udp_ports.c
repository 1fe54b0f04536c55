/* SPDX-License-Identifier: MIT */
/*
 * udp_ports.c: the registry of the UDP ports our services are bound to; a
 * port bound twice (two addresses) is listed twice and removed once each.
 */
#include <stdlib.h>

#include "udp_ports.h"

/* -1 when out of memory; the registry is as it was. */
int
udp_ports_add(struct udp_ports *p, uint16_t port)
{
	uint16_t *v = realloc(p->v, (p->n + 1) * sizeof *v);

	if (v == NULL)
		return -1;
	p->v = v;
	p->v[p->n++] = port;
	return 0;
}

void
udp_ports_remove(struct udp_ports *p, uint16_t port)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		if (p->v[i] == port) {
			p->v[i] = p->v[--p->n];
			return;
		}
	}
}

int
udp_ports_has(const struct udp_ports *p, uint16_t port)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->v[i] == port)
			return 1;
	return 0;
}

void
udp_ports_free(struct udp_ports *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}
