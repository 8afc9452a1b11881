%% SPDX-License-Identifier: MIT
%% @doc Kernel TLS for Erlang sockets, through libktls.
%%
%% Three ways in, from the most Erlang-native to the most direct:
%% <ul>
%% <li>{@link handoff/2}: an `ssl' connection (TLS 1.3) finishes its handshake, then its socket
%%     leaves the `ssl' processes: a plain `gen_tcp' socket whose records the kernel encrypts.</li>
%% <li>{@link install_gen_tcp/5}: keys installed on a `gen_tcp' socket with `inet:setopts/2' raw
%%     options, from Erlang; the NIF only builds the option bytes ({@link crypto_info/3}).</li>
%% <li>{@link install/5} by file descriptor, for `socket'-module sockets, which can also receive
%%     alerts and handshake records ({@link recv/3}).</li>
%% </ul>
%% Secrets are binaries: `#{secret => TrafficSecret}' (TLS 1.3) or `#{key => Key, iv => IV}'.
%% Erlang cannot wipe a binary, so keep them in no state: pass them straight in and drop them.
-module(libktls).

-export([crypto_info/3, next_secret/2, install/5, install_gen_tcp/5,
         suite_info/1, suites/0, suite_by_name/1, probe_kernel/0, socket_mode/1,
         record_type/3, reader_new/1, reader_feed/3, send_alert/3, send_handshake/3, version/0]).
-export([ssl_options/0, handoff/2, ssl_processes/1, fd/1, recv/3, recv/4]).
-export([keys_new/3, follow_key_update/3, update_keys/3, key_generations/1]).
-export([handoff_secrets/1, conn_open/3, conn_own/1, conn_recv/1, conn_send/2, conn_flush/1,
         conn_update_keys/2, conn_info/1, conn_close/1]).

-on_load(load_nif/0).

-define(SOL_TCP, 6).
-define(TCP_ULP, 31).
-define(SOL_TLS, 282).
-define(TLS_TX, 1).
-define(TLS_RX, 2).
-define(RECORD_APPLICATION_DATA, 23).

-type dir() :: tx | rx.
-type secrets() :: #{secret => binary(), key => binary(), iv => binary()}.
-type reason() :: atom().

%% The NIF is found in $LIBKTLS_NIF_DIR, else ../priv (an OTP application's layout, as the
%% Makefile builds it), else next to this module (the in-tree meson build).
load_nif() ->
    Ebin = filename:dirname(code:which(?MODULE)),
    Candidates = [D || D <- [os:getenv("LIBKTLS_NIF_DIR"), filename:join(filename:dirname(Ebin), "priv")],
                       D =/= false, filelib:is_regular(filename:join(D, "libktls_nif.so"))],
    Dir = hd(Candidates ++ [Ebin]),
    erlang:load_nif(filename:join(Dir, "libktls_nif"), 0).

nif() -> erlang:nif_error(libktls_nif_not_loaded).

%% @doc The exact bytes of `setsockopt(SOL_TLS, TLS_TX | TLS_RX)' for a suite (IANA number),
%% its secrets and the sequence number of the next record. The bytes hold the key.
-spec crypto_info(0..65535, secrets(), non_neg_integer()) -> {ok, binary()} | {error, reason()}.
crypto_info(_Suite, _Secrets, _Seq) -> nif().

%% @doc The next traffic secret of a TLS 1.3 KeyUpdate (RFC 8446 §7.2, "traffic upd"). Its keys go
%% in at sequence 0, on kernels that can replace keys (`probe_kernel()': `rekey => true', Linux
%% 6.14+); older ones refuse a second install with `ebusy'.
-spec next_secret(0..65535, binary()) -> {ok, binary()} | {error, reason()}.
next_secret(_Suite, _Secret) -> nif().

%% @doc `ktls_install()' on a file descriptor (see {@link fd/1}).
-spec install(integer(), dir(), 0..65535, secrets(), non_neg_integer()) -> ok | {error, reason()}.
install(_Fd, _Dir, _Suite, _Secrets, _Seq) -> nif().

