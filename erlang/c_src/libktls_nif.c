/* SPDX-License-Identifier: MIT */
/*
 * Erlang NIF over libktls. Its stubs are src/libktls_nif.erl; src/libktls.erl documents each call.
 *
 * Secret material arrives as binaries; it is copied into NIF-local buffers that are wiped before
 * every return. Calls that make system calls run on dirty I/O schedulers, key derivation on dirty
 * CPU schedulers, the pure record decoder on normal ones (it is bounded by one record).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <erl_nif.h>
#include <ktls.h>

#include "errno_names.h"
#include "nif.h"

/* A reader has no lock of its own: any process holding the resource may call on any scheduler,
 * so each call holds this one. */
struct reader_res {
	ErlNifMutex *lock;
	struct ktls_reader *reader;
};

static ErlNifResourceType *reader_type;

ERL_NIF_TERM atom(ErlNifEnv *env, const char *name)
{
	ERL_NIF_TERM a;

	if (!enif_make_existing_atom(env, name, &a, ERL_NIF_LATIN1))
		a = enif_make_atom(env, name);
	return a;
}

ERL_NIF_TERM error_tuple(ErlNifEnv *env, int err)
{
	return enif_make_tuple2(env, atom(env, "error"), atom(env, errno_name(err)));
}

static ERL_NIF_TERM flag(ErlNifEnv *env, int32_t value)
{
	return atom(env, value ? "true" : "false");
}

ERL_NIF_TERM ok_map(ErlNifEnv *env, const struct field *fields, size_t n)
{
	ERL_NIF_TERM keys[8], values[8], map;

	for (size_t i = 0; i < n && i < 8; i++) {
		keys[i] = atom(env, fields[i].name);
		values[i] = fields[i].value;
	}
	if (n > 8 || !enif_make_map_from_arrays(env, keys, values, n, &map))
		return enif_make_badarg(env);
	return enif_make_tuple2(env, atom(env, "ok"), map);
}

static int get_dir(ErlNifEnv *env, ERL_NIF_TERM term, enum ktls_dir *dir)
{
	if (enif_is_identical(term, atom(env, "tx")))
		*dir = KTLS_DIR_TX;
	else if (enif_is_identical(term, atom(env, "rx")))
		*dir = KTLS_DIR_RX;
	else
		return 0;
	return 1;
}

static int get_u16(ErlNifEnv *env, ERL_NIF_TERM term, uint16_t *value)
{
	unsigned int v;

	if (!enif_get_uint(env, term, &v) || v > UINT16_MAX)
		return 0;
	*value = (uint16_t)v;
	return 1;
}

/* Copies of the map's secret, key and iv binaries, wiped by secrets_wipe(). */
struct secret_copy {
	uint8_t secret[KTLS_SECRET_MAX], key[KTLS_SECRET_MAX], iv[KTLS_SECRET_MAX];
	struct ktls_secrets s;
};

static int copy_field(ErlNifEnv *env, ERL_NIF_TERM map, const char *name, uint8_t *buf,
		      const uint8_t **ptr, size_t *len)
{
	ERL_NIF_TERM value;
	ErlNifBinary bin;

	if (!enif_get_map_value(env, map, atom(env, name), &value))
		return 1;
	if (!enif_inspect_binary(env, value, &bin) || bin.size > KTLS_SECRET_MAX)
		return 0;
	memcpy(buf, bin.data, bin.size);
	*ptr = buf;
	*len = bin.size;
	return 1;
}

static int secrets_copy(ErlNifEnv *env, ERL_NIF_TERM map, struct secret_copy *c)
{
	memset(&c->s, 0, sizeof(c->s));
	return enif_is_map(env, map) &&
	       copy_field(env, map, "secret", c->secret, &c->s.secret, &c->s.secret_len) &&
	       copy_field(env, map, "key", c->key, &c->s.key, &c->s.key_len) &&
	       copy_field(env, map, "iv", c->iv, &c->s.iv, &c->s.iv_len);
}

