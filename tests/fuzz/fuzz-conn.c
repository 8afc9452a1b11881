/* SPDX-License-Identifier: MIT */
/* Stateful fuzz target: two struct ktls_conn over the kernel double (tests/common/kernel-double.h),
 * driven by the input: writes, reads of any buffer size, KeyUpdates with and without
 * update_requested, flushes, a peer that stops reading (full queues, EAGAIN), and transient
 * errnos injected into the next setsockopt of either direction. Whatever happens, every byte
 * read is the next byte the other end wrote (nothing lost, nothing reordered, nothing read under
 * the wrong key), and at the end everything written arrives. Errors other than the injected ones
 * and EAGAIN abort, as does -EKEYEXPIRED on a kernel that can rekey. Once a direction has moved
 * past its first keys, the connection's memory no longer holds that first traffic secret. */
#include <errno.h>
#include <linux/tls.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ktls.h>

#include "../common/kernel-double.h"

#define STREAM_MAX 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct end {
	struct ktls_conn *c;
	uint8_t sent[STREAM_MAX];
	size_t n_sent, n_read;
};

static const int transient[] = { EMFILE, ENOMEM, EINTR, EAGAIN, ENOBUFS };

static int is_transient(ssize_t r)
{
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		if (r == -transient[i])
			return 1;
	return r == -EAGAIN;
}

/* Read once on end `to`; check the bytes against what the other end wrote. 1: dead (rekey
 * refused where the kernel cannot rekey); 0: fine. */
static int read_check(struct end *e, int to, size_t bufsize, int rekey)
{
	static uint8_t buf[STREAM_MAX];
	struct end *me = &e[to], *peer = &e[1 - to];
	uint8_t type;
	const uint8_t *body;
	size_t len;

	ssize_t n = ktls_conn_read(me->c, buf, bufsize ? bufsize : 1, MSG_DONTWAIT);
	if (n > 0) {
		if (me->n_read + (size_t)n > peer->n_sent || memcmp(buf, peer->sent + me->n_read, (size_t)n))
			abort(); /* lost, reordered or garbled */
		me->n_read += (size_t)n;
		return 0;
	}
	if (n == -ENOMSG) /* no other handshake messages are sent: only KeyUpdates, handled inside */
		abort();
	if (n == -EKEYEXPIRED && !rekey)
		return 1;
	if (n == 0 || !is_transient(n))
		abort();
	(void)type, (void)body, (void)len;
	return 0;
}

