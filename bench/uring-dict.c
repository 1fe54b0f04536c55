/* SPDX-License-Identifier: MIT */
/*
 * uring-dict.c: a second dict floor, over io_uring instead of system calls
 * per datagram: one multishot recvmsg fills buffers from a provided-buffer
 * ring, each reply is a send with its destination address, and one
 * io_uring_enter submits a whole batch of replies and waits for requests.
 * It answers whether a different kernel interface than recvmmsg/sendmmsg
 * would lower the CPU per reply. Same table as netdemo (dict.c).
 * Usage: uring-dict PORT FILE
 */
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dict.h"

#define NBUF		256	/* buffers in the ring: requests in flight */
#define BUFSZ		2048
#define BGID		1
#define TAG_RECV	1
#define TAG_SEND	2

struct floor {
	struct io_uring		 ring;
	struct io_uring_buf_ring *br;
	struct msghdr		 mh;	/* the form of every received buffer */
	struct dict		*dict;
	int			 fd;
	int			 armed;	/* the multishot recvmsg is live */
	int			 held[NBUF];	/* buffers whose address a send uses */
	int			 nheld;
	char			 bufs[NBUF][BUFSZ];
	struct sockaddr_in	 peers[NBUF];
};

static void
give_back(struct floor *f, int bid, int offset)
{
	io_uring_buf_ring_add(f->br, f->bufs[bid], BUFSZ, (unsigned short)bid,
	    io_uring_buf_ring_mask(NBUF), offset);
}

static int
setup(struct floor *f, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct io_uring_params p = { .flags = IORING_SETUP_SINGLE_ISSUER |
	    IORING_SETUP_DEFER_TASKRUN };
	struct io_uring_buf_reg reg = { .ring_entries = NBUF, .bgid = BGID };
	int i, ret;

	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((f->fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(f->fd, (struct sockaddr *)&sin, sizeof sin) == -1) {
		perror("uring-dict: socket");
		return -1;
	}
	if ((ret = io_uring_queue_init_params(1024, &f->ring, &p)) < 0 ||
	    (ret = posix_memalign((void **)&f->br, 4096,
	    NBUF * sizeof(struct io_uring_buf))) != 0) {
		fprintf(stderr, "uring-dict: %s\n", strerror(ret < 0 ? -ret : ret));
		return -1;
	}
	io_uring_buf_ring_init(f->br);
	reg.ring_addr = (unsigned long)f->br;
	if ((ret = io_uring_register_buf_ring(&f->ring, &reg, 0)) < 0) {
		fprintf(stderr, "uring-dict: buffer ring: %s\n", strerror(-ret));
		return -1;
	}
	for (i = 0; i < NBUF; i++)
		give_back(f, i, i);
	io_uring_buf_ring_advance(f->br, NBUF);
	f->mh.msg_namelen = sizeof(struct sockaddr_in);
	return 0;
}

static struct io_uring_sqe *
next_sqe(struct floor *f)
{
	struct io_uring_sqe *sqe;

	if ((sqe = io_uring_get_sqe(&f->ring)) == NULL) {
		io_uring_submit(&f->ring);
		sqe = io_uring_get_sqe(&f->ring);
	}
	return sqe;
}

static void
arm_recv(struct floor *f)
{
	struct io_uring_sqe *sqe = next_sqe(f);

	io_uring_prep_recvmsg_multishot(sqe, f->fd, &f->mh, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, TAG_RECV);
	f->armed = 1;
}

static void
answer(struct floor *f, struct io_uring_cqe *cqe)
{
	struct io_uring_recvmsg_out *o;
	struct io_uring_sqe *sqe;
	int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
	const char *word, *v;
	size_t n, vlen;

	f->held[f->nheld++] = bid;
	if ((o = io_uring_recvmsg_validate(f->bufs[bid], cqe->res, &f->mh)) == NULL)
		return;
	word = io_uring_recvmsg_payload(o, &f->mh);
	n = io_uring_recvmsg_payload_length(o, cqe->res, &f->mh);
	memcpy(&f->peers[bid], io_uring_recvmsg_name(o), sizeof f->peers[bid]);
	if ((v = dict_lookup(f->dict, word, strnlen(word, n), &vlen)) == NULL) {
		v = "unknown";
		vlen = 7;
	}
	sqe = next_sqe(f);
	io_uring_prep_send(sqe, f->fd, v, vlen, 0);
	io_uring_prep_send_set_addr(sqe, (struct sockaddr *)&f->peers[bid],
	    sizeof f->peers[bid]);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_sqe_set_data64(sqe, TAG_SEND);
}

int
main(int argc, char **argv)
{
	static struct floor f;
	struct diag quiet = { NULL, NULL, 0, 0 };
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	char err[512];
	int i;

	if (argc != 3 || (f.dict = dict_load(argv[2], DICT_MAX_FILE_SIZE, &quiet,
	    err, sizeof err)) == NULL || setup(&f, atoi(argv[1])) == -1)
		return 2;
	for (;;) {
		if (!f.armed)
			arm_recv(&f);
		io_uring_submit_and_wait(&f.ring, 1);
		/* The sends just submitted have copied their addresses. */
		for (i = 0; i < f.nheld; i++)
			give_back(&f, f.held[i], i);
		io_uring_buf_ring_advance(f.br, f.nheld);
		f.nheld = 0;
		seen = 0;
		io_uring_for_each_cqe(&f.ring, head, cqe) {
			seen++;
			if (cqe->user_data != TAG_RECV)
				continue;
			if (!(cqe->flags & IORING_CQE_F_MORE))
				f.armed = 0;
			if (cqe->res >= 0 && (cqe->flags & IORING_CQE_F_BUFFER))
				answer(&f, cqe);
		}
		io_uring_cq_advance(&f.ring, seen);
	}
}
