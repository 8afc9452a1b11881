/* SPDX-License-Identifier: MIT */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <linux/tls.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-double.h"

#define QUEUE_MAX 4096

struct key_state {
	int set;
	uint16_t version, cipher;
	uint8_t key[32], nonce[12];
	uint64_t seq;
};

struct record {
	uint8_t type;
	struct key_state sent_under;
	size_t len, off;
	uint8_t data[KTLS_RECORD_MAX];
};

struct end {
	struct key_state tx, rx;
	int paused, dead, no_pad;
	int sk_err;   /* the socket error a failed decryption sets: sends fail with it until read */
	int send_err; /* kernel_double_fail_sends() */
	struct record *queue[QUEUE_MAX];
	size_t head, tail;
	int fail_next[3];
	unsigned sets[3];
};

struct kernel_double {
	int rekey;
	struct end end[2];
};

struct kernel_double *kernel_double_new(int rekey_supported)
{
	struct kernel_double *d = calloc(1, sizeof(*d));

	if (d)
		d->rekey = rekey_supported;
	return d;
}

/* Like the kernel, the double does not leave keys in memory it frees. */
static void free_record(struct record *r)
{
	explicit_bzero(r, sizeof(*r));
	free(r);
}

void kernel_double_free(struct kernel_double *d)
{
	for (int e = 0; d && e < 2; e++)
		for (size_t i = d->end[e].head; i < d->end[e].tail; i++)
			free_record(d->end[e].queue[i % QUEUE_MAX]);
	if (d)
		explicit_bzero(d, sizeof(*d));
	free(d);
}

void kernel_double_fail_sends(struct kernel_double *d, int fd, int err)
{
	d->end[fd].send_err = err;
}

void kernel_double_fail_next_set(struct kernel_double *d, int fd, int dir, int err)
{
	d->end[fd].fail_next[dir] = err;
}

size_t kernel_double_queued(struct kernel_double *d, int fd)
{
	return d->end[fd].tail - d->end[fd].head;
}

unsigned kernel_double_sets(struct kernel_double *d, int fd, int dir)
{
	return d->end[fd].sets[dir];
}

static int same_key(const struct key_state *a, const struct key_state *b)
{
	return a->version == b->version && a->cipher == b->cipher && a->seq == b->seq &&
	       memcmp(a->key, b->key, sizeof(a->key)) == 0 && memcmp(a->nonce, b->nonce, sizeof(a->nonce)) == 0;
}

static ssize_t dbl_send(void *ctx, int fd, uint8_t type, const void *buf, size_t len, int flags)
{
	struct kernel_double *d = ctx;
	struct end *me = &d->end[fd], *peer = &d->end[1 - fd];
	size_t sent = 0;

	if (!me->tx.set)
		return -EINVAL;
	if (type != KTLS_RECORD_APPLICATION_DATA && (flags & MSG_MORE))
		return -EINVAL;
	if (me->send_err)
		return -me->send_err;
	if (me->sk_err)
		return -me->sk_err;
	do {
		size_t n = len - sent < KTLS_RECORD_MAX ? len - sent : KTLS_RECORD_MAX;
		if (peer->tail - peer->head == QUEUE_MAX)
			return sent ? (ssize_t)sent : -EAGAIN;
		struct record *r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		r->type = type;
		r->sent_under = me->tx;
		r->len = n;
		memcpy(r->data, (const uint8_t *)buf + sent, n);
		peer->queue[peer->tail++ % QUEUE_MAX] = r;
		me->tx.seq++;
		sent += n;
	} while (sent < len);
	return (ssize_t)sent;
}

