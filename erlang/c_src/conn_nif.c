/* SPDX-License-Identifier: MIT */
/*
 * A kTLS connection driven from Erlang with enif_select: a struct ktls_conn on a descriptor of
 * its own, read and written without ever blocking. The peer's KeyUpdates are followed inside
 * ktls_conn_read(), our own key is updated once it has carried the configured number of records,
 * and control records come back as terms (close_notify, alerts) instead of an EIO.
 *
 * One process owns a connection (conn_own/1): it receives the {select, Conn, undefined,
 * ready_input | ready_output} messages, and the descriptor is closed when it exits. Other
 * processes may call conn_info/1 (a mutex guards the state).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "key_check.h"
#include "nif.h"

#define RECV_SIZE 65536

struct conn_res {
	ErlNifMutex *lock;
	int fd;		/* our own descriptor (a dup), -1 once closed */
	int selected;	/* enif_select() saw fd: only its stop callback may close it */
	struct ktls_conn *conn;
	uint8_t *out;	/* what a short write left, sent before anything else */
	size_t out_len, out_off;
	uint64_t received, sent;	/* completed reads and writes: the link's activity */
	struct key_check key_check;
};

static ErlNifResourceType *conn_type;

static void wipe_out(struct conn_res *c)
{
	if (c->out) {
		explicit_bzero(c->out, c->out_len);
		free(c->out);
	}
	c->out = NULL;
	c->out_len = c->out_off = 0;
}

/* Close our descriptor: through the stop callback once erts has watched it. */
static void close_fd(ErlNifEnv *env, struct conn_res *c)
{
	if (c->fd < 0)
		return;
	if (c->selected)
		enif_select(env, c->fd, ERL_NIF_SELECT_STOP, c, NULL, atom(env, "undefined"));
	else
		close(c->fd);
	c->fd = -1;
	ktls_conn_free(c->conn);
	c->conn = NULL;
	wipe_out(c);
}

static void conn_stop(ErlNifEnv *env, void *obj, ErlNifEvent event, int is_direct_call)
{
	(void)env;
	(void)obj;
	(void)is_direct_call;
	close((int)event);
}

static void conn_down(ErlNifEnv *env, void *obj, ErlNifPid *pid, ErlNifMonitor *mon)
{
	struct conn_res *c = obj;

	(void)pid;
	(void)mon;
	enif_mutex_lock(c->lock);
	close_fd(env, c);
	enif_mutex_unlock(c->lock);
}

static void conn_dtor(ErlNifEnv *env, void *obj)
{
	struct conn_res *c = obj;

	(void)env;
	if (c->fd >= 0 && !c->selected)
		close(c->fd);
	ktls_conn_free(c->conn);
	wipe_out(c);
	if (c->lock)
		enif_mutex_destroy(c->lock);
}

int conn_nif_load(ErlNifEnv *env)
{
	ErlNifResourceTypeInit init = { .dtor = conn_dtor, .stop = conn_stop, .down = conn_down };

	conn_type = enif_open_resource_type_x(env, "libktls_conn", &init, ERL_NIF_RT_CREATE, NULL);
	return conn_type ? 0 : -1;
}

static int get_conn(ErlNifEnv *env, ERL_NIF_TERM term, struct conn_res **c)
{
	return enif_get_resource(env, term, conn_type, (void **)c);
}

static int get_secret(ErlNifEnv *env, ERL_NIF_TERM term, uint8_t *buf, size_t *len)
{
	ErlNifBinary bin;

	if (!enif_inspect_binary(env, term, &bin) || bin.size > KTLS_SECRET_MAX)
		return 0;
	memcpy(buf, bin.data, bin.size);
	*len = bin.size;
	return 1;
}

/*
 * conn_open(Fd, Suite, TxSecret, TxSeq, RxSecret, RxSeq, UpdateAfterRecords) -> {ok, Conn} |
 * {error, Reason}: installs both directions' TLS 1.3 keys on a duplicate of Fd. The caller may
 * close Fd afterwards. UpdateAfterRecords 0 takes libktls's default (half the suite's limit).
 */
