%% SPDX-License-Identifier: MIT
%% @doc Kernel TLS for Erlang and Elixir sockets, through libktls.
%%
%% Start with a connection:
%% <ul>
%% <li>{@link handoff/2}: an `ssl' connection (TLS 1.3) finishes its handshake, then its socket
%%     leaves the `ssl' processes: a plain `gen_tcp' socket whose records the kernel encrypts.</li>
%% <li>{@link handoff_secrets/1} and {@link conn_open/3}: the same hand-off into a libktls
%%     connection ({@link conn()}) that reads and writes without blocking, follows the peer's
%%     KeyUpdates, updates its own key before the suite's limit and reports close_notify and
%%     alerts as what they are.</li>
%% </ul>
%% For those who do their own handshake:
%% <ul>
%% <li>{@link install_gen_tcp/5}: keys installed on a `gen_tcp' socket with raw socket options,
%%     from Erlang; the NIF only builds the option bytes ({@link crypto_info/3}).</li>
%% <li>{@link install/5} by file descriptor, for `socket'-module sockets, which can also receive
%%     alerts and handshake records ({@link recv/3}) and send them ({@link send_alert/3},
%%     {@link send_handshake/3}).</li>
%% </ul>
%% Secrets are binaries: `#{secret => TrafficSecret}' (TLS 1.3) or `#{key => Key, iv => IV}'.
%% Erlang cannot wipe a binary, so keep them in no state: pass them straight in and drop them.
-module(libktls).

-export([handoff/2, handoff_secrets/1, ssl_options/0, ssl_processes/1]).
-export([conn_open/3, conn_own/1, conn_recv/1, conn_send/2, conn_flush/1, conn_update_keys/2,
         conn_info/1, conn_close/1]).
-export([crypto_info/3, next_secret/2, install/5, install_gen_tcp/5, fd/1, recv/3,
         reader_new/1, reader_feed/3, record_type/3, send_alert/3, send_handshake/3]).
-export([suites/0, suite_info/1, suite_by_name/1, probe_kernel/0, socket_mode/1, version/0]).

-export_type([conn/0, reader/0, handoff/0, secrets/0, dir/0, reason/0, record/0]).

-opaque conn() :: reference().
%% A libktls connection (`struct ktls_conn') on a descriptor of its own.
-opaque reader() :: reference().
%% A sans-I/O record decoder (`struct ktls_reader').
-type handoff() :: #{suite := 0..65535, tx_secret := binary(), tx_seq := non_neg_integer(),
                     rx_secret := binary(), rx_seq := non_neg_integer(), plaintext := binary()}.
%% What {@link handoff_secrets/1} takes from `ssl': the suite, each direction's traffic secret
%% and next record sequence number, and the plaintext `ssl' had already decrypted.
-type secrets() :: #{secret => binary(), key => binary(), iv => binary()}.
-type dir() :: tx | rx.
-type reason() :: atom().
%% An errno as `inet:format_error/1' knows it (`ebusy', `ekeyexpired', ...), or `unknown'.
-type record() :: {data, binary()} | {handshake, [{0..255, binary()}]} | more | close_notify |
                  {alert, fatal | warning, atom()} | {error, term()} | {error, term(), tuple()}.
%% What one record decodes to; `more': part of a handshake message or alert, nothing yet.

-define(RECORD_APPLICATION_DATA, 23).

%%% Hand-off from ssl

%% @doc The options an `ssl:connect/3' or `ssl:listen/2' needs for {@link handoff/2}, to add to
%% the caller's own: the secrets kept, passive mode, and {@link libktls_tcp} as transport. TLS 1.3
%% must be negotiated.
-spec ssl_options() -> [ssl:tls_option()].
ssl_options() -> libktls_ssl:options().