static ssize_t dbl_recv(void *ctx, int fd, void *buf, size_t len, uint8_t *type, int flags)
{
	struct kernel_double *d = ctx;
	struct end *me = &d->end[fd];
	size_t got = 0;
	int took = 0;

	if (me->dead)
		return -EBADMSG;
	if (me->paused)
		return -EKEYEXPIRED;
	while (got < len && me->head < me->tail) {
		struct record *r = me->queue[me->head % QUEUE_MAX];
		if (r->off == 0 && !same_key(&r->sent_under, &me->rx)) {
			if (got)
				break;
			me->dead = 1;
			me->sk_err = EBADMSG;
			return -EBADMSG;
		}
		if (got && (r->type != *type || r->type != KTLS_RECORD_APPLICATION_DATA))
			break; /* never mix types; only data records merge */
		*type = r->type;
		size_t n = r->len - r->off < len - got ? r->len - r->off : len - got;
		memcpy((uint8_t *)buf + got, r->data + r->off, n);
		got += n;
		took = 1;
		if (flags & MSG_PEEK)
			break;
		r->off += n;
		if (r->off < r->len)
			break;
		me->head++;
		me->rx.seq++;
		int key_update = r->type == KTLS_RECORD_HANDSHAKE && r->len && r->data[0] == KTLS_HANDSHAKE_KEY_UPDATE;
		free_record(r);
		if (key_update && d->rekey) {
			me->paused = 1;
			break;
		}
		if (*type != KTLS_RECORD_APPLICATION_DATA || !n)
			break;
	}
	return took ? (ssize_t)got : -EAGAIN; /* an empty record: 0 bytes with its type */
}

/* recv() without a control buffer: a control record next is EIO and stays queued. */
static ssize_t dbl_recv_data_one(void *ctx, int fd, void *buf, size_t len, int flags)
{
	struct kernel_double *d = ctx;
	struct end *me = &d->end[fd];
	uint8_t type = KTLS_RECORD_APPLICATION_DATA;

	if (len == 0)
		return 0;
	if (!me->dead && !me->paused && me->head < me->tail) {
		const struct record *r = me->queue[me->head % QUEUE_MAX];
		if (r->type != KTLS_RECORD_APPLICATION_DATA && (r->off || same_key(&r->sent_under, &me->rx)))
			return -EIO;
	}
	return dbl_recv(ctx, fd, buf, len, &type, flags);
}

/* readv() as the kernel's: the buffers in order, data up to the first short fill; what ends the
 * read (a control record, a paused key, no more data) ends it with the bytes read so far. */
static ssize_t dbl_recv_data(void *ctx, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	ssize_t got = 0;

	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len == 0)
			continue;
		ssize_t n = dbl_recv_data_one(ctx, fd, iov[i].iov_base, iov[i].iov_len, flags);
		if (n < 0)
			return got ? got : n;
		got += n;
		if ((size_t)n < iov[i].iov_len || (flags & MSG_PEEK))
			break;
	}
	return got;
}

static int layout(uint16_t cipher, size_t *key_len_out, size_t *iv_len_out, size_t *salt_len_out)
{
	size_t key_len, iv_len, salt_len;

	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128: case TLS_CIPHER_AES_CCM_128: case TLS_CIPHER_SM4_GCM:
	case TLS_CIPHER_SM4_CCM: case TLS_CIPHER_ARIA_GCM_128:
		key_len = 16, iv_len = 8, salt_len = 4;
		break;
	case TLS_CIPHER_AES_GCM_256: case TLS_CIPHER_ARIA_GCM_256:
		key_len = 32, iv_len = 8, salt_len = 4;
		break;
	case TLS_CIPHER_CHACHA20_POLY1305:
		key_len = 32, iv_len = 12, salt_len = 0;
		break;
	default:
		return -EINVAL;
	}
	*key_len_out = key_len, *iv_len_out = iv_len, *salt_len_out = salt_len;
	return 0;
}

static int parse_info(const uint8_t *info, size_t len, struct key_state *k)
{
	uint16_t version, cipher;
	size_t key_len, iv_len, salt_len;

	memcpy(&version, info, 2);
	memcpy(&cipher, info + 2, 2);
	if (layout(cipher, &key_len, &iv_len, &salt_len) < 0)
		return -EINVAL;
	if ((version != TLS_1_2_VERSION && version != TLS_1_3_VERSION) || len != 4 + iv_len + key_len + salt_len + 8)
		return -EINVAL;
	memset(k, 0, sizeof(*k));
	k->set = 1, k->version = version, k->cipher = cipher;
	memcpy(k->key, info + 4 + iv_len, key_len);
	memcpy(k->nonce, info + 4 + iv_len + key_len, salt_len);
	memcpy(k->nonce + salt_len, info + 4, iv_len);
	for (int i = 0; i < 8; i++)
		k->seq = k->seq << 8 | info[4 + iv_len + key_len + salt_len + i];
	return 0;
}

