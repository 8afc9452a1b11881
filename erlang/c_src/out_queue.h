/* SPDX-License-Identifier: MIT */
/* The distribution driver's queue of bytes to send, in order: large parts of the VM's packets
 * by reference (their binaries held), everything else copied together into shared chunks, so
 * a run of small packets is one vector. Empty, it holds no memory. */
#ifndef LIBKTLS_OUT_QUEUE_H
#define LIBKTLS_OUT_QUEUE_H

#include <stddef.h>
#include <sys/uio.h>

#include <erl_driver.h>

#pragma GCC visibility push(hidden)

struct out_part {
	char *base;
	size_t len;
	ErlDrvBinary *bin; /* a reference the part holds */
};

struct out_queue {
	struct out_part *parts; /* parts[head, count) are queued */
	size_t head, count, capacity;
	size_t bytes;		/* queued */
	ErlDrvBinary *chunk;	/* where copies go, from chunk_used on; NULL when empty */
	size_t chunk_used;
};

/* Room for len bytes, to be written there and queued with out_queue_add(); NULL without memory.
 * Bytes added later, in any number of calls, stay in this room until len have been added. */
char *out_queue_room(struct out_queue *q, size_t len);
/* Queues the next len bytes of the room. 0 or -ENOMEM. */
int out_queue_add(struct out_queue *q, size_t len);
/* Queues base[0, len), a part of bin, by reference. 0 or -ENOMEM. */
int out_queue_ref(struct out_queue *q, char *base, size_t len, ErlDrvBinary *bin);
/* The queue's head in v[0, return): at most max_vectors vectors and max_bytes bytes. */
int out_queue_peek(const struct out_queue *q, struct iovec *v, int max_vectors, size_t max_bytes);
/* Drops the first n bytes (n no more than queued); an empty queue frees all it held. */
void out_queue_consume(struct out_queue *q, size_t n);
/* Drops everything. */
void out_queue_clear(struct out_queue *q);

#pragma GCC visibility pop

#endif