%% @doc Hand a TLS 1.3 `ssl' connection over to kernel TLS. On success the `ssl' processes are
%% gone and the caller owns a passive `gen_tcp' socket that reads and writes plaintext while the
%% kernel encrypts and decrypts records, continuing from the sequence numbers `ssl' reached
%% (session tickets it already received are accounted for). Application data the peer sent
%% early, which `ssl' has already decrypted, is put back into the socket: the caller reads it
%% first. Only a record `ssl' has begun but not finished receiving cannot be handed over; the
%% hand-off then fails with `read_ahead' (close the connection). On an `ssl' state of a layout
%% it does not know (OTP 25 to 29 are known) it fails with `unknown_ssl_state'.
%%
%% With `gen_tcp', a control record (the peer's alert, close_notify, NewSessionTicket or
%% KeyUpdate) reads as `{error, eio}'; {@link handoff_secrets/1} and {@link conn_open/3} handle
%% them.
-spec handoff(ssl:sslsocket(), client | server) -> {ok, inet:socket()} | {error, term()}.
handoff(SslSocket, _Role) -> libktls_ssl:handoff(SslSocket).

%% @doc {@link handoff/2} without installing keys: the `ssl' processes are gone, the caller owns
%% the passive TCP port (the `tls' upper-layer protocol attached, no keys yet), and gets what
%% {@link conn_open/3} needs, with the plaintext `ssl' had decrypted (the caller delivers it
%% first). Same guarantees and errors.
-spec handoff_secrets(ssl:sslsocket()) -> {ok, inet:socket(), handoff()} | {error, term()}.
handoff_secrets(SslSocket) -> libktls_ssl:handoff_secrets(SslSocket).

%% @doc The TCP port of an `ssl' socket that runs over `libktls_tcp', and its processes (the
%% connection process first): the processes {@link handoff/2} ends.
-spec ssl_processes(ssl:sslsocket()) -> {ok, port(), [pid()]} | {error, not_libktls_transport}.
ssl_processes(SslSocket) -> libktls_ssl:processes(SslSocket).

%%% Connections

%% @doc A libktls connection on a duplicate of a socket's descriptor (a `gen_tcp' port or a
%% `socket'-module socket), for an event loop in Erlang: both directions' keys installed, the
%% peer's KeyUpdates followed as they arrive, our key updated after `UpdateAfterRecords' records
%% (0: half the suite's limit, libktls's default). Secrets as {@link handoff_secrets/1} returns
%% them (TLS 1.3). The socket is not used again: close it. Then one process calls
%% {@link conn_own/1} and drives the connection.
-spec conn_open(inet:socket() | socket:socket(), handoff(), non_neg_integer()) ->
          {ok, conn()} | {error, reason()}.
conn_open(Socket, #{suite := Suite, tx_secret := Tx, tx_seq := TxSeq, rx_secret := Rx,
                    rx_seq := RxSeq}, UpdateAfterRecords) ->
    case socket_fd(Socket) of
        {ok, Fd} -> libktls_nif:conn_open(Fd, Suite, Tx, TxSeq, Rx, RxSeq, UpdateAfterRecords);
        {error, _} -> {error, ebadf}
    end.

socket_fd(Port) when is_port(Port) -> prim_inet:getfd(Port);
socket_fd(Socket) -> fd(Socket).

%% @doc The calling process owns the connection: its exit closes the descriptor. Calls from any
%% process are serialised by the connection's lock; the `{select, Conn, undefined, ready_input |
%% ready_output}' message goes to the process whose call returned `wait'.
-spec conn_own(conn()) -> ok | {error, reason()}.
conn_own(Conn) -> libktls_nif:conn_own(Conn).

%% @doc Read without blocking: `{data, Bin}'; `wait' (a `ready_input' message will come); the
%% peer's `close_notify' or alert; `{error, Reason}' (libktls has sent the alert it calls for, as
%% `internal_error' for `ekeyexpired', the peer's KeyUpdate on a kernel that cannot follow it).
%% KeyUpdates are followed on the way; session tickets are dropped.
-spec conn_recv(conn()) -> {data, binary()} | wait | close_notify |
          {alert, fatal | warning, atom()} | {error, reason()}.
conn_recv(Conn) -> libktls_nif:conn_recv(Conn).