static void secrets_wipe(struct secret_copy *c)
{
	explicit_bzero(c, sizeof(*c));
}

/* crypto_info(Suite, Secrets, Seq) -> {ok, Bytes} | {error, Reason} */
static ERL_NIF_TERM nif_crypto_info(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	uint8_t buf[KTLS_CRYPTO_INFO_MAX];
	struct secret_copy c;
	ErlNifUInt64 seq;
	ERL_NIF_TERM out;
	uint16_t suite;
	ssize_t n;

	(void)argc;
	if (!get_u16(env, argv[0], &suite) || !enif_get_uint64(env, argv[2], &seq))
		return enif_make_badarg(env);
	if (!secrets_copy(env, argv[1], &c)) {
		secrets_wipe(&c);
		return enif_make_badarg(env);
	}
	n = ktls_crypto_info(suite, &c.s, seq, buf, sizeof(buf));
	secrets_wipe(&c);
	if (n < 0)
		return error_tuple(env, (int)n);
	memcpy(enif_make_new_binary(env, (size_t)n, &out), buf, (size_t)n);
	explicit_bzero(buf, sizeof(buf));
	return enif_make_tuple2(env, atom(env, "ok"), out);
}

/* next_secret(Suite, Secret) -> {ok, NextSecret} | {error, Reason}: the TLS 1.3 KeyUpdate step */
static ERL_NIF_TERM nif_next_secret(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	uint8_t secret[KTLS_SECRET_MAX], next[KTLS_SECRET_MAX];
	ErlNifBinary bin;
	ERL_NIF_TERM out;
	uint16_t suite;
	int ret;

	(void)argc;
	if (!get_u16(env, argv[0], &suite) || !enif_inspect_binary(env, argv[1], &bin) ||
	    bin.size > KTLS_SECRET_MAX)
		return enif_make_badarg(env);
	memcpy(secret, bin.data, bin.size);
	ret = ktls_update_secret(suite, secret, bin.size, next);
	explicit_bzero(secret, sizeof(secret));
	if (ret == 0)
		memcpy(enif_make_new_binary(env, bin.size, &out), next, bin.size);
	explicit_bzero(next, sizeof(next));
	return ret < 0 ? error_tuple(env, ret) : enif_make_tuple2(env, atom(env, "ok"), out);
}

/* install(Fd, Dir, Suite, Secrets, Seq) -> ok | {error, Reason} */
static ERL_NIF_TERM nif_install(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct secret_copy c;
	enum ktls_dir dir;
	ErlNifUInt64 seq;
	uint16_t suite;
	int fd, ret;

	(void)argc;
	if (!enif_get_int(env, argv[0], &fd) || !get_dir(env, argv[1], &dir) ||
	    !get_u16(env, argv[2], &suite) || !enif_get_uint64(env, argv[4], &seq))
		return enif_make_badarg(env);
	if (!secrets_copy(env, argv[3], &c)) {
		secrets_wipe(&c);
		return enif_make_badarg(env);
	}
	ret = ktls_install(fd, dir, suite, &c.s, seq);
	secrets_wipe(&c);
	return ret < 0 ? error_tuple(env, ret) : atom(env, "ok");
}

/* suite_info(Suite) -> {ok, Map} | {error, eprotonosupport} */
static ERL_NIF_TERM nif_suite_info(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct ktls_suite_info info = { .sz = sizeof(info) };
	uint16_t suite;
	int ret;

	(void)argc;
	if (!get_u16(env, argv[0], &suite))
		return enif_make_badarg(env);
	ret = ktls_suite_info(suite, &info);
	if (ret < 0)
		return error_tuple(env, ret);
	const struct field fields[] = {
		{ "suite", enif_make_uint(env, info.suite) },
		{ "name", enif_make_string(env, info.name, ERL_NIF_LATIN1) },
		{ "tls_version", atom(env, info.tls_version == KTLS_TLS_1_3 ? "tlsv1.3" : "tlsv1.2") },
		{ "key_len", enif_make_uint64(env, info.key_len) },
		{ "secret_len", enif_make_uint64(env, info.hash_len) },
		{ "iv_len", enif_make_uint64(env, info.iv_len) },
	};
	return ok_map(env, fields, sizeof(fields) / sizeof(fields[0]));
}