ERL_NIF_TERM nif_conn_open(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	struct ktls_secrets tx = { .secret = tx_secret }, rx = { .secret = rx_secret };
	struct ktls_suite_info info = { .sz = sizeof(info) };
	ErlNifUInt64 tx_seq, rx_seq, update_after;
	unsigned int suite;
	uint64_t limit;
	int fd, ret;

	(void)argc;
	if (!enif_get_int(env, argv[0], &fd) || !enif_get_uint(env, argv[1], &suite) || suite > 0xffff ||
	    !get_secret(env, argv[2], tx_secret, &tx.secret_len) || !enif_get_uint64(env, argv[3], &tx_seq) ||
	    !get_secret(env, argv[4], rx_secret, &rx.secret_len) || !enif_get_uint64(env, argv[5], &rx_seq) ||
	    !enif_get_uint64(env, argv[6], &update_after)) {
		explicit_bzero(tx_secret, sizeof(tx_secret));
		explicit_bzero(rx_secret, sizeof(rx_secret));
		return enif_make_badarg(env);
	}
	ret = ktls_suite_info((uint16_t)suite, &info);
	if (ret == 0 && info.tls_version != KTLS_TLS_1_3)
		ret = -EOPNOTSUPP;
	if (ret == 0)
		ret = ktls_suite_confidentiality_limit((uint16_t)suite, &limit);
	struct conn_res *c = ret == 0 ? enif_alloc_resource(conn_type, sizeof(*c)) : NULL;
	if (ret == 0 && !c)
		ret = -ENOMEM;
	if (c) {
		memset(c, 0, sizeof(*c));
		c->fd = -1;
		c->lock = enif_mutex_create("libktls_conn");
		c->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		ret = !c->lock ? -ENOMEM : c->fd < 0 ? -errno : 0;
	}
	if (ret == 0 && fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0)
		ret = -errno;
	if (ret == 0) {
		KTLS_OPTS(ktls_conn_opts, opts, .auto_update_records = update_after);
		ret = ktls_conn_open(c->fd, (uint16_t)suite, &tx, tx_seq, &rx, rx_seq, &opts, &c->conn);
		key_check_init(&c->key_check, update_after, limit);
	}
	explicit_bzero(tx_secret, sizeof(tx_secret));
	explicit_bzero(rx_secret, sizeof(rx_secret));
	if (ret < 0) {
		if (c)
			enif_release_resource(c);
		return error_tuple(env, ret);
	}
	ERL_NIF_TERM term = enif_make_resource(env, c);
	enif_release_resource(c);
	return enif_make_tuple2(env, atom(env, "ok"), term);
}

/* conn_own(Conn) -> ok: the calling process owns Conn; its exit closes the descriptor. */
ERL_NIF_TERM nif_conn_own(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	ErlNifPid self;
	struct conn_res *c;

	(void)argc;
	if (!get_conn(env, argv[0], &c) || !enif_self(env, &self))
		return enif_make_badarg(env);
	return enif_monitor_process(env, c, &self, NULL) == 0 ? atom(env, "ok") : error_tuple(env, -ESRCH);
}

static ERL_NIF_TERM wait_for(ErlNifEnv *env, struct conn_res *c, enum ErlNifSelectFlags mode)
{
	if (enif_select(env, c->fd, mode, c, NULL, atom(env, "undefined")) < 0)
		return error_tuple(env, -EBADF);
	c->selected = 1;
	return atom(env, "wait");
}

/* An alert on a connection that is ending: sent where the send buffer has room, else dropped. */
static void send_last_alert(int fd, uint8_t level, uint8_t description)
{
	if (ktls_send_alert(fd, level, description) < 0)
		return;
}

/* conn_recv(Conn) -> {data, Bin} | wait (a ready_input message follows) | close_notify |
 * {alert, Level, Name} | {error, Reason}. Handshake messages other than KeyUpdate
 * (NewSessionTicket) are dropped. */
