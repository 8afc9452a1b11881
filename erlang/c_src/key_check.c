/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "key_check.h"

void key_check_init(struct key_check *k, uint64_t update_after, uint64_t limit)
{
	uint64_t after = update_after ? update_after : limit / 2;

	k->unchecked = 0;
	k->every = after / 16 ? (after / 16 < 65536 ? after / 16 : 65536) : 1;
}

void key_check_count(struct key_check *k, size_t written)
{
	k->unchecked += (written + KTLS_RECORD_MAX - 1) / KTLS_RECORD_MAX;
}

void key_check_reset(struct key_check *k)
{
	k->unchecked = 0;
}

int key_check_written(struct key_check *k, struct ktls_conn *conn, size_t written)
{
	key_check_count(k, written);
	if (k->unchecked < k->every)
		return 0;
	int ret = ktls_conn_check_limits(conn);
	if (ret == -EAGAIN)
		return 0; /* no room for the KeyUpdate now: the next write tries again */
	if (ret >= 0)
		k->unchecked = 0;
	return ret < 0 ? ret : 0;
}