/* suites() -> [integer()] */
static ERL_NIF_TERM nif_suites(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	uint16_t suites[256];
	size_t n = ktls_suite_list(suites, 256);
	ERL_NIF_TERM list = enif_make_list(env, 0);

	(void)argc;
	(void)argv;
	if (n > 256)
		n = 256;
	while (n > 0)
		list = enif_make_list_cell(env, enif_make_uint(env, suites[--n]), list);
	return list;
}

/* probe_kernel() -> {ok, Map} | {error, Reason} */
static ERL_NIF_TERM nif_probe_kernel(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct ktls_kernel_caps caps = { .sz = sizeof(caps) };
	int ret = ktls_probe_kernel(&caps);

	(void)argc;
	(void)argv;
	if (ret < 0)
		return error_tuple(env, ret);
	const struct field fields[] = {
		{ "tls", flag(env, caps.tls) },
		{ "tls13_tx", flag(env, caps.tls13_tx) },
		{ "tls13_rx", flag(env, caps.tls13_rx) },
		{ "rekey", flag(env, caps.rekey) },
		{ "tx_zerocopy_sendfile", flag(env, caps.tx_zerocopy_sendfile) },
		{ "rx_expect_no_pad", flag(env, caps.rx_expect_no_pad) },
		{ "tx_max_payload_len", flag(env, caps.tx_max_payload_len) },
	};
	return ok_map(env, fields, sizeof(fields) / sizeof(fields[0]));
}

/* socket_mode(Fd) -> {ok, #{tx => Mode, rx => Mode}} | {error, Reason} */
static const char *mode_name(int32_t mode)
{
	switch (mode) {
	case KTLS_MODE_NONE: return "none";
	case KTLS_MODE_SW: return "sw";
	case KTLS_MODE_HW: return "hw";
	case KTLS_MODE_HW_RECORD: return "hw_record";
	default: return "unknown";
	}
}

static ERL_NIF_TERM nif_socket_mode(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct ktls_socket_info info = { .sz = sizeof(info) };
	int fd, ret;

	(void)argc;
	if (!enif_get_int(env, argv[0], &fd))
		return enif_make_badarg(env);
	ret = ktls_socket_info(fd, &info);
	if (ret < 0)
		return error_tuple(env, ret);
	const struct field fields[] = {
		{ "tls", flag(env, info.ulp == 1) },
		{ "tx", atom(env, mode_name(info.tx_mode)) },
		{ "rx", atom(env, mode_name(info.rx_mode)) },
	};
	return ok_map(env, fields, sizeof(fields) / sizeof(fields[0]));
}

/* record_type(Level, Type, Data) -> {ok, RecordType} | none | {error, Reason}: one control
 * message as Erlang's socket module reports it, checked by libktls. */
static ERL_NIF_TERM nif_record_type(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(64)];
	} control;
	struct cmsghdr *cmsg = &control.align;
	ErlNifBinary data;
	int level, type, ret;
	uint8_t record_type;

	(void)argc;
	if (!enif_get_int(env, argv[0], &level) || !enif_get_int(env, argv[1], &type) ||
	    !enif_inspect_binary(env, argv[2], &data) || data.size > 64)
		return enif_make_badarg(env);
	memset(&control, 0, sizeof(control));
	cmsg->cmsg_level = level;
	cmsg->cmsg_type = type;
	cmsg->cmsg_len = CMSG_LEN(data.size);
	memcpy(CMSG_DATA(cmsg), data.data, data.size);
	ret = ktls_cmsg_record_type(&control, CMSG_SPACE(data.size), &record_type);
	if (ret < 0)
		return error_tuple(env, ret);
	if (ret == 0)
		return atom(env, "none");
	return enif_make_tuple2(env, atom(env, "ok"), enif_make_uint(env, record_type));
}