-spec suite_info(0..65535) -> {ok, map()} | {error, reason()}.
suite_info(_Suite) -> nif().

%% @doc Every suite libktls supports.
-spec suites() -> [0..65535].
suites() -> nif().

%% @doc The IANA number of a suite named as `ssl:suite_to_str/1' names it.
-spec suite_by_name(string()) -> {ok, 0..65535} | {error, eprotonosupport}.
suite_by_name(Name) ->
    Named = [S || S <- suites(), {ok, #{name := N}} <- [suite_info(S)], N =:= Name],
    case Named of
        [Suite] -> {ok, Suite};
        [] -> {error, eprotonosupport}
    end.

%% @doc What the running kernel supports.
-spec probe_kernel() -> {ok, map()} | {error, reason()}.
probe_kernel() -> nif().

%% @doc How the kernel carries each direction of a socket: none, sw, hw, hw_record or unknown.
-spec socket_mode(integer()) -> {ok, map()} | {error, reason()}.
socket_mode(_Fd) -> nif().

%% @doc The record type in one control message of a `socket:recvmsg/5' result.
-spec record_type(integer(), integer(), binary()) -> {ok, 0..255} | none | {error, reason()}.
record_type(_Level, _Type, _Data) -> nif().

%% @doc A sans-I/O record reader (`ktls_reader'): feed it what was received, record by record.
-spec reader_new('tlsv1.2' | 'tlsv1.3') -> {ok, reference()} | {error, reason()}.
reader_new(_Version) -> nif().

%% `more': part of a handshake message or alert, nothing to report yet.
-spec reader_feed(reference(), 0..255, binary()) ->
          {data, binary()} | {handshake, [{0..255, binary()}]} | more | close_notify |
          {alert, fatal | warning, atom()} | {error, term()} | {error, term(), tuple()}.
reader_feed(_Reader, _RecordType, _Data) -> nif().

-spec send_alert(integer(), 1 | 2, 0..255) -> ok | {error, reason()}.
send_alert(_Fd, _Level, _Description) -> nif().

-spec send_handshake(integer(), 0..255, binary()) -> ok | {error, reason()}.
send_handshake(_Fd, _Type, _Body) -> nif().

-spec version() -> string().
version() -> nif().

%% @doc A TLS 1.3 connection's traffic secrets, both directions, for following KeyUpdates. They
%% are copied into NIF memory (wiped when the reference is garbage collected); drop the binaries.
-spec keys_new(0..65535, binary(), binary()) -> {ok, reference()} | {error, reason()}.
keys_new(_Suite, _TxSecret, _RxSecret) -> nif().

%% @doc The peer's KeyUpdate (its handshake body): install its next receive key and, when it asked
%% (update_requested), send our KeyUpdate and install our next transmit key, before anything else
%% is sent. `{error, ekeyexpired}' on a kernel that cannot replace keys (before Linux 6.14): the
%% connection cannot go on (send a fatal alert and close). A transient error (`emfile', `enomem',
%% ...) leaves nothing half done that a second call would not finish.
-spec follow_key_update(integer(), reference(), binary()) -> ok | {error, reason()}.
follow_key_update(_Fd, _Keys, _Body) -> nif().

%% @doc Our own KeyUpdate (asking the peer to update too when `RequestPeer'): the message goes out
%% under the current key, the next transmit key goes in. `{error, ebusy}', with nothing sent, where
%% the kernel cannot replace keys.
-spec update_keys(integer(), reference(), boolean()) -> ok | {error, reason()}.
update_keys(_Fd, _Keys, _RequestPeer) -> nif().

%% @doc How many times each direction's keys were replaced.
-spec key_generations(reference()) -> #{tx := non_neg_integer(), rx := non_neg_integer()}.
key_generations(_Keys) -> nif().

%% @doc What {@link handoff_secrets/1} takes from `ssl': the suite, each direction's traffic
%% secret and next record sequence number, and the plaintext `ssl' had already decrypted.
-type handoff() :: #{suite := 0..65535, tx_secret := binary(), tx_seq := non_neg_integer(),
                     rx_secret := binary(), rx_seq := non_neg_integer(), plaintext := binary()}.

