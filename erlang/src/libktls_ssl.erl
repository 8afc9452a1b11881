%% SPDX-License-Identifier: MIT
%% @private
%% @doc Taking a TLS 1.3 connection away from `ssl' ({@link libktls:handoff/2},
%% {@link libktls:handoff_secrets/1}). Every reading of `ssl''s internal state is here. What it
%% knows, by OTP release:
%%
%% <table>
%% <tr><th>What</th><th>OTP 25, 26</th><th>OTP 27, 28, 29</th></tr>
%% <tr><td>`sslsocket'</td><td>`{sslsocket, {Transport, Port, _, _}, [ConnPid, Sender]}'</td>
%%     <td>`{sslsocket, Port, ConnPid, Sender, Transport, _, _, _}'</td></tr>
%% <tr><td>connection process</td><td colspan="2">`{connection, #state{}}'; in the record, the
%%     `connection_states' map (`current_read', `current_write': `sequence_number',
%%     `security_parameters'), then the protocol buffers (bytes of a record not yet whole),
%%     then the user data buffer `{Front, Size, Rear}' (decrypted, not yet delivered)</td></tr>
%% <tr><td>sender process</td><td colspan="2">a state holding `#{current_write :=
%%     #{sequence_number := N}}': the write sequence number of every record after the
%%     handshake</td></tr>
%% <tr><td>traffic secrets</td><td colspan="2">the keylog's `CLIENT_TRAFFIC_SECRET_0' and
%%     `SERVER_TRAFFIC_SECRET_0' (OTP 27's client swaps the labels); whose is whose is read from
%%     each direction's security parameters</td></tr>
%% </table>
%% A state that matches none of these fails with `unknown_ssl_state' before any key is installed.
-module(libktls_ssl).

-export([options/0, handoff/1, handoff_secrets/1, processes/1]).

-spec options() -> [ssl:tls_option()].
options() ->
    [{keep_secrets, true}, {active, false},
     {cb_info, {libktls_tcp, tcp, tcp_closed, tcp_error, tcp_passive}}].

-spec handoff(ssl:sslsocket()) -> {ok, inet:socket()} | {error, term()}.
handoff(SslSocket) ->
    take_over(SslSocket, install).

-spec handoff_secrets(ssl:sslsocket()) -> {ok, inet:socket(), libktls:handoff()} | {error, term()}.
handoff_secrets(SslSocket) ->
    take_over(SslSocket, secrets).

%% @doc The TCP port of an `ssl' socket over `libktls_tcp' and its processes, the connection
%% process first.
-spec processes(ssl:sslsocket()) -> {ok, port(), [pid()]} | {error, not_libktls_transport}.
processes({sslsocket, {libktls_tcp, Port, _, _}, [_ | _] = Pids}) when is_port(Port) ->
    {ok, Port, Pids};
processes({sslsocket, Port, ConnPid, Sender, libktls_tcp, _, _, _})
  when is_port(Port), is_pid(ConnPid), is_pid(Sender) ->
    {ok, Port, [ConnPid, Sender]};
processes(_) ->
    {error, not_libktls_transport}.

take_over(SslSocket, Mode) ->
    case processes(SslSocket) of
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

%% The suite, and both traffic secrets as the keylog gives them.
traffic_secrets(Info) ->
    case proplists:get_value(protocol, Info) of
        'tlsv1.3' ->
            Name = ssl:suite_to_str(proplists:get_value(selected_cipher_suite, Info)),
            Keylog = proplists:get_value(keylog, Info, []),
            Secrets = [binary:decode_hex(list_to_binary(Hex))
                       || Line <- Keylog, [L, _Random, Hex] <- [string:split(Line, " ", all)],
                          L =:= "CLIENT_TRAFFIC_SECRET_0" orelse L =:= "SERVER_TRAFFIC_SECRET_0"],
            case {libktls:suite_by_name(Name), Secrets} of
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
                    run([fun() -> libktls:install_gen_tcp(Port, tx, Suite, #{secret => Tx}, TxSeq) end,
                         fun() -> libktls:install_gen_tcp(Port, rx, Suite, #{secret => Rx}, RxSeq) end,
                         fun() -> give_back(Port, Plaintext) end | release(Port, NewOwner)], none);
                {{ok, Tx}, {ok, Rx}} ->
                    %% the tls ULP, without keys yet, marks the socket handed off (libktls_tcp)
                    run([fun() -> libktls_gen_tcp:attach_ulp(Port) end | release(Port, NewOwner)],
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