static void reader_dtor(ErlNifEnv *env, void *obj)
{
	struct reader_res *res = obj;

	(void)env;
	ktls_reader_free(res->reader);
	if (res->lock)
		enif_mutex_destroy(res->lock);
}

/* reader_new(tlsv1_2 | tlsv1_3) -> {ok, Reader} | {error, Reason} */
static ERL_NIF_TERM nif_reader_new(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct reader_res *res;
	ERL_NIF_TERM term;
	uint16_t version;
	int ret;

	(void)argc;
	if (enif_is_identical(argv[0], atom(env, "tlsv1.3")))
		version = KTLS_TLS_1_3;
	else if (enif_is_identical(argv[0], atom(env, "tlsv1.2")))
		version = KTLS_TLS_1_2;
	else
		return enif_make_badarg(env);
	res = enif_alloc_resource(reader_type, sizeof(*res));
	if (!res)
		return error_tuple(env, -ENOMEM);
	res->reader = NULL;
	res->lock = enif_mutex_create("libktls_reader");
	ret = res->lock ? ktls_reader_new(version, 0, &res->reader) : -ENOMEM;
	if (ret < 0) {
		enif_release_resource(res);
		return error_tuple(env, ret);
	}
	term = enif_make_resource(env, res);
	enif_release_resource(res);
	return enif_make_tuple2(env, atom(env, "ok"), term);
}

ERL_NIF_TERM alert_term(ErlNifEnv *env, const struct ktls_alert *alert)
{
	return enif_make_tuple3(env, atom(env, "alert"),
				atom(env, alert->level == KTLS_ALERT_LEVEL_FATAL ? "fatal" : "warning"),
				atom(env, ktls_alert_name(alert->description)));
}

static ERL_NIF_TERM handshake_messages(ErlNifEnv *env, struct ktls_reader *reader)
{
	ERL_NIF_TERM list = enif_make_list(env, 0), body_term, reversed;
	const uint8_t *body;
	size_t body_len;
	uint8_t type;

	while (ktls_reader_next_message(reader, &type, &body, &body_len) == 1) {
		memcpy(enif_make_new_binary(env, body_len, &body_term), body, body_len);
		list = enif_make_list_cell(env,
			enif_make_tuple2(env, enif_make_uint(env, type), body_term), list);
	}
	enif_make_reverse_list(env, list, &reversed);
	return reversed;
}

/*
 * reader_feed(Reader, RecordType, Data) ->
 *   {data, Data} | {handshake, [{Type, Body}]} | more | close_notify | {alert, Level, Name}
 *   | {error, Reason} | {error, Reason, {alert, Level, Name}} (the alert to send)
 */
static ERL_NIF_TERM reader_feed_locked(ErlNifEnv *env, struct reader_res *res, unsigned int type,
				       const ErlNifBinary *data_bin, ERL_NIF_TERM data)
{
	struct ktls_alert alert;
	int ret = ktls_reader_feed(res->reader, (uint8_t)type, data_bin->data, data_bin->size);

	switch (ret) {
	case 0:
		if (type == KTLS_RECORD_APPLICATION_DATA)
			return enif_make_tuple2(env, atom(env, "data"), data);
		/* a whole warning alert that does not end the connection (user_canceled, TLS 1.2) */
		if (type == KTLS_RECORD_ALERT && data_bin->size == 2 && ktls_reader_alert(res->reader, &alert) == 1)
			return alert_term(env, &alert);
		return atom(env, "more"); /* part of a handshake message or alert */
	case 1:
		return atom(env, "close_notify");
	case -ENOMSG:
		return enif_make_tuple2(env, atom(env, "handshake"), handshake_messages(env, res->reader));
	case -ECONNABORTED:
		if (ktls_reader_alert(res->reader, &alert) == 1)
			return alert_term(env, &alert);
		break;
	case -EPROTO:
	case -EMSGSIZE:
		if (ktls_reader_alert_to_send(res->reader, &alert) == 1)
			return enif_make_tuple3(env, atom(env, "error"), error_tuple(env, ret),
						alert_term(env, &alert));
		break;
	}
	return error_tuple(env, ret);
}