%% @doc A libktls connection (`struct ktls_conn') on a duplicate of a socket's descriptor, for
%% an event loop in Erlang: both directions' keys installed, the peer's KeyUpdates followed as
%% they arrive, our key updated after `UpdateAfterRecords' records (0: half the suite's limit,
%% libktls's default). `Port' can be closed afterwards. Secrets as {@link handoff_secrets/1}
%% returns them. Then one process calls {@link conn_own/1} and drives it.
-spec conn_open(inet:socket(), handoff(), non_neg_integer()) -> {ok, reference()} | {error, reason()}.
conn_open(Port, #{suite := Suite, tx_secret := Tx, tx_seq := TxSeq, rx_secret := Rx,
                  rx_seq := RxSeq}, UpdateAfterRecords) ->
    case prim_inet:getfd(Port) of
        {ok, Fd} -> conn_open(Fd, Suite, Tx, TxSeq, Rx, RxSeq, UpdateAfterRecords);
        Error -> Error
    end.

conn_open(_Fd, _Suite, _Tx, _TxSeq, _Rx, _RxSeq, _UpdateAfterRecords) -> nif().

%% @doc The calling process owns the connection: it gets its `{select, Conn, undefined,
%% ready_input | ready_output}' messages, and its exit closes the descriptor.
-spec conn_own(reference()) -> ok | {error, reason()}.
conn_own(_Conn) -> nif().

%% @doc Read without blocking: `{data, Bin}'; `wait' (a `ready_input' message will come); the
%% peer's `close_notify' or alert; `{error, Reason}' (libktls has sent the alert it calls for, as
%% `internal_error' for `ekeyexpired', the peer's KeyUpdate on a kernel that cannot follow it).
%% KeyUpdates are followed on the way; session tickets are dropped.
-spec conn_recv(reference()) -> {data, binary()} | wait | close_notify | {alert, fatal | warning, atom()} |
          {error, reason()}.
conn_recv(_Conn) -> nif().

%% @doc Write without blocking: `ok'; `wait': the rest is kept, call {@link conn_flush/1} on
%% `ready_output', and nothing else until then; `{error, ebusy}': the key reached its record
%% limit and this kernel cannot replace it (the connection must end).
-spec conn_send(reference(), iodata()) -> ok | wait | {error, reason()}.
conn_send(_Conn, _Data) -> nif().

-spec conn_flush(reference()) -> ok | wait | {error, reason()}.
conn_flush(_Conn) -> nif().

%% @doc Our KeyUpdate now: `{error, ebusy}' where the kernel cannot replace keys, `{error,
%% eagain}' while a write waits (nothing sent either way).
-spec conn_update_keys(reference(), boolean()) -> ok | {error, reason()}.
conn_update_keys(_Conn, _RequestPeer) -> nif().

%% @doc Key generations, records under the current keys (the kernel's live sequence numbers),
%% the suite's record limit, reads and writes done and bytes waiting to be sent.
-spec conn_info(reference()) -> {ok, map()} | {error, reason()}.
conn_info(_Conn) -> nif().

%% @doc Send close_notify (where it fits without blocking) and close the descriptor.
-spec conn_close(reference()) -> ok.
conn_close(_Conn) -> nif().

%% @doc Install one direction on a `gen_tcp' socket with raw socket options, attaching the
%% `tls' upper-layer protocol first if needed. Call it from the socket's owner.
%%
%% The inet driver does not report a raw option's `setsockopt()' error, so each step is read back
%% with `getsockopt()': `{error, ulp_not_attached}' when the kernel has no kTLS (the tls module is
%% missing), `{error, keys_not_installed}' when the kernel refused the keys (a second install on
%% a kernel that cannot rekey; a cipher or version it lacks; the other direction's cipher).
%% `install/5' on a descriptor gives the precise errno.
-spec install_gen_tcp(inet:socket(), dir(), 0..65535, secrets(), non_neg_integer()) ->
          ok | {error, term()}.
install_gen_tcp(Socket, Dir, Suite, Secrets, Seq) ->
    case crypto_info(Suite, Secrets, Seq) of
        {ok, Info} ->
            case attach_ulp(Socket) of
                ok -> set_crypto_info(Socket, dir_option(Dir), Info);
                Error -> Error
            end;
        Error ->
            Error
    end.

dir_option(tx) -> ?TLS_TX;
dir_option(rx) -> ?TLS_RX.

attach_ulp(Socket) ->
    case ulp_attached(Socket) of
        true ->
            ok;
        false ->
            _ = inet:setopts(Socket, [{raw, ?SOL_TCP, ?TCP_ULP, <<"tls">>}]),
            case ulp_attached(Socket) of
                true -> ok;
                false -> {error, ulp_not_attached}
            end
    end.

ulp_attached(Socket) ->
    case inet:getopts(Socket, [{raw, ?SOL_TCP, ?TCP_ULP, 16}]) of
        {ok, [{raw, _, _, <<"tls", _/binary>>}]} -> true;
        _ -> false
    end.

%% Right after an install the kernel reports back exactly the bytes it took (its live sequence
%% number has not moved yet); anything else means it kept what it had.
set_crypto_info(Socket, Opt, Info) ->
    _ = inet:setopts(Socket, [{raw, ?SOL_TLS, Opt, Info}]),
    case inet:getopts(Socket, [{raw, ?SOL_TLS, Opt, byte_size(Info)}]) of
        {ok, [{raw, _, _, Info}]} -> ok;
        _ -> {error, keys_not_installed}
    end.

%% @doc The options an `ssl:connect/3' or `ssl:listen/2' needs for {@link handoff/2}, to add to
%% the caller's own: the secrets kept, passive mode, and `libktls_tcp' as transport. TLS 1.3 must
%% be negotiated.
-spec ssl_options() -> [ssl:tls_option()].
ssl_options() ->
    [{keep_secrets, true}, {active, false},
     {cb_info, {libktls_tcp, tcp, tcp_closed, tcp_error, tcp_passive}}].

%% @doc Hand a TLS 1.3 `ssl' connection over to kernel TLS. On success the `ssl' processes are
%% gone and the caller owns a passive `gen_tcp' socket that reads and writes plaintext while the
%% kernel encrypts and decrypts records, continuing from the sequence numbers `ssl' reached
%% (session tickets it already received are accounted for). Application data the peer sent
%% early, which `ssl' has already decrypted, is put back into the socket: the caller reads it
%% first. Only a record `ssl' has begun but not finished receiving cannot be handed over; the
%% hand-off then fails with `read_ahead' (close the connection). It reads the sequence numbers and
%% buffers from the connection process's state, whose layout (the connection states, then the
%% protocol buffers, then the user data buffer) is the same in OTP 25 through 29; on a state it
%% does not recognise it fails with `unknown_ssl_state'. (OTP's own `ssl_gen_statem:ktls_handover/1'
%% gives sequence numbers and keys but neither the buffered plaintext nor a partial record, and
%% needs the hidden `{ktls, true}' option: it cannot keep these guarantees.)
-spec handoff(ssl:sslsocket(), client | server) -> {ok, inet:socket()} | {error, term()}.
handoff(SslSocket, _Role) ->
    take_over(SslSocket, install).

%% @doc {@link handoff/2} without installing keys: the `ssl' processes are gone, the caller owns
%% the passive TCP port (the `tls' upper-layer protocol attached, no keys yet), and gets what
%% {@link conn_open/3} needs, with the plaintext `ssl' had decrypted (the caller delivers it
%% first). Same guarantees and errors.
-spec handoff_secrets(ssl:sslsocket()) -> {ok, inet:socket(), handoff()} | {error, term()}.
handoff_secrets(SslSocket) ->
    take_over(SslSocket, secrets).

take_over(SslSocket, Mode) ->
    case ssl_processes(SslSocket) of
        {ok, Port, [ConnPid | _] = Pids} ->
            case ssl:connection_information(SslSocket, [protocol, selected_cipher_suite, keylog]) of
                {ok, Info} ->
                    case traffic_secrets(Info) of
                        {ok, Suite, Secrets} ->
                            take_over(SslSocket, ConnPid, Pids, Port, {Suite, Secrets}, Mode);
                        Error -> Error
                    end;
                Error ->
                    Error
            end;
        Error ->
            Error
    end.

%% @doc The TCP port of an `ssl' socket that runs over `libktls_tcp', and its processes (the
%% connection process first, then the sender): the processes {@link handoff/2} ends. The socket
%% record of OTP 25 and 26 and the one of OTP 27 and later are both known.
-spec ssl_processes(ssl:sslsocket()) -> {ok, port(), [pid()]} | {error, not_libktls_transport}.
ssl_processes({sslsocket, {libktls_tcp, Port, _, _}, [_ | _] = Pids}) when is_port(Port) ->
    {ok, Port, Pids};
ssl_processes({sslsocket, Port, ConnPid, Sender, libktls_tcp, _, _, _})
  when is_port(Port), is_pid(ConnPid), is_pid(Sender) ->
    {ok, Port, [ConnPid, Sender]};
ssl_processes(_) ->
    {error, not_libktls_transport}.

%% The suite, and both traffic secrets as the keylog gives them. Which one is whose is read from
%% the connection state at the hand-off, not from the keylog's labels: OTP 27's client swaps them.
traffic_secrets(Info) ->
    case proplists:get_value(protocol, Info) of
        'tlsv1.3' ->
            Name = ssl:suite_to_str(proplists:get_value(selected_cipher_suite, Info)),
            Keylog = proplists:get_value(keylog, Info, []),
            Secrets = [binary:decode_hex(list_to_binary(Hex))
                       || Line <- Keylog, [L, _Random, Hex] <- [string:split(Line, " ", all)],
                          L =:= "CLIENT_TRAFFIC_SECRET_0" orelse L =:= "SERVER_TRAFFIC_SECRET_0"],
            case {suite_by_name(Name), Secrets} of
                {{ok, Suite}, [_, _]} -> {ok, Suite, Secrets};
                {{error, _}, _} -> {error, {unsupported_suite, Name}};
                _ -> {error, no_keylog}
            end;
        Other ->
            {error, {unsupported_protocol, Other}}
    end.

%% The one of Secrets among the binaries of a direction's security parameters (the record's
%% layout differs between OTP releases; the secret is the one field that matches).
secret_of(Params, Secrets) when is_tuple(Params) ->
    case [B || B <- tuple_to_list(Params), is_binary(B), lists:member(B, Secrets)] of
        [Secret] -> {ok, Secret};
        _ -> {error, unknown_ssl_state}
    end;
