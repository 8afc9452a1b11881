/* SPDX-License-Identifier: MIT */
/* When a writer asks libktls whether its key is due for an update: every `every` records
 * written, so the key carries at most 1/16 more records than the update interval. Shared by
 * the NIF's connections and the distribution driver. */
#ifndef LIBKTLS_KEY_CHECK_H
#define LIBKTLS_KEY_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include <ktls.h>

#pragma GCC visibility push(hidden)

struct key_check {
	uint64_t unchecked; /* records written since the last check */
	uint64_t every;
};

/* update_after: the connection's auto_update_records (0: half the suite's limit). */
void key_check_init(struct key_check *k, uint64_t update_after, uint64_t limit);
/* Counts the records of a write of `written` bytes. */
void key_check_count(struct key_check *k, size_t written);
/* Counts them and checks when due: 0, or the negative errno of ktls_conn_check_limits(). */
int key_check_written(struct key_check *k, struct ktls_conn *conn, size_t written);
/* After our own KeyUpdate. */
void key_check_reset(struct key_check *k);

#pragma GCC visibility pop

#endif