static ERL_NIF_TERM nif_reader_feed(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	struct reader_res *res;
	ErlNifBinary data;
	unsigned int type;

	(void)argc;
	if (!enif_get_resource(env, argv[0], reader_type, (void **)&res) ||
	    !enif_get_uint(env, argv[1], &type) || type > 255 ||
	    !enif_inspect_binary(env, argv[2], &data))
		return enif_make_badarg(env);
	enif_mutex_lock(res->lock);
	ERL_NIF_TERM result = reader_feed_locked(env, res, type, &data, argv[2]);
	enif_mutex_unlock(res->lock);
	return result;
}

/* send_alert(Fd, Level, Description) and send_handshake(Fd, Type, Body) -> ok | {error, Reason} */
static ERL_NIF_TERM nif_send_alert(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	unsigned int level, description;
	int fd, ret;

	(void)argc;
	if (!enif_get_int(env, argv[0], &fd) || !enif_get_uint(env, argv[1], &level) ||
	    !enif_get_uint(env, argv[2], &description) || level > 255 || description > 255)
		return enif_make_badarg(env);
	ret = ktls_send_alert(fd, (uint8_t)level, (uint8_t)description);
	return ret < 0 ? error_tuple(env, ret) : atom(env, "ok");
}

static ERL_NIF_TERM nif_send_handshake(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	ErlNifBinary body;
	unsigned int type;
	int fd, ret;

	(void)argc;
	if (!enif_get_int(env, argv[0], &fd) || !enif_get_uint(env, argv[1], &type) || type > 255 ||
	    !enif_inspect_binary(env, argv[2], &body))
		return enif_make_badarg(env);
	ret = ktls_send_handshake(fd, (uint8_t)type, body.data, body.size, 0);
	return ret < 0 ? error_tuple(env, ret) : atom(env, "ok");
}

static ERL_NIF_TERM nif_version(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[])
{
	(void)argc;
	(void)argv;
	return enif_make_string(env, ktls_version(), ERL_NIF_LATIN1);
}

static int load(ErlNifEnv *env, void **priv, ERL_NIF_TERM info)
{
	(void)priv;
	(void)info;
	reader_type = enif_open_resource_type(env, NULL, "libktls_reader", reader_dtor,
					      ERL_NIF_RT_CREATE, NULL);
	return reader_type && conn_nif_load(env) == 0 ? 0 : 1;
}

static ErlNifFunc funcs[] = {
	{ "crypto_info", 3, nif_crypto_info, ERL_NIF_DIRTY_JOB_CPU_BOUND },
	{ "next_secret", 2, nif_next_secret, ERL_NIF_DIRTY_JOB_CPU_BOUND },
	{ "install", 5, nif_install, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "suite_info", 1, nif_suite_info, 0 },
	{ "suites", 0, nif_suites, 0 },
	{ "probe_kernel", 0, nif_probe_kernel, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "socket_mode", 1, nif_socket_mode, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "record_type", 3, nif_record_type, 0 },
	{ "reader_new", 1, nif_reader_new, 0 },
	{ "reader_feed", 3, nif_reader_feed, 0 },
	{ "send_alert", 3, nif_send_alert, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "send_handshake", 3, nif_send_handshake, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "version", 0, nif_version, 0 },
	{ "conn_open", 7, nif_conn_open, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "conn_own", 1, nif_conn_own, 0 },
	{ "conn_recv", 1, nif_conn_recv, 0 },
	{ "conn_send", 2, nif_conn_send, 0 },
	{ "conn_flush", 1, nif_conn_flush, 0 },
	{ "conn_update_keys", 2, nif_conn_update_keys, ERL_NIF_DIRTY_JOB_IO_BOUND },
	{ "conn_info", 1, nif_conn_info, 0 },
	{ "conn_close", 1, nif_conn_close, 0 },
};

ERL_NIF_INIT(libktls_nif, funcs, load, NULL, NULL, NULL)
