/* SPDX-License-Identifier: MIT */
/*
 * The distribution controller of a libktls_dist link: a port driver (erl_driver.h) over a
 * struct ktls_conn, as OTP's distribution guide describes an alternative carrier. The VM gives
 * the port each packet to send (outputv) and the driver gives the VM each packet received
 * (driver_output_binary, a part of the buffer it was read into): no Erlang process carries the
 * data, and the driver copies only small parts of packets.
 *
 * Packets are framed by a 2-byte length during the distribution handshake and by a 4-byte one
 * after, as inet_tcp_dist does. During the handshake a packet is delivered to the port's owner
 * only when it asks for one (RECV), so nothing framed for the connected phase is read as a
 * handshake packet. Outgoing packets queue in the driver (out_queue.c: large parts in place, the
 * rest copied together) and go out when the VM has given all it had (a zero timer: the VM's own
 * flush), in writes of up to WriteSize bytes, so small packets share records. A write before that
 * ends where a record does: a large packet's tail shares a record with the next packet. A full
 * socket leaves packets queued and makes the port busy, which suspends senders as inet_drv does.
 * The peer's KeyUpdates are followed inside ktls_conn_readv(); our key is updated at the
 * configured record count; session tickets are dropped; close_notify, alerts and errors end the
 * port with their reason. An idle link holds no buffer; packet buffers are not wiped
 * (distribution data, as in the VM's own buffers), the keys are (ktls_conn_free()).
 *
 * Control commands (port_control/3):
 *   OPEN  <<Fd:32, Suite:16, UpdateAfter:64, WriteSize:32, TxSeq:64, RxSeq:64, TxLen:8, Tx,
 *           RxLen:8, Rx, Plaintext/binary>>: a libktls connection on a duplicate of Fd;
 *           Plaintext (what ssl had decrypted) is read before the socket
 *   RECV  deliver the next handshake packet as {Port, {data, Packet}} to the owner
 *   CONNECTED  4-byte framing from now on; nothing is delivered until ACTIVE
 *   ACTIVE  packets go to the VM (the port is the node's controller, erlang:setnode/3)
 *   TICK  an empty packet, unless something waits to be sent
 *   STATS <<Received:64, Sent:64, Queued:64>>: packets (ticks included), bytes waiting
 *   INFO  <<TxGen:32, RxGen:32, TxRecords:64, RxRecords:64, Limit:64>>
 *   UPDATE <<RequestPeer:8>>: our KeyUpdate now
 * A command's error is a reply <<0, Errno-name>>; success is <<1, ...>>.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <erl_driver.h>
#include <ktls.h>

#include "errno_names.h"
#include "key_check.h"
#include "out_queue.h"

/* Reads fill buffers of READ_SIZE bytes. A read that fills a buffer costs a copy twice: the packet
 * it cuts is copied into the next buffer, and the record it cuts is decrypted into a kernel
 * buffer and copied out (a whole record is decrypted in place); read_buffers() ends most buffers
 * where a packet ends instead. The size is above binary_alloc's single-block carrier threshold
 * (sbct, 512 KiB by default), so that each buffer is a segment of its own, taken from and given
 * back to mseg_alloc's cache whole; buffers below it share multiblock carriers, and their turnover
 * faulted in and collapsed huge pages anew (3 faults and 7 collapses per 64 MiB, against 0 and 3).
 * Per MiB of 64 KiB terms, against 256 KiB buffers: 0.4 to 0.7 M instructions less in three pairs
 * of runs; 500,000 bytes (below the threshold) measured 0.5 M more, 1 MiB the same as 256 KiB. */
#define READ_SIZE 589824
#define READS_PER_EVENT 16
#define WRITE_VECTORS 64
#define COPY_BELOW 4096 /* parts of packets smaller than this are queued as copies */

enum command {
	CMD_OPEN = 'O',
	CMD_RECV = 'R',
	CMD_CONNECTED = 'C',
	CMD_ACTIVE = 'A',
	CMD_TICK = 'T',
	CMD_STATS = 'S',
	CMD_INFO = 'I',
	CMD_UPDATE = 'U',
};

enum phase { HANDSHAKE, CONNECTED, ACTIVE };

