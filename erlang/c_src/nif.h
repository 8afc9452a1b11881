/* SPDX-License-Identifier: MIT */
/* What the NIF's source files share: term helpers (libktls_nif.c) and the connection NIFs
 * (conn_nif.c). Only nif_init is exported from the module. */
#ifndef LIBKTLS_NIF_H
#define LIBKTLS_NIF_H

#include <erl_nif.h>
#include <ktls.h>

#pragma GCC visibility push(hidden)

/* {ok, #{Name => Value, ...}} */
struct field {
	const char *name;
	ERL_NIF_TERM value;
};

ERL_NIF_TERM atom(ErlNifEnv *env, const char *name);
/* {error, Name} for a negative errno */
ERL_NIF_TERM error_tuple(ErlNifEnv *env, int err);
ERL_NIF_TERM ok_map(ErlNifEnv *env, const struct field *fields, size_t n);
/* {alert, fatal | warning, Name} */
ERL_NIF_TERM alert_term(ErlNifEnv *env, const struct ktls_alert *alert);

int conn_nif_load(ErlNifEnv *env);
ERL_NIF_TERM nif_conn_open(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_own(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_recv(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_send(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_flush(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_update_keys(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_info(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);
ERL_NIF_TERM nif_conn_close(ErlNifEnv *env, int argc, const ERL_NIF_TERM argv[]);

#pragma GCC visibility pop

#endif
