/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "out_queue.h"

#define CHUNK_SIZE 65536

static int push(struct out_queue *q, char *base, size_t len, ErlDrvBinary *bin)
{
	if (q->count == q->capacity && q->head > 0) {
		memmove(q->parts, q->parts + q->head, (q->count - q->head) * sizeof(*q->parts));
		q->count -= q->head;
		q->head = 0;
	}
	if (q->count == q->capacity) {
		size_t capacity = q->capacity ? 2 * q->capacity : 16;
		struct out_part *parts = realloc(q->parts, capacity * sizeof(*parts));
		if (!parts)
			return -ENOMEM;
		q->parts = parts;
		q->capacity = capacity;
	}
	driver_binary_inc_refc(bin);
	q->parts[q->count++] = (struct out_part){ base, len, bin };
	q->bytes += len;
	return 0;
}

char *out_queue_room(struct out_queue *q, size_t len)
{
	if (!q->chunk || (size_t)q->chunk->orig_size - q->chunk_used < len) {
		ErlDrvBinary *chunk = driver_alloc_binary(len > CHUNK_SIZE ? len : CHUNK_SIZE);
		if (!chunk)
			return NULL;
		if (q->chunk)
			driver_free_binary(q->chunk);
		q->chunk = chunk;
		q->chunk_used = 0;
	}
	return q->chunk->orig_bytes + q->chunk_used;
}

int out_queue_add(struct out_queue *q, size_t len)
{
	if (len == 0)
		return 0;
	char *at = q->chunk->orig_bytes + q->chunk_used;
	struct out_part *last = q->count > q->head ? &q->parts[q->count - 1] : NULL;
	if (last && last->bin == q->chunk && last->base + last->len == at) {
		last->len += len;
		q->bytes += len;
	} else if (push(q, at, len, q->chunk) < 0) {
		return -ENOMEM;
	}
	q->chunk_used += len;
	return 0;
}

int out_queue_ref(struct out_queue *q, char *base, size_t len, ErlDrvBinary *bin)
{
	return len ? push(q, base, len, bin) : 0;
}

int out_queue_peek(const struct out_queue *q, struct iovec *v, int max_vectors, size_t max_bytes)
{
	int n = 0;

	for (size_t i = q->head; i < q->count && n < max_vectors && max_bytes > 0; i++) {
		size_t len = q->parts[i].len < max_bytes ? q->parts[i].len : max_bytes;
		v[n++] = (struct iovec){ q->parts[i].base, len };
		max_bytes -= len;
	}
	return n;
}

void out_queue_consume(struct out_queue *q, size_t n)
{
	q->bytes -= n;
	while (n > 0) {
		struct out_part *p = &q->parts[q->head];
		if (n < p->len) {
			p->base += n;
			p->len -= n;
			break;
		}
		n -= p->len;
		driver_free_binary(p->bin);
		q->head++;
	}
	if (q->head == q->count)
		out_queue_clear(q);
}

void out_queue_clear(struct out_queue *q)
{
	for (size_t i = q->head; i < q->count; i++)
		driver_free_binary(q->parts[i].bin);
	free(q->parts);
	if (q->chunk)
		driver_free_binary(q->chunk);
	*q = (struct out_queue){ 0 };
}
