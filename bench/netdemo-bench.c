/* SPDX-License-Identifier: MIT */
/*
 * netdemo-bench.c: closed-loop load generators for netdemo's services.
 *
 *   netdemo-bench echo HOST:PORT CONNS SIZE SECONDS
 *	CONNS TCP connections; each sends SIZE bytes, waits for all of them
 *	to come back, and sends again.
 *   netdemo-bench udp HOST:PORT SOCKETS SECONDS WORD...
 *	SOCKETS UDP sockets, each with one request in flight, cycling
 *	through the words; a reply missing for 200 ms counts as lost.
 *   netdemo-bench chat HOST:PORT MEMBERS SECONDS
 *	MEMBERS sockets join; one of them sends, and the next message goes
 *	once every member has it (or 200 ms passed): deliveries per second.
 *   netdemo-bench fedchat HOST:PORT HOST2:PORT2 MEMBERS SECONDS
 *	MEMBERS join each of two federated chat instances; members of the
 *	first take turns to send, the next message goes once all have it:
 *	deliveries per second, and the latency of a delivery on the sender's
 *	instance (local) and on the other one (cross).
 *   netdemo-bench dictconn HOST:PORT CLIENTS SECONDS WORD...
 *	DICT (RFC 2229) as the dict client uses it: CLIENTS at once, each
 *	connects, sends CLIENT, DEFINE * WORD and QUIT, reads until the
 *	server closes, and connects again: queries per second.
 *   netdemo-bench dictpipe HOST:PORT CONNS DEPTH SECONDS WORD...
 *	CONNS kept DICT connections, each with DEPTH pipelined DEFINEs in
 *	flight; the next DEPTH go once all their replies are in.
 *   netdemo-bench hold HOST:PORT CONNS SECONDS
 *	opens CONNS echo connections, echoes one byte on each, holds them.
 *
 * Prints one line of "key=value" figures. Plain epoll, one thread: the
 * loader should cost as little as the servers it measures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES	(1 << 22)
#define UDP_LOST_NS	200000000LL
#define DICT_LINE	4096

struct sample_set {
	uint32_t	*us;
	size_t		 n;
};

struct peer {
	int		fd;
	int64_t		sent_at;
	size_t		done;		/* bytes back, or word index */
	unsigned	word;
};

/* A DICT connection's reply stream, cut into lines. */
struct dict_peer {
	int		fd;
	int64_t		sent_at;
	unsigned	word;
	int		pending;	/* replies still to come */
	int		in_text;	/* between a 151 line and its "." */
	int		bye;		/* the 221 came */
	size_t		len;
	char		line[DICT_LINE];
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
die(const char *what)
{
	perror(what);
	exit(1);
}

static void
record(struct sample_set *s, int64_t ns)
{
	if (s->n < MAX_SAMPLES)
		s->us[s->n++] = (uint32_t)(ns / 1000);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static uint32_t
pct(const struct sample_set *s, double p)
{
	size_t i;

	if (s->n == 0)
		return 0;
	i = (size_t)(p * (double)(s->n - 1));
	return s->us[i];
}

static void
report(struct sample_set *s, uint64_t ops, uint64_t bytes, double secs,
    uint64_t errors, uint64_t lost)
{
	qsort(s->us, s->n, sizeof *s->us, cmp_u32);
	printf("ops=%llu ops_per_s=%.0f mb_per_s=%.2f p50_us=%u p99_us=%u"
	    " p999_us=%u max_us=%u errors=%llu lost=%llu\n",
	    (unsigned long long)ops, (double)ops / secs,
	    (double)bytes / secs / 1e6, pct(s, 0.5), pct(s, 0.99),
	    pct(s, 0.999), s->n ? s->us[s->n - 1] : 0,
	    (unsigned long long)errors, (unsigned long long)lost);
}

static void
parse_addr(const char *spec, struct sockaddr_in *sin)
{
	char host[64];
	const char *colon = strrchr(spec, ':');

	if (colon == NULL || (size_t)(colon - spec) >= sizeof host)
		die("HOST:PORT");
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		die("IPv4 address");
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
tcp_connect(const struct sockaddr_in *sin)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), on = 1;

