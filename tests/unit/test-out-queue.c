/* SPDX-License-Identifier: MIT */
/*
 * The distribution driver's send queue (erlang/c_src/out_queue.c) over a double of the VM's
 * binaries: each binary's reference count is kept, so the tests see which binaries the queue
 * holds, in what order the bytes come out and when the queue lets go of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "out_queue.h"

/* The VM's binary functions, with a reference count in front of each binary. */
struct counted {
	long refc;
	ErlDrvBinary bin;
};
static long live; /* binaries allocated and not yet freed */

static struct counted *counted(ErlDrvBinary *bin)
{
	return (struct counted *)((char *)bin - offsetof(struct counted, bin));
}

ErlDrvBinary *driver_alloc_binary(ErlDrvSizeT size)
{
	struct counted *c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->refc = 1;
	c->bin.orig_size = (ErlDrvSInt)size;
	live++;
	return &c->bin;
}

ErlDrvSInt driver_binary_inc_refc(ErlDrvBinary *bin)
{
	return ++counted(bin)->refc;
}

void driver_free_binary(ErlDrvBinary *bin)
{
	struct counted *c = counted(bin);
	assert_true(c->refc > 0);
	if (--c->refc == 0) {
		free(c);
		live--;
	}
}

static void copy(struct out_queue *q, const char *s)
{
	char *to = out_queue_room(q, strlen(s));
	assert_non_null(to);
	memcpy(to, s, strlen(s));
	assert_int_equal(out_queue_add(q, strlen(s)), 0);
}

/* All queued bytes, in the order peek gives them, as a string. */
static char *queued(const struct out_queue *q)
{
	static char out[1 << 17];
	struct iovec v[64];
	int n = out_queue_peek(q, v, 64, SIZE_MAX);
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		memcpy(out + at, v[i].iov_base, v[i].iov_len);
		at += v[i].iov_len;
	}
	assert_int_equal(at, q->bytes);
	out[at] = 0;
	return out;
}

static void copies_in_a_row_are_one_vector(void **state)
{
	struct out_queue q = { 0 };
	struct iovec v[4];
	(void)state;
	copy(&q, "ab");
	copy(&q, "cde");
	copy(&q, "");
	copy(&q, "f");
	assert_int_equal(out_queue_peek(&q, v, 4, SIZE_MAX), 1);
	assert_int_equal(v[0].iov_len, 6);
	assert_string_equal(queued(&q), "abcdef");
	assert_int_equal(live, 1); /* the chunk */
	out_queue_clear(&q);
	assert_int_equal(live, 0);
}

static void large_parts_stay_in_place_and_keep_order(void **state)
{
	struct out_queue q = { 0 };
	struct iovec v[8];
	ErlDrvBinary *big = driver_alloc_binary(8);
	(void)state;
	memcpy(big->orig_bytes, "BIGPART!", 8);
	copy(&q, "h1");
	assert_int_equal(out_queue_ref(&q, big->orig_bytes, 8, big), 0);
	assert_int_equal(counted(big)->refc, 2);
	copy(&q, "h2");
	assert_int_equal(out_queue_peek(&q, v, 8, SIZE_MAX), 3);
	assert_ptr_equal(v[1].iov_base, big->orig_bytes); /* not copied */
	assert_string_equal(queued(&q), "h1BIGPART!h2");
	/* the VM drops its reference after outputv; the queue's keeps the bytes */
	driver_free_binary(big);
	assert_string_equal(queued(&q), "h1BIGPART!h2");
	out_queue_consume(&q, 12);
	assert_int_equal(q.bytes, 0);
	assert_int_equal(live, 0); /* an empty queue holds nothing */
	assert_null(q.parts);
}