struct link {
	ErlDrvPort port;
	int fd; /* our own descriptor (a dup), -1 until OPEN and after the end */
	struct ktls_conn *conn;
	enum phase phase;
	int wanted;		/* handshake packets the owner asked for */
	int selected;		/* erts watches the descriptor: only stop_select may close it */
	int writing;		/* the descriptor is selected for writing */
	int timer;		/* the flush timer is armed */
	int busy;
	ErlDrvBinary *in;	/* plaintext received; NULL when all was delivered */
	size_t in_start, in_len; /* in's bytes [in_start, in_len) are not yet a whole packet */
	struct out_queue out;	/* framed packets to send */
	size_t write_size;	/* bytes per write at most; busy past 4 times as many queued */
	size_t record_fill;	/* bytes in the kernel's open record, as far as writes tell */
	uint64_t received, sent;
	struct key_check key_check;
};

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static ErlDrvData link_start(ErlDrvPort port, char *command)
{
	(void)command;
	struct link *l = calloc(1, sizeof(*l));
	if (!l)
		return ERL_DRV_ERROR_ERRNO;
	l->port = port;
	l->fd = -1;
	set_port_control_flags(port, PORT_CONTROL_FLAG_BINARY);
	return (ErlDrvData)l;
}

/* Give up the descriptor; close_notify first when the link ends on our side. */
static void link_close(struct link *l, int notify)
{
	if (l->fd < 0)
		return;
	if (notify && l->phase != HANDSHAKE &&
	    ktls_send_alert(l->fd, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY) < 0) {
		/* a full send buffer: the peer sees the end of the stream without the alert */
	}
	if (l->selected)
		driver_select(l->port, (ErlDrvEvent)(intptr_t)l->fd, ERL_DRV_USE, 0);
	else
		close(l->fd);
	l->fd = -1;
	ktls_conn_free(l->conn);
	l->conn = NULL;
}

static void link_stop(ErlDrvData data)
{
	struct link *l = (struct link *)data;

	link_close(l, 1);
	if (l->in)
		driver_free_binary(l->in);
	out_queue_clear(&l->out);
	free(l);
}

static void link_stop_select(ErlDrvEvent event, void *reserved)
{
	(void)reserved;
	close((int)(intptr_t)event);
}

/* The link ends with Reason as the port's exit reason. */
static void fail(struct link *l, const char *reason, int notify)
{
	link_close(l, notify);
	driver_failure_atom(l->port, (char *)reason);
}

/* A failure's end reason: libktls_ and the errno's name; key_limit_reached for EBUSY, the
 * answer of a kernel that cannot replace a key that reached its limit. */
static void fail_errno(struct link *l, int err, int notify)
{
	char reason[64] = "key_limit_reached";

	if (err != -EBUSY)
		snprintf(reason, sizeof(reason), "libktls_%s", errno_name(err));
	fail(l, reason, notify);
}

/* Room in the input buffer for `want` more bytes. Bytes before in_len are never written again:
 * the VM may hold packets in them (driver_output_binary), so a buffer too small is replaced,
 * the unconsumed bytes copied into the new one. */
static int ensure_room(struct link *l, size_t want)
{
	size_t keep = l->in ? l->in_len - l->in_start : 0;

	if (l->in && (size_t)l->in->orig_size - l->in_len >= want)
		return 0;
	ErlDrvBinary *bin = driver_alloc_binary(keep + (want > READ_SIZE ? want : READ_SIZE));
	if (!bin)
		return -ENOMEM;
	if (keep)
		memcpy(bin->orig_bytes, l->in->orig_bytes + l->in_start, keep);
	if (l->in)
		driver_free_binary(l->in);
	l->in = bin;
	l->in_start = 0;
	l->in_len = keep;
	return 0;
}

/* An idle link keeps no buffer. */
static void drop_empty_buffer(struct link *l)
{
	if (l->in && l->in_start == l->in_len) {
		driver_free_binary(l->in);
		l->in = NULL;
		l->in_start = l->in_len = 0;
	}
}

/* The length header of a packet: 2 bytes in the handshake, 4 after. */
static size_t header_len(const struct link *l)
{
	return l->phase == HANDSHAKE ? 2 : 4;
}

/* Packets whole in the input buffer: to the VM (ACTIVE) as parts of the buffer, or copied, one
 * per request, to the owner (HANDSHAKE). */
static void deliver(struct link *l)
{
	size_t header = header_len(l);

	while (l->in && l->phase != CONNECTED && (l->phase == ACTIVE || l->wanted > 0)) {
		size_t avail = l->in_len - l->in_start;
		if (avail < header)
			break;
		const uint8_t *p = (const uint8_t *)l->in->orig_bytes + l->in_start;
		size_t len = (size_t)get_be(p, (int)header);
		if (avail - header < len)
			break;
		l->received++;
		if (l->phase == HANDSHAKE) {
			driver_output(l->port, (char *)p + header, len);
			l->wanted--;
		} else if (len > 0) { /* an empty packet is a tick */
			driver_output_binary(l->port, NULL, 0, l->in, l->in_start + header, len);
		}
		l->in_start += header + len;
	}
	drop_empty_buffer(l);
}