	if (fd == -1 || connect(fd, (const struct sockaddr *)sin, sizeof *sin) == -1)
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static int
watch(int ep, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

/* Sends what is left of the message; returns -1 on a hard error. */
static int
echo_send(struct peer *p, const char *msg, size_t size)
{
	ssize_t n = send(p->fd, msg, size, MSG_NOSIGNAL);

	if (n == (ssize_t)size)
		return 0;
	return -1;	/* loopback takes SIZE <= 64 KiB at once; else an error */
}

static int
bench_echo(const struct sockaddr_in *sin, int conns, size_t size, double secs)
{
	struct sample_set s = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct peer *peers = calloc((size_t)conns, sizeof *peers);
	struct epoll_event evs[256];
	char *msg = malloc(size), *buf = malloc(1 << 20);
	uint64_t ops = 0, errors = 0;
	int64_t start, end;
	int ep = epoll_create1(0), i, n;

	if (s.us == NULL || peers == NULL || msg == NULL || buf == NULL || ep == -1)
		die("setup");
	memset(msg, 'x', size);
	for (i = 0; i < conns; i++) {
		peers[i].fd = tcp_connect(sin);
		if (watch(ep, peers[i].fd, EPOLLIN, &peers[i]) == -1)
			die("epoll_ctl");
	}
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	for (i = 0; i < conns; i++) {
		peers[i].sent_at = now_ns();
		if (echo_send(&peers[i], msg, size) == -1)
			errors++;
	}
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;
			ssize_t got = recv(p->fd, buf, 1 << 20, 0);

			if (got <= 0) {
				if (got == -1 && errno == EAGAIN)
					continue;
				errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
				continue;
			}
			p->done += (size_t)got;
			if (p->done < size)
				continue;
			record(&s, now_ns() - p->sent_at);
			ops++;
			p->done -= size;
			p->sent_at = now_ns();
			if (echo_send(p, msg, size) == -1)
				errors++;
		}
	}
	report(&s, ops, ops * size * 2, (double)(now_ns() - start) / 1e9, errors, 0);
	return 0;
}

static void
udp_send_word(struct peer *p, char **words, int nwords)
{
	const char *w = words[p->word++ % (unsigned)nwords];

	p->sent_at = now_ns();
	send(p->fd, w, strlen(w), 0);
}

static int
bench_udp(const struct sockaddr_in *sin, int socks, double secs, char **words,
    int nwords)
{
	struct sample_set s = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct peer *peers = calloc((size_t)socks, sizeof *peers);
	struct epoll_event evs[256];
	uint64_t ops = 0, lost = 0, bytes = 0;
	int64_t start, end, last_check;
	int ep = epoll_create1(0), i, n;
	char buf[65536];

	if (s.us == NULL || peers == NULL || ep == -1)
		die("setup");
	for (i = 0; i < socks; i++) {
		peers[i].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		peers[i].word = (unsigned)i;
		if (peers[i].fd == -1 || connect(peers[i].fd,
		    (const struct sockaddr *)sin, sizeof *sin) == -1 ||
		    watch(ep, peers[i].fd, EPOLLIN, &peers[i]) == -1)
			die("udp socket");
	}
	start = last_check = now_ns();
	end = start + (int64_t)(secs * 1e9);
	for (i = 0; i < socks; i++)
		udp_send_word(&peers[i], words, nwords);
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 20);
		for (i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;
			ssize_t got;

			while ((got = recv(p->fd, buf, sizeof buf, 0)) >= 0) {
				record(&s, now_ns() - p->sent_at);
				ops++;
				bytes += (uint64_t)got;
				udp_send_word(p, words, nwords);
			}
		}
		if (now_ns() - last_check > UDP_LOST_NS / 2) {
			last_check = now_ns();
			for (i = 0; i < socks; i++)
				if (last_check - peers[i].sent_at > UDP_LOST_NS) {
					lost++;
					udp_send_word(&peers[i], words, nwords);
				}
		}
	}
	report(&s, ops, bytes, (double)(now_ns() - start) / 1e9, 0, lost);
	return 0;
}