/* 1 when the connection's heap block holds the secret anywhere. */
static int holds(const struct ktls_conn *c, const uint8_t *secret, size_t len)
{
	const uint8_t *p = (const uint8_t *)c;
	size_t size = malloc_usable_size((void *)c);

	for (size_t i = 0; i + len <= size; i++)
		if (memcmp(p + i, secret, len) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct end e[2];
	static uint8_t s0[48], s1[48];
	uint32_t rnd = 2463534242u;

	for (size_t i = 0; i < sizeof(s0); i++) { /* bytes no other field could hold by chance */
		rnd ^= rnd << 13, rnd ^= rnd >> 17, rnd ^= rnd << 5;
		s0[i] = (uint8_t)rnd;
		s1[i] = (uint8_t)(rnd >> 8);
	}

	if (size < 1)
		return 0;
	const int rekey = data[0] & 1;
	const uint16_t suite = data[0] & 2 ? 0x1303 : 0x1302;
	const size_t secret_len = suite == 0x1302 ? 48 : 32;
	struct kernel_double *d = kernel_double_new(rekey);
	struct ktls_sys sys = kernel_double_sys(d);
	const struct ktls_secrets a = { .secret = s0, .secret_len = secret_len };
	const struct ktls_secrets b = { .secret = s1, .secret_len = secret_len };
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 100000 };
	int dead = 0;

	memset(e, 0, sizeof(e));
	if (ktls_conn_open_sys(&sys, 0, suite, &a, 0, &b, 0, &o, &e[0].c) < 0 ||
	    ktls_conn_open_sys(&sys, 1, suite, &b, 0, &a, 0, &o, &e[1].c) < 0)
		abort();
	for (size_t pos = 1; !dead && size - pos >= 2; pos += 2) {
		const int x = data[pos] & 1;
		const uint8_t arg = data[pos + 1];
		struct end *me = &e[x];
		switch ((data[pos] >> 1) % 6) {
		case 0: { /* write arg * 37 bytes through the connection */
			size_t len = (size_t)arg * 37 % 4000 + 1;
			if (me->n_sent + len > STREAM_MAX)
				break;
			for (size_t i = 0; i < len; i++)
				me->sent[me->n_sent + i] = (uint8_t)(me->n_sent + i) ^ (uint8_t)(x * 0x5a);
			ssize_t n = ktls_conn_write(me->c, me->sent + me->n_sent, len, MSG_DONTWAIT);
			if (n > 0)
				me->n_sent += (size_t)n;
			else if (!is_transient(n))
				abort();
			break;
		}
		case 1: { /* our own KeyUpdate */
			int r = ktls_conn_update_keys(me->c, arg & 1);
			if (r < 0 && !is_transient(r) && !(r == -EBUSY && !rekey))
				abort();
			break;
		}
		case 2: /* the next setsockopt of one direction fails once */
			kernel_double_fail_next_set(d, x, arg & 1 ? TLS_RX : TLS_TX,
						    transient[arg / 2 % (sizeof(transient) / sizeof(transient[0]))]);
			break;
		case 3:
			dead = read_check(e, x, (size_t)arg * 61 % 20000, rekey);
			break;
		case 4: {
			int r = ktls_conn_flush(me->c, MSG_DONTWAIT);
			if (r < 0 && !is_transient(r))
				abort();
			break;
		}
		case 5: /* the peer stops reading: fill its queue with whole data writes */
			for (int i = 0; i < 64; i++) {
				size_t len = 1;
				if (me->n_sent + len > STREAM_MAX)
					break;
				me->sent[me->n_sent] = (uint8_t)me->n_sent ^ (uint8_t)(x * 0x5a);
				if (ktls_conn_write(me->c, me->sent + me->n_sent, len, MSG_DONTWAIT) != 1)
					break;
				me->n_sent++;
			}
			break;
		}
	}
	/* The end: everything written arrives, once nothing is injected any more. */
	for (int round = 0; !dead && round < 100000 &&
			    (e[0].n_read < e[1].n_sent || e[1].n_read < e[0].n_sent ||
			     ktls_conn_send_pending(e[0].c) || ktls_conn_send_pending(e[1].c)); round++) {
		for (int x = 0; x < 2 && !dead; x++) {
			int r = ktls_conn_flush(e[x].c, MSG_DONTWAIT);
			if (r < 0 && !is_transient(r))
				abort();
			dead = read_check(e, x, STREAM_MAX, rekey);
		}
		if (round == 99999)
			abort(); /* no progress: something was lost */
	}
	for (int x = 0; x < 2; x++) { /* end 0 sends under s0 and receives under s1; end 1 the reverse */
		struct ktls_key_usage u = { .sz = sizeof(u) };
		if (ktls_conn_key_usage(e[x].c, &u) < 0)
			abort();
		const uint8_t *tx0 = x == 0 ? s0 : s1, *rx0 = x == 0 ? s1 : s0;
		if ((u.tx_generation > 0 && holds(e[x].c, tx0, secret_len)) ||
		    (u.rx_generation > 0 && holds(e[x].c, rx0, secret_len)) ||
		    (u.tx_generation == 0 && !holds(e[x].c, tx0, secret_len)))
			abort(); /* an old secret kept, or the scan cannot see the secrets at all */
	}
	ktls_conn_free(e[0].c);
	ktls_conn_free(e[1].c);
	kernel_double_free(d);
	return 0;
}