/* The bytes that complete the first packet not yet delivered; 0 when its header is incomplete or
 * it is whole (one the owner has not asked for yet). */
static size_t packet_rest(const struct link *l)
{
	size_t header = header_len(l);
	size_t avail = l->in ? l->in_len - l->in_start : 0;

	if (avail < header)
		return 0;
	size_t len = header + (size_t)get_be((const uint8_t *)l->in->orig_bytes + l->in_start, (int)header);
	return len > avail ? len - avail : 0;
}

/* Where the next read goes: the room left in the input buffer, a new buffer when less than
 * READ_SIZE / 4 is left (the part of a packet it ends in copied over). While the VM takes every
 * packet (ACTIVE), a buffer nearly full that ends in part of a packet is read up to that packet's
 * end and a new buffer (*next) on from there: the next packet starts a buffer of its own, so
 * neither it is copied nor the record it begins in cut where the old buffer ends. */
static int read_buffers(struct link *l, struct iovec v[2], ErlDrvBinary **next)
{
	size_t rest = packet_rest(l);
	size_t room = l->in ? (size_t)l->in->orig_size - l->in_len : 0;

	*next = NULL;
	if (l->phase == ACTIVE && rest > 0 && rest <= room && room - rest < READ_SIZE / 4) {
		*next = driver_alloc_binary(READ_SIZE);
		if (!*next)
			return -ENOMEM;
		v[0] = (struct iovec){ .iov_base = l->in->orig_bytes + l->in_len, .iov_len = rest };
		v[1] = (struct iovec){ .iov_base = (*next)->orig_bytes, .iov_len = READ_SIZE };
		return 2;
	}
	if (ensure_room(l, rest > READ_SIZE / 4 ? rest : READ_SIZE / 4) < 0)
		return -ENOMEM;
	v[0] = (struct iovec){ .iov_base = l->in->orig_bytes + l->in_len,
			       .iov_len = (size_t)l->in->orig_size - l->in_len };
	return 1;
}

/* n bytes read into read_buffers()'s buffers: the packets they complete go to the VM. Past the
 * first buffer, the old input buffer held whole packets only, all delivered: next takes over. */
static void take_read(struct link *l, const struct iovec *v, ErlDrvBinary *next, size_t n)
{
	if (next && n > v[0].iov_len) {
		l->in_len += v[0].iov_len;
		deliver(l);
		if (l->in) /* not reached: the old buffer ended in a whole packet, and deliver() dropped it */
			driver_free_binary(l->in);
		l->in = next;
		l->in_start = 0;
		l->in_len = n - v[0].iov_len;
	} else {
		l->in_len += n;
		if (next)
			driver_free_binary(next);
	}
	deliver(l);
}

static void flush_out(struct link *l, int whole_records);

/* Read what the socket has (at most READS_PER_EVENT reads), then deliver. */
static void link_ready_input(ErlDrvData data, ErlDrvEvent event)
{
	struct link *l = (struct link *)data;
	struct ktls_alert alert;
	ssize_t n = -EAGAIN;

	(void)event;
	if (!l->conn)
		return;
	for (int i = 0; i < READS_PER_EVENT; i++) {
		struct iovec v[2];
		ErlDrvBinary *next;
		int nv = read_buffers(l, v, &next);
		if (nv < 0) {
			fail_errno(l, nv, 1);
			return;
		}
		n = ktls_conn_readv(l->conn, v, nv, MSG_DONTWAIT);
		if (n > 0)
			take_read(l, v, next, (size_t)n);
		else if (next)
			driver_free_binary(next);
		if (n == -ENOMSG) {
			uint8_t type;
			const uint8_t *body;
			size_t len;
			while (ktls_conn_next_message(l->conn, &type, &body, &len) == 1)
				; /* session tickets: a link resumes nothing */
			continue;
		}
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		/* A short read does not mean an empty socket: a read ends at a control record (the
		 * peer's KeyUpdate) and the records behind it wait. Reading goes on until EAGAIN:
		 * the KeyUpdate test stalls when it stops at a short read. */
		if (l->phase == HANDSHAKE && l->wanted == 0)
			break;
	}
	drop_empty_buffer(l); /* a read that found nothing */
	/* our answer to the peer's update_requested goes out now, or on POLLOUT */
	if (ktls_conn_send_pending(l->conn) == 1)
		flush_out(l, 0);
	if (!l->conn)
		return;
	if (n == 0)
		fail(l, "connection_closed", 0);
	else if (n == -ECONNABORTED && ktls_reader_alert(ktls_conn_reader(l->conn), &alert) == 1)
		fail(l, ktls_alert_name(alert.description), 0);
	else if (n < 0 && n != -EAGAIN && n != -ENOMSG && n != -EINTR)
		fail_errno(l, (int)n, 0); /* libktls has sent the alert the failure calls for */
	else if (l->phase == CONNECTED || (l->phase == HANDSHAKE && l->wanted == 0))
		driver_select(l->port, (ErlDrvEvent)(intptr_t)l->fd, ERL_DRV_READ, 0);
}