%% @doc Write without blocking: `ok'; `wait': the rest is kept, call {@link conn_flush/1} on
%% `ready_output' (until then another write is `{error, eagain}', nothing sent); `{error,
%% ebusy}': the key reached its record limit and this kernel cannot replace it (the connection
%% must end).
-spec conn_send(conn(), iodata()) -> ok | wait | {error, reason()}.
conn_send(Conn, Data) -> libktls_nif:conn_send(Conn, Data).

%% @doc Send what a `wait' kept: `ok', `wait' again, or an error.
-spec conn_flush(conn()) -> ok | wait | {error, reason()}.
conn_flush(Conn) -> libktls_nif:conn_flush(Conn).

%% @doc Our KeyUpdate now (asking the peer to update too when `RequestPeer'): `{error, ebusy}'
%% where the kernel cannot replace keys (before Linux 6.14), `{error, eagain}' while a write
%% waits (nothing sent either way).
-spec conn_update_keys(conn(), boolean()) -> ok | {error, reason()}.
conn_update_keys(Conn, RequestPeer) -> libktls_nif:conn_update_keys(Conn, RequestPeer).

%% @doc Key generations, records under the current keys (the kernel's live sequence numbers),
%% the suite's record limit, reads and writes done and bytes waiting to be sent.
-spec conn_info(conn()) -> {ok, map()} | {error, reason()}.
conn_info(Conn) -> libktls_nif:conn_info(Conn).

%% @doc Send close_notify (where it fits without blocking) and close the descriptor.
-spec conn_close(conn()) -> ok.
conn_close(Conn) -> libktls_nif:conn_close(Conn).

%%% Keys on a socket, control records

%% @doc The exact bytes of `setsockopt(SOL_TLS, TLS_TX | TLS_RX)' for a suite (IANA number),
%% its secrets and the sequence number of the next record. The bytes hold the key.
-spec crypto_info(0..65535, secrets(), non_neg_integer()) -> {ok, binary()} | {error, reason()}.
crypto_info(Suite, Secrets, Seq) -> libktls_nif:crypto_info(Suite, Secrets, Seq).

%% @doc The next traffic secret of a TLS 1.3 KeyUpdate (RFC 8446 §7.2, "traffic upd").
-spec next_secret(0..65535, binary()) -> {ok, binary()} | {error, reason()}.
next_secret(Suite, Secret) -> libktls_nif:next_secret(Suite, Secret).

%% @doc `ktls_install()' on a file descriptor (see {@link fd/1}).
-spec install(integer(), dir(), 0..65535, secrets(), non_neg_integer()) -> ok | {error, reason()}.
install(Fd, Dir, Suite, Secrets, Seq) -> libktls_nif:install(Fd, Dir, Suite, Secrets, Seq).

%% @doc Install one direction on a `gen_tcp' socket with raw socket options, attaching the
%% `tls' upper-layer protocol first if needed. Call it from the socket's owner.
%%
%% The inet driver does not report a raw option's `setsockopt()' error, so each step is read back
%% with `getsockopt()': `{error, ulp_not_attached}' when the kernel has no kTLS (the tls module is
%% missing), `{error, keys_not_installed}' when the kernel refused the keys (a second install on
%% a kernel that cannot rekey; a cipher or version it lacks; the other direction's cipher).
%% {@link install/5} on a descriptor gives the precise errno.
-spec install_gen_tcp(inet:socket(), dir(), 0..65535, secrets(), non_neg_integer()) ->
          ok | {error, reason()}.
install_gen_tcp(Socket, Dir, Suite, Secrets, Seq) ->
    case crypto_info(Suite, Secrets, Seq) of
        {ok, Info} -> libktls_gen_tcp:install(Socket, Dir, Info);
        Error -> Error
    end.

%% @doc The file descriptor of a `socket'-module socket.
-spec fd(socket:socket()) -> {ok, integer()} | {error, term()}.
fd(Socket) -> socket:getopt(Socket, {otp, fd}).