ERL_NIF_TERM nif_conn_recv(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct ktls_alert alert;
	struct conn_res *c;
	ERL_NIF_TERM result;
	ErlNifBinary bin;
	int returned = 0;
	ssize_t n;

	(void)argc;
	if (!get_conn(env, argv[0], &c))
		return enif_make_badarg(env);
	/* the kernel decrypts straight into the binary that is returned */
	if (!enif_alloc_binary(RECV_SIZE, &bin))
		return error_tuple(env, -ENOMEM);
	enif_mutex_lock(c->lock);
	if (c->fd < 0) {
		enif_mutex_unlock(c->lock);
		enif_release_binary(&bin);
		return error_tuple(env, -EBADF);
	}
	do {
		n = ktls_conn_read(c->conn, bin.data, bin.size, MSG_DONTWAIT);
		if (n == -ENOMSG) {
			uint8_t type;
			const uint8_t *body;
			size_t len;
			while (ktls_conn_next_message(c->conn, &type, &body, &len) == 1)
				;
		}
	} while (n == -ENOMSG || n == -EINTR);
	/* our answer to the peer's update_requested goes out with the next write, or on POLLOUT */
	if (ktls_conn_send_pending(c->conn) == 1 && !c->out && ktls_conn_flush(c->conn, MSG_DONTWAIT) == -EAGAIN)
		(void)wait_for(env, c, ERL_NIF_SELECT_WRITE);
	if (n > 0) {
		/* shrunk where the allocator can; else the data as a part of the whole binary */
		ERL_NIF_TERM data = enif_realloc_binary(&bin, (size_t)n)
					    ? enif_make_binary(env, &bin)
					    : enif_make_sub_binary(env, enif_make_binary(env, &bin), 0, (size_t)n);
		result = enif_make_tuple2(env, atom(env, "data"), data);
		returned = 1;
		c->received++;
	} else if (n == -EAGAIN) {
		result = wait_for(env, c, ERL_NIF_SELECT_READ);
	} else if (n == 0) {
		result = atom(env, "close_notify");
	} else if (n == -ECONNABORTED && ktls_reader_alert(ktls_conn_reader(c->conn), &alert) == 1) {
		result = alert_term(env, &alert);
	} else { /* libktls sent the fatal alert the failure calls for */
		result = error_tuple(env, (int)n);
	}
	enif_mutex_unlock(c->lock);
	if (!returned)
		enif_release_binary(&bin);
	return result;
}