static void select_input(struct link *l)
{
	driver_select(l->port, (ErlDrvEvent)(intptr_t)l->fd, ERL_DRV_READ | ERL_DRV_USE, 1);
	l->selected = 1;
}

static void set_writing(struct link *l, int on)
{
	if (l->writing != on)
		driver_select(l->port, (ErlDrvEvent)(intptr_t)l->fd, ERL_DRV_WRITE | (on ? ERL_DRV_USE : 0), on);
	l->writing = on;
	l->selected |= on;
}

/* The VM's flush: a zero timer runs once the VM has given the port everything it had. */
static void arm_flush_timer(struct link *l)
{
	if (!l->timer)
		driver_set_timer(l->port, 0);
	l->timer = 1;
}

static void set_busy(struct link *l)
{
	int busy = l->out.bytes >= 4 * l->write_size;
	if (busy != l->busy)
		set_busy_port(l->port, busy);
	l->busy = busy;
}

/* Write the queue out until it is empty or the socket is full; with whole_records, only what
 * fills records (KTLS_RECORD_MAX bytes each): the tail of a packet then waits for the next packet
 * or the flush timer rather than going out as a record of its own. A plain sendmsg() is safe
 * once ktls_conn_flush() has sent what libktls had pending. */
static void flush_out(struct link *l, int whole_records)
{
	struct iovec v[WRITE_VECTORS];
	int full = 0;

	for (;;) {
		int ret = ktls_conn_flush(l->conn, MSG_DONTWAIT);
		if (ret == -EAGAIN) {
			full = 1;
			break;
		}
		if (ret < 0) {
			fail_errno(l, ret, 0);
			return;
		}
		size_t max = l->out.bytes < l->write_size ? l->out.bytes : l->write_size;
		if (whole_records) {
			size_t end = (l->record_fill + max) / KTLS_RECORD_MAX * KTLS_RECORD_MAX;
			if (end <= l->record_fill)
				break;
			max = end - l->record_fill;
		}
		int nv = out_queue_peek(&l->out, v, WRITE_VECTORS, max);
		if (nv == 0)
			break;
		size_t asked = 0;
		for (int i = 0; i < nv; i++)
			asked += v[i].iov_len;
		struct msghdr msg = { .msg_iov = v, .msg_iovlen = (size_t)nv };
		ssize_t n = sendmsg(l->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			full = 1;
			break;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail_errno(l, -errno, 0);
			return;
		}
		/* the kernel ends a record where a write it took whole ends */
		l->record_fill = (size_t)n == asked ? 0 : (l->record_fill + (size_t)n) % KTLS_RECORD_MAX;
		out_queue_consume(&l->out, (size_t)n);
		ret = key_check_written(&l->key_check, l->conn, (size_t)n);
		if (ret < 0) {
			fail_errno(l, ret, 1);
			return;
		}
	}
	set_writing(l, full);
	set_busy(l);
	if (l->out.bytes > 0 && !full)
		arm_flush_timer(l);
}

static void link_ready_output(ErlDrvData data, ErlDrvEvent event)
{
	struct link *l = (struct link *)data;

	(void)event;
	if (l->conn)
		flush_out(l, 1);
}

static void link_timeout(ErlDrvData data)
{
	struct link *l = (struct link *)data;

	l->timer = 0;
	if (l->conn && !l->writing)
		flush_out(l, 0);
}

/* Whether part i of a packet is queued where it is (a large part of a binary), not copied. */
static int in_place(const ErlIOVec *ev, int i)
{
	return ev->iov[i].iov_len >= COPY_BELOW && ev->binv[i];
}