/* Joins every member, paced: a burst would overflow the server's buffer. */
static void
chat_join(struct peer *m, int members, const struct sockaddr_in *sin)
{
	char buf[256];
	int i;

	for (i = 0; i < members; i++) {
		struct timeval tv = { 1, 0 };

		m[i].fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (m[i].fd == -1 || connect(m[i].fd, (const struct sockaddr *)sin,
		    sizeof *sin) == -1)
			die("chat socket");
		setsockopt(m[i].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		send(m[i].fd, "online", 6, 0);
		/* Our own notice comes last of each join's broadcast. */
		while (recv(m[i].fd, buf, sizeof buf, 0) > 0)
			if (i == 0 || memmem(buf, sizeof buf, "# online", 8))
				break;
		fcntl(m[i].fd, F_SETFL, O_NONBLOCK);
	}
	for (i = 0; i < members; i++)
		while (recv(m[i].fd, buf, sizeof buf, 0) > 0)
			;
}

static int
bench_chat(const struct sockaddr_in *sin, int members, double secs)
{
	struct sample_set s = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct peer *m = calloc((size_t)members, sizeof *m);
	struct epoll_event evs[256];
	uint64_t deliveries = 0, lost = 0, round = 0;
	int64_t start, end, sent_at;
	int ep = epoll_create1(0), i, n, got_round = 0;
	char buf[2048];

	if (s.us == NULL || m == NULL || ep == -1)
		die("setup");
	chat_join(m, members, sin);
	for (i = 0; i < members; i++)
		if (watch(ep, m[i].fd, EPOLLIN, &m[i]) == -1)
			die("epoll_ctl");
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	sent_at = now_ns();
	send(m[0].fd, "hello everyone", 14, 0);
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 10);
		for (i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;

			while (recv(p->fd, buf, sizeof buf, 0) > 0) {
				deliveries++;
				got_round++;
			}
		}
		if (got_round >= members || now_ns() - sent_at > UDP_LOST_NS) {
			if (got_round < members)
				lost += (uint64_t)(members - got_round);
			record(&s, now_ns() - sent_at);
			round++;
			got_round = 0;
			sent_at = now_ns();
			send(m[round % (uint64_t)members].fd, "hello everyone", 14, 0);
		}
	}
	report(&s, deliveries, deliveries * 36, (double)(now_ns() - start) / 1e9,
	    0, lost);
	return 0;
}

static void
drain(struct peer *m, int members)
{
	char buf[256];
	int i;

	for (i = 0; i < members; i++)
		while (recv(m[i].fd, buf, sizeof buf, 0) > 0)
			;
}

static int
bench_fedchat(const struct sockaddr_in *a, const struct sockaddr_in *b,
    int members, double secs)
{
	struct sample_set local = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct sample_set cross = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct peer *m = calloc((size_t)members * 2, sizeof *m);
	struct epoll_event evs[256];
	uint64_t deliveries = 0, lost = 0, round = 0;
	int64_t start, end, sent_at, t;
	int ep = epoll_create1(0), i, n, got = 0, all = members * 2;
	char buf[2048];

	if (local.us == NULL || cross.us == NULL || m == NULL || ep == -1)
		die("setup");
	chat_join(m, members, a);
	chat_join(m + members, members, b);
	usleep(200000);
	drain(m, all);
	for (i = 0; i < all; i++)
		if (watch(ep, m[i].fd, EPOLLIN, &m[i]) == -1)
			die("epoll_ctl");
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	sent_at = now_ns();
	send(m[0].fd, "hello everyone", 14, 0);
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 10);
		for (i = 0; i < n; i++) {
			struct peer *p = evs[i].data.ptr;

			while (recv(p->fd, buf, sizeof buf, 0) > 0) {
				t = now_ns() - sent_at;
				record(p < m + members ? &local : &cross, t);
				deliveries++;
				got++;
			}
		}
		if (got >= all || now_ns() - sent_at > UDP_LOST_NS) {
			if (got < all)
				lost += (uint64_t)(all - got);
			round++;
			got = 0;
			sent_at = now_ns();
			send(m[round % (uint64_t)members].fd, "hello everyone", 14, 0);
		}
	}
	qsort(local.us, local.n, sizeof *local.us, cmp_u32);
	qsort(cross.us, cross.n, sizeof *cross.us, cmp_u32);
	printf("ops=%llu ops_per_s=%.0f local_p50_us=%u local_p99_us=%u"
	    " cross_p50_us=%u cross_p99_us=%u lost=%llu\n",
	    (unsigned long long)deliveries,
	    (double)deliveries / ((double)(now_ns() - start) / 1e9),
	    pct(&local, 0.5), pct(&local, 0.99), pct(&cross, 0.5),
	    pct(&cross, 0.99), (unsigned long long)lost);
	return 0;
}