%% @doc A sans-I/O record reader (`ktls_reader'): feed it what was received, record by record.
%% Any process may use it; calls are serialised.
-spec reader_new('tlsv1.2' | 'tlsv1.3') -> {ok, reader()} | {error, reason()}.
reader_new(Version) -> libktls_nif:reader_new(Version).

%% @doc Decode one record's worth of a record type (23: application data).
-spec reader_feed(reader(), 0..255, binary()) -> record().
reader_feed(Reader, RecordType, Data) -> libktls_nif:reader_feed(Reader, RecordType, Data).

%% @doc The record type in one control message of a `socket:recvmsg/5' result.
-spec record_type(integer(), integer(), binary()) -> {ok, 0..255} | none | {error, reason()}.
record_type(Level, Type, Data) -> libktls_nif:record_type(Level, Type, Data).

%% @doc Receive one record's worth from a `socket'-module kTLS socket and decode it with a
%% reader: `{data, Bin}', `{handshake, Messages}', `more', `close_notify', an alert, or an error
%% (`{error, closed}' at TCP end of stream). A KeyUpdate is returned like any handshake message;
%% {@link conn_open/3} follows them.
-spec recv(socket:socket(), reader(), timeout()) -> record().
recv(Socket, Reader, Timeout) ->
    case socket:recvmsg(Socket, 16384, 64, [], Timeout) of
        {ok, #{iov := Iov} = Msg} ->
            Data = iolist_to_binary(Iov),
            case control_record_type(maps:get(ctrl, Msg, [])) of
                {ok, Type} -> reader_feed(Reader, Type, Data);
                {error, _} = E -> E
            end;
        {error, _} = E ->
            E
    end.

control_record_type([]) ->
    {ok, ?RECORD_APPLICATION_DATA};
control_record_type([#{level := Level, type := Type, data := Data} | Rest]) ->
    case record_type(level_number(Level), Type, Data) of
        {ok, _} = Ok -> Ok;
        none -> control_record_type(Rest);
        {error, _} = E -> E
    end.

level_number(Level) when is_integer(Level) -> Level;
level_number(_) -> -1.

%% @doc Send an alert record (level 1 warning, 2 fatal) on a kTLS descriptor.
-spec send_alert(integer(), 1 | 2, 0..255) -> ok | {error, reason()}.
send_alert(Fd, Level, Description) -> libktls_nif:send_alert(Fd, Level, Description).

%% @doc Send a handshake message (type, body) in a handshake record on a kTLS descriptor.
-spec send_handshake(integer(), 0..255, binary()) -> ok | {error, reason()}.
send_handshake(Fd, Type, Body) -> libktls_nif:send_handshake(Fd, Type, Body).

%%% What there is

%% @doc Every suite libktls supports (IANA numbers).
-spec suites() -> [0..65535].
suites() -> libktls_nif:suites().

%% @doc A suite's name, TLS version, cipher and sizes.
-spec suite_info(0..65535) -> {ok, map()} | {error, reason()}.
suite_info(Suite) -> libktls_nif:suite_info(Suite).

%% @doc The IANA number of a suite named as `ssl:suite_to_str/1' names it.
-spec suite_by_name(string()) -> {ok, 0..65535} | {error, eprotonosupport}.
suite_by_name(Name) ->
    Named = [S || S <- suites(), {ok, #{name := N}} <- [suite_info(S)], N =:= Name],
    case Named of
        [Suite] -> {ok, Suite};
        [] -> {error, eprotonosupport}
    end.

%% @doc What the running kernel supports (`tls', `tls13_tx', `tls13_rx', `rekey', ...).
-spec probe_kernel() -> {ok, map()} | {error, reason()}.
probe_kernel() -> libktls_nif:probe_kernel().

%% @doc How the kernel carries each direction of a socket: none, sw, hw, hw_record or unknown.
-spec socket_mode(integer()) -> {ok, map()} | {error, reason()}.
socket_mode(Fd) -> libktls_nif:socket_mode(Fd).

%% @doc The version of the C library the NIF runs with.
-spec version() -> string().
version() -> libktls_nif:version().