/* A packet from the VM (or from the handshake's f_send): framed and queued; written when the VM
 * has given everything it had, or at once when a write's worth is queued. */
static void link_outputv(ErlDrvData data, ErlIOVec *ev)
{
	struct link *l = (struct link *)data;
	int hlen = (int)header_len(l);
	size_t copied = (size_t)hlen;

	if (!l->conn)
		return;
	for (int i = 0; i < ev->vsize; i++)
		if (!in_place(ev, i))
			copied += ev->iov[i].iov_len;
	/* the header and the small parts are copied into one room, large parts queued between */
	char *to = out_queue_room(&l->out, copied);
	if (!to) {
		fail_errno(l, -ENOMEM, 1);
		return;
	}
	put_be((uint8_t *)to, ev->size, hlen);
	size_t run = (size_t)hlen;
	int ret = 0;
	for (int i = 0; ret == 0 && i < ev->vsize; i++) {
		if (in_place(ev, i)) {
			ret = out_queue_add(&l->out, run);
			to += run;
			run = 0;
			if (ret == 0)
				ret = out_queue_ref(&l->out, ev->iov[i].iov_base, ev->iov[i].iov_len, ev->binv[i]);
		} else if (ev->iov[i].iov_len > 0) {
			memcpy(to + run, ev->iov[i].iov_base, ev->iov[i].iov_len);
			run += ev->iov[i].iov_len;
		}
	}
	if (ret == 0)
		ret = out_queue_add(&l->out, run);
	if (ret < 0) {
		fail_errno(l, ret, 1);
		return;
	}
	l->sent++;
	if (l->writing) { /* the socket is full: ready_output writes it */
		set_busy(l);
		return;
	}
	if (l->out.bytes >= l->write_size || l->phase == HANDSHAKE)
		flush_out(l, l->phase != HANDSHAKE);
	else
		arm_flush_timer(l);
}

static ErlDrvSSizeT reply(char **rbuf, ErlDrvSizeT rlen, const void *data, size_t len)
{
	ErlDrvBinary *bin = driver_alloc_binary(len);
	(void)rlen;
	if (!bin)
		return -1;
	memcpy(bin->orig_bytes, data, len);
	*rbuf = (char *)bin;
	return (ErlDrvSSizeT)len;
}

static ErlDrvSSizeT error_reply(char **rbuf, ErlDrvSizeT rlen, int err)
{
	const char *name = errno_name(err);
	char buf[32] = { 0 };
	size_t len = strlen(name);
	memcpy(buf + 1, name, len);
	return reply(rbuf, rlen, buf, len + 1);
}

static int open_link(struct link *l, const uint8_t *buf, size_t len)
{
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	struct ktls_secrets tx = { .secret = tx_secret }, rx = { .secret = rx_secret };
	uint64_t limit;
	int ret = -EINVAL;

	if (l->conn || len < 4 + 2 + 8 + 4 + 8 + 8 + 1)
		return -EINVAL;
	int fd = (int)get_be(buf, 4);
	uint16_t suite = (uint16_t)get_be(buf + 4, 2);
	uint64_t update_after = get_be(buf + 6, 8);
	size_t write_size = (size_t)get_be(buf + 14, 4);
	uint64_t tx_seq = get_be(buf + 18, 8), rx_seq = get_be(buf + 26, 8);
	size_t off = 34;
	if (write_size < 1024)
		goto out;
	tx.secret_len = buf[off++];
	if (tx.secret_len > KTLS_SECRET_MAX || len < off + tx.secret_len + 1)
		goto out;
	memcpy(tx_secret, buf + off, tx.secret_len);
	off += tx.secret_len;
	rx.secret_len = buf[off++];
	if (rx.secret_len > KTLS_SECRET_MAX || len < off + rx.secret_len)
		goto out;
	memcpy(rx_secret, buf + off, rx.secret_len);
	off += rx.secret_len;
	ret = ktls_suite_confidentiality_limit(suite, &limit);
	if (ret < 0)
		goto out;
	l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (l->fd < 0 || fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = -errno;
		goto out;
	}
	KTLS_OPTS(ktls_conn_opts, opts, .auto_update_records = update_after);
	ret = ktls_conn_open(l->fd, suite, &tx, tx_seq, &rx, rx_seq, &opts, &l->conn);
	if (ret < 0)
		goto out;
	key_check_init(&l->key_check, update_after, limit);
	l->write_size = write_size;
	if (len > off) { /* what ssl had decrypted comes first */
		ret = ensure_room(l, len - off);
		if (ret < 0)
			goto out;
		memcpy(l->in->orig_bytes, buf + off, len - off);
		l->in_len = len - off;
	}
out:
	explicit_bzero(tx_secret, sizeof(tx_secret));
	explicit_bzero(rx_secret, sizeof(rx_secret));
	if (ret < 0 && l->fd >= 0) {
		ktls_conn_free(l->conn);
		l->conn = NULL;
		close(l->fd);
		l->fd = -1;
	}
	return ret;
}