/*
 * Takes one line of a DICT reply stream: a DEFINE is answered once its
 * final status line comes (250 after the definitions, or an error such as
 * 552 no match); text lines between 151 and "." are skipped.
 */
static void
dict_take_line(struct dict_peer *p, const char *line, size_t len)
{
	if (p->in_text) {
		if (len == 1 && line[0] == '.')
			p->in_text = 0;
		return;
	}
	if (len < 4)
		return;
	if (memcmp(line, "151 ", 4) == 0)
		p->in_text = 1;
	else if (memcmp(line, "221 ", 4) == 0)
		p->bye = 1;
	else if (memcmp(line, "250 ", 4) == 0 || line[0] == '4' ||
	    line[0] == '5')
		p->pending--;
}

/* Reads what is there; returns 0 at EOF, -1 on an error, else 1. */
static int
dict_read(struct dict_peer *p)
{
	char buf[65536], *nl, *at;
	ssize_t got;
	size_t take;

	while ((got = recv(p->fd, buf, sizeof buf, 0)) > 0) {
		at = buf;
		while (at < buf + got) {
			nl = memchr(at, '\n', (size_t)(buf + got - at));
			take = (size_t)((nl ? nl : buf + got) - at);
			if (p->len + take < sizeof p->line) {
				memcpy(p->line + p->len, at, take);
				p->len += take;
			}
			if (nl == NULL)
				break;
			if (p->len > 0 && p->line[p->len - 1] == '\r')
				p->len--;
			dict_take_line(p, p->line, p->len);
			p->len = 0;
			at = nl + 1;
		}
	}
	if (got == 0)
		return 0;
	return errno == EAGAIN ? 1 : -1;
}

static void
dict_define(struct dict_peer *p, char *req, size_t *len, char **words,
    int nwords)
{
	*len += (size_t)snprintf(req + *len, 512, "DEFINE * \"%s\"\r\n",
	    words[p->word++ % (unsigned)nwords]);
	p->pending++;
}

/* A new connection for the next query: CLIENT, DEFINE, QUIT at once. */
static void
dict_query_connect(int ep, struct dict_peer *p, const struct sockaddr_in *sin,
    char **words, int nwords)
{
	char req[1024];
	size_t len;

	p->fd = tcp_connect(sin);
	p->pending = p->in_text = p->bye = 0;
	p->len = 0;
	p->sent_at = now_ns();
	len = (size_t)snprintf(req, sizeof req, "CLIENT netdemo-bench\r\n");
	p->pending = 1;		/* CLIENT's 250 */
	dict_define(p, req, &len, words, nwords);
	len += (size_t)snprintf(req + len, sizeof req - len, "QUIT\r\n");
	if (send(p->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len ||
	    watch(ep, p->fd, EPOLLIN, p) == -1)
		die("dict query");
}

static int
bench_dictconn(const struct sockaddr_in *sin, int clients, double secs,
    char **words, int nwords)
{
	struct sample_set s = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct dict_peer *peers = calloc((size_t)clients, sizeof *peers);
	struct epoll_event evs[256];
	uint64_t ops = 0, errors = 0;
	int64_t start, end;
	int ep = epoll_create1(0), i, n;

	if (s.us == NULL || peers == NULL || ep == -1)
		die("setup");
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	for (i = 0; i < clients; i++) {
		peers[i].word = (unsigned)i;
		dict_query_connect(ep, &peers[i], sin, words, nwords);
	}
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct dict_peer *p = evs[i].data.ptr;
			int r = dict_read(p);

			if (r == 1)
				continue;
			/* The server closed (or failed): one query is over. */
			if (r == 0 && p->bye && p->pending == 0) {
				record(&s, now_ns() - p->sent_at);
				ops++;
			} else
				errors++;
			close(p->fd);
			dict_query_connect(ep, p, sin, words, nwords);
		}
	}
	report(&s, ops, 0, (double)(now_ns() - start) / 1e9, errors, 0);
	return 0;
}