static void peek_is_bounded_and_consume_goes_part_by_part(void **state)
{
	struct out_queue q = { 0 };
	struct iovec v[8];
	ErlDrvBinary *big = driver_alloc_binary(6);
	(void)state;
	memcpy(big->orig_bytes, "012345", 6);
	copy(&q, "abc");
	assert_int_equal(out_queue_ref(&q, big->orig_bytes, 6, big), 0);
	driver_free_binary(big);
	copy(&q, "xyz");
	assert_int_equal(out_queue_peek(&q, v, 1, SIZE_MAX), 1);
	assert_int_equal(v[0].iov_len, 3);
	assert_int_equal(out_queue_peek(&q, v, 8, 5), 2); /* "abc" and "01" */
	assert_int_equal(v[1].iov_len, 2);
	out_queue_consume(&q, 5); /* a write that ended inside the large part */
	assert_string_equal(queued(&q), "2345xyz");
	assert_int_equal(live, 2);
	out_queue_consume(&q, 4); /* the large part done: released */
	assert_int_equal(live, 1);
	assert_string_equal(queued(&q), "xyz");
	copy(&q, "!"); /* appended to the part it follows */
	assert_int_equal(out_queue_peek(&q, v, 8, SIZE_MAX), 1);
	assert_string_equal(queued(&q), "xyz!");
	out_queue_consume(&q, 4);
	assert_int_equal(live, 0);
}

static void a_full_chunk_moves_on_and_old_parts_keep_theirs(void **state)
{
	struct out_queue q = { 0 };
	static char a[65536 - 10], b[100];
	(void)state;
	memset(a, 'a', sizeof(a) - 1);
	memset(b, 'b', sizeof(b) - 1);
	copy(&q, a);
	copy(&q, b); /* does not fit the first chunk */
	assert_int_equal(live, 2);
	assert_int_equal(q.bytes, sizeof(a) - 1 + sizeof(b) - 1);
	char *all = queued(&q);
	assert_int_equal(all[0], 'a');
	assert_int_equal(all[sizeof(a) - 2], 'a');
	assert_int_equal(all[sizeof(a) - 1], 'b');
	out_queue_consume(&q, sizeof(a) - 1); /* the first chunk's only part: the chunk goes */
	assert_int_equal(live, 1);
	out_queue_consume(&q, sizeof(b) - 1);
	assert_int_equal(live, 0);
}

static void many_parts_grow_the_queue(void **state)
{
	struct out_queue q = { 0 };
	ErlDrvBinary *big = driver_alloc_binary(1);
	char expect[1001] = { 0 };
	(void)state;
	big->orig_bytes[0] = 'R';
	for (int i = 0; i < 500; i++) { /* 1,000 parts: copies between references */
		copy(&q, "c");
		assert_int_equal(out_queue_ref(&q, big->orig_bytes, 1, big), 0);
		expect[2 * i] = 'c';
		expect[2 * i + 1] = 'R';
	}
	assert_int_equal(counted(big)->refc, 501);
	struct iovec v[64];
	assert_int_equal(out_queue_peek(&q, v, 64, SIZE_MAX), 64);
	size_t done = 0;
	while (q.bytes > 0) { /* writes of 7 bytes */
		int n = out_queue_peek(&q, v, 64, 7);
		size_t len = 0;
		for (int i = 0; i < n; i++) {
			assert_memory_equal(v[i].iov_base, expect + done + len, v[i].iov_len);
			len += v[i].iov_len;
		}
		out_queue_consume(&q, len);
		done += len;
	}
	assert_int_equal(done, 1000);
	assert_int_equal(counted(big)->refc, 1);
	driver_free_binary(big);
	assert_int_equal(live, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copies_in_a_row_are_one_vector),
		cmocka_unit_test(large_parts_stay_in_place_and_keep_order),
		cmocka_unit_test(peek_is_bounded_and_consume_goes_part_by_part),
		cmocka_unit_test(a_full_chunk_moves_on_and_old_parts_keep_theirs),
		cmocka_unit_test(many_parts_grow_the_queue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