static ErlDrvSSizeT link_control(ErlDrvData data, unsigned int command, char *buf, ErlDrvSizeT len,
				 char **rbuf, ErlDrvSizeT rlen)
{
	struct link *l = (struct link *)data;
	uint8_t ok[1 + 8 + 8 + 8] = { 1 };
	int ret;

	if (command != CMD_OPEN && !l->conn)
		return error_reply(rbuf, rlen, -EBADF);
	switch (command) {
	case CMD_OPEN:
		ret = open_link(l, (const uint8_t *)buf, len);
		if (ret < 0)
			return error_reply(rbuf, rlen, ret);
		return reply(rbuf, rlen, ok, 1);
	case CMD_RECV:
		l->wanted++;
		deliver(l);
		if (l->wanted > 0)
			select_input(l);
		return reply(rbuf, rlen, ok, 1);
	case CMD_CONNECTED:
		l->phase = CONNECTED;
		l->wanted = 0;
		driver_select(l->port, (ErlDrvEvent)(intptr_t)l->fd, ERL_DRV_READ, 0);
		return reply(rbuf, rlen, ok, 1);
	case CMD_ACTIVE:
		l->phase = ACTIVE;
		deliver(l);
		select_input(l);
		return reply(rbuf, rlen, ok, 1);
	case CMD_TICK:
		if (l->out.bytes == 0) {
			ErlIOVec empty = { 0 };
			link_outputv(data, &empty);
		}
		return reply(rbuf, rlen, ok, 1);
	case CMD_STATS:
		put_be(ok + 1, l->received, 8);
		put_be(ok + 9, l->sent, 8);
		put_be(ok + 17, l->out.bytes, 8);
		return reply(rbuf, rlen, ok, sizeof(ok));
	case CMD_INFO: {
		struct ktls_key_usage u = { .sz = sizeof(u) };
		uint8_t info[1 + 4 + 4 + 8 + 8 + 8] = { 1 };
		ret = ktls_conn_key_usage(l->conn, &u);
		if (ret < 0)
			return error_reply(rbuf, rlen, ret);
		put_be(info + 1, u.tx_generation, 4);
		put_be(info + 5, u.rx_generation, 4);
		put_be(info + 9, u.tx_records, 8);
		put_be(info + 17, u.rx_records, 8);
		put_be(info + 25, u.record_limit, 8);
		return reply(rbuf, rlen, info, sizeof(info));
	}
	case CMD_UPDATE:
		if (len != 1)
			return error_reply(rbuf, rlen, -EINVAL);
		if (l->out.bytes > 0 || ktls_conn_send_pending(l->conn) == 1)
			return error_reply(rbuf, rlen, -EAGAIN);
		ret = ktls_conn_update_keys(l->conn, buf[0] != 0);
		if (ret < 0)
			return error_reply(rbuf, rlen, ret);
		key_check_reset(&l->key_check);
		if (ktls_conn_send_pending(l->conn) == 1)
			flush_out(l, 0);
		return reply(rbuf, rlen, ok, 1);
	default:
		return error_reply(rbuf, rlen, -EINVAL);
	}
}

static ErlDrvEntry link_entry = {
	.start = link_start,
	.stop = link_stop,
	.ready_input = link_ready_input,
	.ready_output = link_ready_output,
	.driver_name = "libktls_dist_drv",
	.control = link_control,
	.timeout = link_timeout,
	.outputv = link_outputv,
	.extended_marker = ERL_DRV_EXTENDED_MARKER,
	.major_version = ERL_DRV_EXTENDED_MAJOR_VERSION,
	.minor_version = ERL_DRV_EXTENDED_MINOR_VERSION,
	.driver_flags = ERL_DRV_FLAG_USE_PORT_LOCKING | ERL_DRV_FLAG_SOFT_BUSY,
	.stop_select = link_stop_select,
};

DRIVER_INIT(libktls_dist_drv)
{
	return &link_entry;
}