secret_of(_, _) ->
    {error, unknown_ssl_state}.

%% Records go out through ssl's sender process, which keeps the write sequence number; the
%% connection process's copy stops at the handshake.
sender_write_seq([_ConnPid, Sender | _]) ->
    try sys:get_state(Sender, 5000) of
        State -> find_write_seq(State)
    catch
        _:_ -> undefined
    end;
sender_write_seq(_) ->
    undefined.

find_write_seq(#{current_write := #{sequence_number := N}}) when is_integer(N) -> N;
find_write_seq(T) when is_tuple(T) -> find_write_seq(tuple_to_list(T));
find_write_seq([H | Rest]) ->
    case find_write_seq(H) of
        undefined -> find_write_seq(Rest);
        N -> N
    end;
find_write_seq(_) -> undefined.

%% The socket changes hands inside the ssl connection process (sys:replace_state/2 runs a fun
%% there), so nothing races with it. First the socket stops delivering and the process works off
%% the bytes already delivered: ssl decrypts whole records into its user buffer. Then, in the
%% process: the record sequence numbers and that buffered plaintext are read from its state (a
%% partial record, which only the kernel could finish, fails the hand-off); keys go in; the
%% plaintext goes back into the port with gen_tcp:unrecv/2, so the caller reads it first;
%% ownership moves to the caller and the process unlinks from the port. Its transport
%% (libktls_tcp) then ignores the close_notify and close of ssl:close/1, which ends the
%% connection and sender processes; the hand-off returns once both are gone.
take_over(SslSocket, ConnPid, Pids, Port, Keys, Mode) ->
    Caller = self(),
    Ref = make_ref(),
    try
        sys:replace_state(ConnPid, fun(State) -> _ = inet:setopts(Port, [{active, false}]), State end),
        ok = drained(ConnPid, Port, 200),
        SenderSeq = sender_write_seq(Pids),
        Move = fun(State) ->
                       Caller ! {Ref, move_socket(State, Port, Caller, Keys, SenderSeq, Mode)},
                       State
               end,
        sys:replace_state(ConnPid, Move)
    of
        _ ->
            receive
                {Ref, {ok, Taken}} ->
                    Mons = [erlang:monitor(process, P) || P <- Pids],
                    _ = ssl:close(SslSocket),
                    [receive {'DOWN', M, process, _, _} -> ok end || M <- Mons],
                    case Mode of
                        install -> {ok, Port};
                        secrets -> {ok, Port, Taken}
                    end;
                {Ref, Error} ->
                    Error
            end
    catch
        error:{badmatch, {error, _} = Error} -> Error;
        exit:Reason -> {error, {ssl_process, Reason}}
    end.

%% Wait (up to Tries x 5 ms) until no bytes from the port wait in the ssl process's mailbox.
drained(_ConnPid, _Port, 0) ->
    {error, read_ahead};
drained(ConnPid, Port, Tries) ->
    case process_info(ConnPid, messages) of
        {messages, Messages} ->
            case [D || {tcp, P, D} <- Messages, P =:= Port] of
                [] -> ok;
                _ -> timer:sleep(5), drained(ConnPid, Port, Tries - 1)
            end;
        undefined ->
            {error, closed}
    end.

move_socket(State, Port, NewOwner, {Suite, Secrets}, SenderSeq, Mode) ->
    {messages, Mailbox} = process_info(self(), messages),
    case {[D || {tcp, P, D} <- Mailbox, P =:= Port], record_layer(State)} of
        {[], {ok, ConnTxSeq, RxSeq, Plaintext, TxParams, RxParams}} ->
            TxSeq = case SenderSeq of undefined -> ConnTxSeq; _ -> SenderSeq end,
            case {secret_of(TxParams, Secrets), secret_of(RxParams, Secrets)} of
                {{ok, Tx}, {ok, Rx}} when Mode =:= install ->
                    run([fun() -> install_gen_tcp(Port, tx, Suite, #{secret => Tx}, TxSeq) end,
                         fun() -> install_gen_tcp(Port, rx, Suite, #{secret => Rx}, RxSeq) end,
                         fun() -> give_back(Port, Plaintext) end | release(Port, NewOwner)], none);
                {{ok, Tx}, {ok, Rx}} ->
                    %% the tls ULP, without keys yet, marks the socket handed off (libktls_tcp)
                    run([fun() -> attach_ulp(Port) end | release(Port, NewOwner)],
                        #{suite => Suite, tx_secret => Tx, tx_seq => TxSeq, rx_secret => Rx,
                          rx_seq => RxSeq, plaintext => Plaintext});
                _ ->
                    {error, unknown_ssl_state}
            end;
        {[], {error, _} = Error} ->
            Error;
        {_, _} ->
            {error, read_ahead}
    end.

release(Port, NewOwner) ->
    [fun() -> gen_tcp:controlling_process(Port, NewOwner) end,
     fun() -> true = unlink(Port), ok end].

give_back(_Port, <<>>) -> ok;
give_back(Port, Plaintext) -> gen_tcp:unrecv(Port, Plaintext).

%% The ssl connection state of OTP 25 to 29 (a gen_statem {StateName, #state{}}): the record
%% layer's connection_states map, followed by the protocol buffers (bytes received, not yet a
%% whole record) and the user data buffer ({Front, Size, Rear}: decrypted, not yet delivered).
%% Each direction's security parameters hold its current traffic secret.
record_layer({connection, Data}) when is_tuple(Data) ->
    Fields = tuple_to_list(Data),
    case lists:splitwith(fun(F) -> not is_connection_states(F) end, Fields) of
        {_, [#{current_write := #{sequence_number := TxSeq} = Write,
               current_read := #{sequence_number := RxSeq} = Read},
             ProtocolBuffers, {Front, Size, Rear} | _]} when is_list(Front), is_list(Rear) ->
            Plaintext = iolist_to_binary([Front | lists:reverse(Rear)]),
            case {bytes_in(ProtocolBuffers), byte_size(Plaintext)} of
                {0, Size} -> {ok, TxSeq, RxSeq, Plaintext, maps:get(security_parameters, Write, none),
                              maps:get(security_parameters, Read, none)};
                _ -> {error, read_ahead}
            end;
        _ ->
            {error, unknown_ssl_state}
    end;
record_layer({StateName, _}) ->
    {error, {not_connected, StateName}};
record_layer(_) ->
    {error, unknown_ssl_state}.

is_connection_states(#{current_read := _, current_write := _}) -> true;
is_connection_states(_) -> false.

bytes_in(B) when is_binary(B) -> byte_size(B);
bytes_in(L) when is_list(L) -> lists:sum([bytes_in(E) || E <- L]);
bytes_in(T) when is_tuple(T) -> bytes_in(tuple_to_list(T));
bytes_in(_) -> 0.

%% Each step in turn, stopping at the first error; {ok, Result} when all went.
run([], Result) -> {ok, Result};
run([Step | Rest], Result) ->
    case Step() of
        ok -> run(Rest, Result);
        Error -> Error
    end.

%% @doc The file descriptor of a `socket'-module socket.
-spec fd(socket:socket()) -> {ok, integer()} | {error, term()}.
fd(Socket) -> socket:getopt(Socket, {otp, fd}).

%% @doc Receive one record's worth from a `socket'-module kTLS socket and decode it with a reader
%% from {@link reader_new/1}: `{data, Bin}', `{handshake, Messages}', `more', `close_notify', an
%% alert, or an error (`{error, closed}' at TCP end of stream).
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

%% @doc {@link recv/3} that follows the peer's KeyUpdates with `Keys' ({@link keys_new/3}), as
%% {@link follow_key_update/3} does: they are never returned; other handshake messages are.
-spec recv(socket:socket(), reference(), reference(), timeout()) ->
          {data, binary()} | {handshake, [{0..255, binary()}]} | more | close_notify |
          {alert, fatal | warning, atom()} | {error, term()} | {error, term(), tuple()}.
recv(Socket, Reader, Keys, Timeout) ->
    case recv(Socket, Reader, Timeout) of
        {handshake, Messages} ->
            case follow_key_updates(Socket, Keys, Messages, []) of
                {ok, []} -> recv(Socket, Reader, Keys, Timeout);
                {ok, Others} -> {handshake, Others};
                {error, _} = Error -> Error
            end;
        Other ->
            Other
    end.

follow_key_updates(_Socket, _Keys, [], Others) ->
    {ok, lists:reverse(Others)};
follow_key_updates(Socket, Keys, [{24, Body} | Rest], Others) ->
    {ok, Fd} = fd(Socket),
    case follow_key_update(Fd, Keys, Body) of
        ok -> follow_key_updates(Socket, Keys, Rest, Others);
        {error, _} = Error -> Error
    end;
follow_key_updates(Socket, Keys, [Message | Rest], Others) ->
    follow_key_updates(Socket, Keys, Rest, [Message | Others]).

control_record_type([]) ->
    {ok, ?RECORD_APPLICATION_DATA};
control_record_type([#{level := Level, type := Type, data := Data} | Rest]) ->
    case record_type(level_number(Level), Type, Data) of
        {ok, _} = Ok -> Ok;
        none -> control_record_type(Rest)
    end.

level_number(Level) when is_integer(Level) -> Level;
level_number(_) -> -1.