static void
dict_send_batch(struct dict_peer *p, int depth, char **words, int nwords)
{
	char req[65536];
	size_t len = 0;
	int i;

	for (i = 0; i < depth && len + 512 < sizeof req; i++)
		dict_define(p, req, &len, words, nwords);
	p->sent_at = now_ns();
	if (send(p->fd, req, len, MSG_NOSIGNAL) != (ssize_t)len)
		die("dict send");
}

static int
bench_dictpipe(const struct sockaddr_in *sin, int conns, int depth,
    double secs, char **words, int nwords)
{
	struct sample_set s = { malloc(MAX_SAMPLES * sizeof(uint32_t)), 0 };
	struct dict_peer *peers = calloc((size_t)conns, sizeof *peers);
	struct epoll_event evs[256];
	uint64_t ops = 0, errors = 0;
	int64_t start, end;
	int ep = epoll_create1(0), i, n;

	if (s.us == NULL || peers == NULL || ep == -1)
		die("setup");
	for (i = 0; i < conns; i++) {
		peers[i].fd = tcp_connect(sin);
		peers[i].word = (unsigned)i;
		if (watch(ep, peers[i].fd, EPOLLIN, &peers[i]) == -1)
			die("epoll_ctl");
	}
	start = now_ns();
	end = start + (int64_t)(secs * 1e9);
	for (i = 0; i < conns; i++)
		dict_send_batch(&peers[i], depth, words, nwords);
	while (now_ns() < end) {
		n = epoll_wait(ep, evs, 256, 100);
		for (i = 0; i < n; i++) {
			struct dict_peer *p = evs[i].data.ptr;
			int before = p->pending;

			if (dict_read(p) != 1) {
				errors++;
				epoll_ctl(ep, EPOLL_CTL_DEL, p->fd, NULL);
				continue;
			}
			ops += (uint64_t)(before - p->pending);
			if (p->pending > 0)
				continue;
			record(&s, now_ns() - p->sent_at);
			dict_send_batch(p, depth, words, nwords);
		}
	}
	report(&s, ops, 0, (double)(now_ns() - start) / 1e9, errors, 0);
	return 0;
}

static int
bench_hold(const struct sockaddr_in *sin, int conns, double secs)
{
	char c;
	int i, fd;

	for (i = 0; i < conns; i++) {
		fd = tcp_connect(sin);
		fcntl(fd, F_SETFL, 0);
		if (send(fd, "x", 1, 0) != 1 || recv(fd, &c, 1, 0) != 1)
			die("hold");
	}
	printf("held=%d\n", conns);
	fflush(stdout);
	usleep((useconds_t)(secs * 1e6));
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;

	if (argc < 5) {
		fprintf(stderr, "usage: netdemo-bench echo|udp|chat|dictconn|dictpipe|hold"
		    " HOST:PORT"
		    " N [SIZE] SECONDS [WORD...]\n");
		return 2;
	}
	raise_nofile();
	parse_addr(argv[2], &sin);
	if (strcmp(argv[1], "echo") == 0 && argc == 6)
		return bench_echo(&sin, atoi(argv[3]), (size_t)atol(argv[4]),
		    atof(argv[5]));
	if (strcmp(argv[1], "udp") == 0 && argc >= 6)
		return bench_udp(&sin, atoi(argv[3]), atof(argv[4]), argv + 5,
		    argc - 5);
	if (strcmp(argv[1], "chat") == 0)
		return bench_chat(&sin, atoi(argv[3]), atof(argv[4]));
	if (strcmp(argv[1], "fedchat") == 0 && argc == 6) {
		struct sockaddr_in sin2;

		parse_addr(argv[3], &sin2);
		return bench_fedchat(&sin, &sin2, atoi(argv[4]), atof(argv[5]));
	}
	if (strcmp(argv[1], "dictconn") == 0 && argc >= 6)
		return bench_dictconn(&sin, atoi(argv[3]), atof(argv[4]),
		    argv + 5, argc - 5);
	if (strcmp(argv[1], "dictpipe") == 0 && argc >= 7)
		return bench_dictpipe(&sin, atoi(argv[3]), atoi(argv[4]),
		    atof(argv[5]), argv + 6, argc - 6);
	if (strcmp(argv[1], "hold") == 0)
		return bench_hold(&sin, atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "netdemo-bench: bad arguments\n");
	return 2;
}
