%% SPDX-License-Identifier: MIT
%% @private
%% @doc The NIF (`c_src/') and its stubs. {@link libktls} is the API and documents each call.
%%
%% The shared objects (this NIF, the distribution driver) are looked for in `$LIBKTLS_NIF_DIR',
%% then in the application's `priv' directory (rebar3, mix, a release), then next to this module
%% (the in-tree meson build).
-module(libktls_nif).

-export([crypto_info/3, next_secret/2, install/5, suite_info/1, suites/0, probe_kernel/0,
         socket_mode/1, record_type/3, reader_new/1, reader_feed/3, send_alert/3,
         send_handshake/3, version/0]).
-export([conn_open/7, conn_own/1, conn_recv/1, conn_send/2, conn_flush/1, conn_update_keys/2,
         conn_info/1, conn_close/1]).

-export([dir/1]).

-on_load(load/0).

-spec load() -> ok | {error, {atom(), string()}}.
load() ->
    erlang:load_nif(filename:join(dir("libktls_nif.so"), "libktls_nif"), 0).

%% @doc Where a shared object of the application is: `$LIBKTLS_NIF_DIR', the application's
%% `priv' directory, or next to this module.
-spec dir(string()) -> file:filename().
dir(File) ->
    Ebin = filename:dirname(code:which(?MODULE)),
    Priv = case code:priv_dir(libktls) of
               {error, bad_name} -> filename:join(filename:dirname(Ebin), "priv");
               Dir -> Dir
           end,
    Found = [D || D <- [os:getenv("LIBKTLS_NIF_DIR"), Priv],
                  D =/= false, is_file(filename:join(D, File))],
    hd(Found ++ [Ebin]).

%% Without the file server: distribution loads the driver while the kernel boots, before it.
is_file(Path) ->
    case prim_file:read_file_info(Path) of
        {ok, _} -> true;
        _ -> false
    end.

-spec crypto_info(0..65535, libktls:secrets(), non_neg_integer()) ->
          {ok, binary()} | {error, libktls:reason()}.
crypto_info(_Suite, _Secrets, _Seq) -> erlang:nif_error(not_loaded).

-spec next_secret(0..65535, binary()) -> {ok, binary()} | {error, libktls:reason()}.
next_secret(_Suite, _Secret) -> erlang:nif_error(not_loaded).

-spec install(integer(), libktls:dir(), 0..65535, libktls:secrets(), non_neg_integer()) ->
          ok | {error, libktls:reason()}.
install(_Fd, _Dir, _Suite, _Secrets, _Seq) -> erlang:nif_error(not_loaded).

-spec suite_info(0..65535) -> {ok, map()} | {error, libktls:reason()}.
suite_info(_Suite) -> erlang:nif_error(not_loaded).

-spec suites() -> [0..65535].
suites() -> erlang:nif_error(not_loaded).

-spec probe_kernel() -> {ok, map()} | {error, libktls:reason()}.
probe_kernel() -> erlang:nif_error(not_loaded).

-spec socket_mode(integer()) -> {ok, map()} | {error, libktls:reason()}.
socket_mode(_Fd) -> erlang:nif_error(not_loaded).

-spec record_type(integer(), integer(), binary()) -> {ok, 0..255} | none | {error, libktls:reason()}.
record_type(_Level, _Type, _Data) -> erlang:nif_error(not_loaded).

-spec reader_new('tlsv1.2' | 'tlsv1.3') -> {ok, reference()} | {error, libktls:reason()}.
reader_new(_Version) -> erlang:nif_error(not_loaded).

-spec reader_feed(reference(), 0..255, binary()) -> libktls:record().
reader_feed(_Reader, _RecordType, _Data) -> erlang:nif_error(not_loaded).

-spec send_alert(integer(), 1 | 2, 0..255) -> ok | {error, libktls:reason()}.
send_alert(_Fd, _Level, _Description) -> erlang:nif_error(not_loaded).

-spec send_handshake(integer(), 0..255, binary()) -> ok | {error, libktls:reason()}.
send_handshake(_Fd, _Type, _Body) -> erlang:nif_error(not_loaded).

-spec version() -> string().
version() -> erlang:nif_error(not_loaded).

-spec conn_open(integer(), 0..65535, binary(), non_neg_integer(), binary(), non_neg_integer(),
                non_neg_integer()) -> {ok, reference()} | {error, libktls:reason()}.
conn_open(_Fd, _Suite, _Tx, _TxSeq, _Rx, _RxSeq, _UpdateAfterRecords) -> erlang:nif_error(not_loaded).

-spec conn_own(reference()) -> ok | {error, libktls:reason()}.
conn_own(_Conn) -> erlang:nif_error(not_loaded).

-spec conn_recv(reference()) -> {data, binary()} | wait | close_notify |
          {alert, fatal | warning, atom()} | {error, libktls:reason()}.
conn_recv(_Conn) -> erlang:nif_error(not_loaded).

-spec conn_send(reference(), iodata()) -> ok | wait | {error, libktls:reason()}.
conn_send(_Conn, _Data) -> erlang:nif_error(not_loaded).

-spec conn_flush(reference()) -> ok | wait | {error, libktls:reason()}.
conn_flush(_Conn) -> erlang:nif_error(not_loaded).

-spec conn_update_keys(reference(), boolean()) -> ok | {error, libktls:reason()}.
conn_update_keys(_Conn, _RequestPeer) -> erlang:nif_error(not_loaded).

-spec conn_info(reference()) -> {ok, map()} | {error, libktls:reason()}.
conn_info(_Conn) -> erlang:nif_error(not_loaded).

-spec conn_close(reference()) -> ok.
conn_close(_Conn) -> erlang:nif_error(not_loaded).