static int dbl_set(void *ctx, int fd, int dir, const void *info, size_t len)
{
	struct kernel_double *d = ctx;
	struct end *me = &d->end[fd];
	struct key_state k, *cur = dir == TLS_TX ? &me->tx : &me->rx, *other = dir == TLS_TX ? &me->rx : &me->tx;

	if (me->fail_next[dir]) {
		int err = me->fail_next[dir];
		me->fail_next[dir] = 0;
		return -err;
	}
	/* As measured on 6.1, 6.12 and 7.3: a short header is EINVAL; a kernel that cannot replace
	 * keys answers EBUSY before it reads more; one that can refuses another version or cipher
	 * from the header alone, with EINVAL. */
	uint16_t hdr[2];
	if (len < sizeof(hdr))
		return -EINVAL;
	memcpy(hdr, info, sizeof(hdr));
	if (cur->set && (!d->rekey || cur->version == TLS_1_2_VERSION))
		return -EBUSY;
	if (cur->set && (cur->version != hdr[0] || cur->cipher != hdr[1]))
		return -EINVAL;
	int r = parse_info(info, len, &k);
	if (r < 0)
		return r;
	if ((cur->set && (cur->version != k.version || cur->cipher != k.cipher)) ||
	    (other->set && (other->version != k.version || other->cipher != k.cipher)))
		return -EINVAL;
	*cur = k;
	if (dir == TLS_RX)
		me->paused = 0;
	me->sets[dir]++;
	return 0;
}

static int dbl_get(void *ctx, int fd, int dir, void *info, size_t len)
{
	struct kernel_double *d = ctx;
	const struct key_state *k = dir == TLS_TX ? &d->end[fd].tx : &d->end[fd].rx;
	uint8_t *p = info;
	size_t key_len, iv_len, salt_len;

	if (!k->set)
		return -EBUSY;
	if (layout(k->cipher, &key_len, &iv_len, &salt_len) < 0 || len != 4 + iv_len + key_len + salt_len + 8)
		return -EINVAL;
	/* the live state, key included, as the kernel returns it */
	memcpy(p, &k->version, 2);
	memcpy(p + 2, &k->cipher, 2);
	memcpy(p + 4, k->nonce + salt_len, iv_len);
	memcpy(p + 4 + iv_len, k->key, key_len);
	memcpy(p + 4 + iv_len + key_len, k->nonce, salt_len);
	for (int i = 0; i < 8; i++)
		p[len - 1 - i] = (uint8_t)(k->seq >> (8 * i));
	return 0;
}

/* TLS_RX_EXPECT_NO_PAD: TLS 1.3 RX keys only, as the kernel's do_tls_setsockopt_no_pad(). */
static int dbl_no_pad(void *ctx, int fd, int on)
{
	struct kernel_double *d = ctx;
	struct end *me = &d->end[fd];

	if (!me->rx.set || me->rx.version != KTLS_TLS_1_3)
		return -EINVAL;
	me->no_pad = on != 0;
	return 0;
}

int kernel_double_rx_no_pad(struct kernel_double *d, int fd)
{
	return d->end[fd].no_pad;
}

static void dbl_clear_error(void *ctx, int fd)
{
	struct kernel_double *d = ctx;

	d->end[fd].sk_err = 0;
}

struct ktls_sys kernel_double_sys(struct kernel_double *d)
{
	return (struct ktls_sys){
		.recv_data = dbl_recv_data,
		.recv_record = dbl_recv,
		.send_record = dbl_send,
		.set_crypto = dbl_set,
		.get_crypto = dbl_get,
		.replace_crypto = dbl_set,
		.set_rx_no_pad = dbl_no_pad,
		.clear_error = dbl_clear_error,
		.ctx = d,
	};
}