/* Write out[off..len) without blocking: 0 when all went, -EAGAIN when the rest waits. */
static int write_some(struct conn_res *c, const uint8_t *data, size_t len, size_t *off)
{
	while (*off < len) {
		ssize_t n = ktls_conn_write(c->conn, data + *off, len - *off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			*off += (size_t)n;
		else if (n != -EINTR)
			return n == 0 ? -EAGAIN : (int)n;
	}
	return 0;
}

static ERL_NIF_TERM written(ErlNifEnv *env, struct conn_res *c, size_t len)
{
	c->sent++;
	int ret = key_check_written(&c->key_check, c->conn, len);
	return ret < 0 ? error_tuple(env, ret) : atom(env, "ok");
}

/* conn_send(Conn, IoData) -> ok | wait (the rest goes with conn_flush/1 after ready_output) |
 * {error, Reason}; {error, ebusy}: the key reached its record limit and this kernel cannot
 * replace it; {error, eagain}, nothing sent: an earlier write still waits. */
ERL_NIF_TERM nif_conn_send(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	ErlNifBinary data;
	struct conn_res *c;
	ERL_NIF_TERM result;
	size_t off = 0;

	(void)argc;
	if (!get_conn(env, argv[0], &c) || !enif_inspect_iolist_as_binary(env, argv[1], &data))
		return enif_make_badarg(env);
	enif_mutex_lock(c->lock);
	if (c->fd < 0 || c->out) {
		enif_mutex_unlock(c->lock);
		return error_tuple(env, c->fd < 0 ? -EBADF : -EAGAIN);
	}
	int ret = write_some(c, data.data, data.size, &off);
	if (ret == 0) {
		result = written(env, c, data.size);
	} else if (ret == -EAGAIN) {
		key_check_count(&c->key_check, off); /* the rest counts once conn_flush/1 has sent it */
		c->out = malloc(data.size - off);
		if (c->out) {
			c->out_len = data.size - off;
			memcpy(c->out, data.data + off, c->out_len);
			result = wait_for(env, c, ERL_NIF_SELECT_WRITE);
		} else {
			result = error_tuple(env, -ENOMEM);
		}
	} else {
		result = error_tuple(env, ret);
	}
	enif_mutex_unlock(c->lock);
	return result;
}

/* conn_flush(Conn) -> ok | wait | {error, Reason}: what conn_send/2 or a KeyUpdate left. */
ERL_NIF_TERM nif_conn_flush(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct conn_res *c;
	ERL_NIF_TERM result;
	int ret;

	(void)argc;
	if (!get_conn(env, argv[0], &c))
		return enif_make_badarg(env);
	enif_mutex_lock(c->lock);
	if (c->fd < 0) {
		result = error_tuple(env, -EBADF);
	} else if (c->out) {
		ret = write_some(c, c->out, c->out_len, &c->out_off);
		size_t len = c->out_len;
		if (ret == 0)
			wipe_out(c);
		result = ret == 0 ? written(env, c, len) : ret == -EAGAIN ? wait_for(env, c, ERL_NIF_SELECT_WRITE)
									: error_tuple(env, ret);
	} else {
		ret = ktls_conn_flush(c->conn, MSG_DONTWAIT);
		result = ret == 0 ? atom(env, "ok") : ret == -EAGAIN ? wait_for(env, c, ERL_NIF_SELECT_WRITE)
								    : error_tuple(env, ret);
	}
	enif_mutex_unlock(c->lock);
	return result;
}

/* conn_update_keys(Conn, RequestPeer) -> ok | {error, Reason}: {error, ebusy} where the kernel
 * cannot replace keys, {error, eagain} while a write waits; nothing sent either way. */
ERL_NIF_TERM nif_conn_update_keys(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct conn_res *c;
	int ret;

	(void)argc;
	if (!get_conn(env, argv[0], &c))
		return enif_make_badarg(env);
	int request = enif_is_identical(argv[1], atom(env, "true"));
	if (!request && !enif_is_identical(argv[1], atom(env, "false")))
		return enif_make_badarg(env);
	enif_mutex_lock(c->lock);
	ret = c->fd < 0 ? -EBADF : c->out ? -EAGAIN : ktls_conn_update_keys(c->conn, request);
	if (ret == 0)
		key_check_reset(&c->key_check);
	enif_mutex_unlock(c->lock);
	return ret < 0 ? error_tuple(env, ret) : atom(env, "ok");
}

/* conn_info(Conn) -> {ok, #{tx_generation, rx_generation, tx_records, rx_records, record_limit,
 * received, sent, pending}} | {error, Reason}: records are the kernel's live sequence numbers. */
ERL_NIF_TERM nif_conn_info(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct ktls_key_usage u = { .sz = sizeof(u) };
	struct conn_res *c;
	int ret;

	(void)argc;
	if (!get_conn(env, argv[0], &c))
		return enif_make_badarg(env);
	enif_mutex_lock(c->lock);
	ret = c->fd < 0 ? -EBADF : ktls_conn_key_usage(c->conn, &u);
	const struct field fields[] = {
		{ "tx_generation", enif_make_uint(env, u.tx_generation) },
		{ "rx_generation", enif_make_uint(env, u.rx_generation) },
		{ "tx_records", enif_make_uint64(env, u.tx_records) },
		{ "rx_records", enif_make_uint64(env, u.rx_records) },
		{ "record_limit", enif_make_uint64(env, u.record_limit) },
		{ "received", enif_make_uint64(env, c->received) },
		{ "sent", enif_make_uint64(env, c->sent) },
		{ "pending", enif_make_uint64(env, c->out_len - c->out_off) },
	};
	enif_mutex_unlock(c->lock);
	return ret < 0 ? error_tuple(env, ret) : ok_map(env, fields, sizeof(fields) / sizeof(fields[0]));
}

/* conn_close(Conn) -> ok: close_notify where the send buffer has room, then the descriptor. */
ERL_NIF_TERM nif_conn_close(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct conn_res *c;

	(void)argc;
	if (!get_conn(env, argv[0], &c))
		return enif_make_badarg(env);
	enif_mutex_lock(c->lock);
	if (c->fd >= 0 && !c->out)
		send_last_alert(c->fd, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY);
	close_fd(env, c);
	enif_mutex_unlock(c->lock);
	return atom(env, "ok");
}
