%% SPDX-License-Identifier: MIT
%% libktls from Erlang on a kTLS kernel (the test VMs): gen_tcp sockets keyed from Erlang, control
%% records on socket-module sockets, ssl connections handed over to the kernel, libktls
%% connections (KeyUpdates, alerts, several processes on one, the owner's exit) and distribution.
-module(libktls_kernel_tests).
-include_lib("eunit/include/eunit.hrl").

-export([dist_probe/1, dist_controller/1, traffic/2, update_keys/2, watch_link/1, send_link_alert/3,
         link_down_reason/1, start_sink/0, sink_bytes/0, flood/2, binary_memory/0,
         send_binaries/2]).

-define(SOL_TLS, 282).
-define(TLS_TX, 1).
-define(TLS_SET_RECORD_TYPE, 1).

probe_test() ->
    ?assertMatch({ok, #{tls := true, tls13_tx := true, tls13_rx := true}}, libktls:probe_kernel()).

%% Two gen_tcp endpoints; every key installed from Erlang with inet:setopts/2 raw options.
gen_tcp_both_ways_test() ->
    {C, S} = gen_tcp_pair(),
    Up = crypto:strong_rand_bytes(32),
    Down = crypto:strong_rand_bytes(32),
    ok = libktls:install_gen_tcp(C, tx, 16#1301, #{secret => Up}, 0),
    ok = libktls:install_gen_tcp(C, rx, 16#1301, #{secret => Down}, 0),
    ok = libktls:install_gen_tcp(S, rx, 16#1301, #{secret => Up}, 0),
    ok = libktls:install_gen_tcp(S, tx, 16#1301, #{secret => Down}, 0),
    ToServer = crypto:strong_rand_bytes(300000),
    ToClient = crypto:strong_rand_bytes(200000),
    Self = self(),
    [spawn_link(fun() -> ok = gen_tcp:send(Sock, Data), Self ! sent end)
     || {Sock, Data} <- [{C, ToServer}, {S, ToClient}]],
    ?assertEqual(ToServer, recv_exact(S, byte_size(ToServer))),
    ?assertEqual(ToClient, recv_exact(C, byte_size(ToClient))),
    [receive sent -> ok end || _ <- [1, 2]],
    %% the kernel made the records: its live TX sequence number counts them
    {ok, [{raw, _, _, Info}]} = inet:getopts(C, [{raw, ?SOL_TLS, ?TLS_TX, 40}]),
    <<16#0304:16/native, 51:16/native, _:28/binary, Records:64/big>> = Info,
    ?assert(Records >= byte_size(ToServer) div 16384 + 1),
    %% file:sendfile/2 on the port: the kernel encrypts straight from the page cache
    File = filename:join(scratch_dir(), "sendfile.bin"),
    Content = crypto:strong_rand_bytes(262144 + 7),
    ok = file:write_file(File, Content),
    spawn_link(fun() -> Self ! {received, recv_exact(C, byte_size(Content))} end),
    ?assertEqual({ok, byte_size(Content)}, file:sendfile(File, S)),
    ?assertEqual({received, Content}, receive {received, _} = R -> R end),
    gen_tcp:close(C),
    gen_tcp:close(S).

%% KeyUpdate from Erlang: the next secret's keys replace the first ones where the kernel can
%% rekey (6.14+); elsewhere the second install is refused (ebusy) and data keeps flowing.
gen_tcp_key_update_test() ->
    {C, S} = gen_tcp_pair(),
    Secret = crypto:strong_rand_bytes(32),
    ok = libktls:install_gen_tcp(C, tx, 16#1301, #{secret => Secret}, 0),
    ok = libktls:install_gen_tcp(S, rx, 16#1301, #{secret => Secret}, 0),
    ok = gen_tcp:send(C, <<"generation 0">>),
    ?assertEqual(<<"generation 0">>, recv_exact(S, 12)),
    {ok, Next} = libktls:next_secret(16#1301, Secret),
    {ok, #{rekey := CanRekey}} = libktls:probe_kernel(),
    case CanRekey of
        true ->
            ok = libktls:install_gen_tcp(C, tx, 16#1301, #{secret => Next}, 0),
            ok = libktls:install_gen_tcp(S, rx, 16#1301, #{secret => Next}, 0),
            ok = gen_tcp:send(C, <<"generation 1">>),
            ?assertEqual(<<"generation 1">>, recv_exact(S, 12));
        false ->
            ?assertEqual({error, keys_not_installed},
                         libktls:install_gen_tcp(C, tx, 16#1301, #{secret => Next}, 0)),
            %% by descriptor the errno is exact
            {ok, Fd} = prim_inet:getfd(C),
            ?assertEqual({error, ebusy}, libktls:install(Fd, tx, 16#1301, #{secret => Next}, 0)),
            ok = gen_tcp:send(C, <<"still generation 0">>),
            ?assertEqual(<<"still generation 0">>, recv_exact(S, 18))
    end,
    gen_tcp:close(C),
    gen_tcp:close(S).

%% A receiver with the wrong key gets an error, never the bytes: they really are encrypted.
%% A cipher the other direction does not use is refused, and the refusal is seen.
gen_tcp_mixed_ciphers_refused_test() ->
    {C, S} = gen_tcp_pair(),
    ok = libktls:install_gen_tcp(C, tx, 16#1301, #{secret => crypto:strong_rand_bytes(32)}, 0),
    ?assertEqual({error, keys_not_installed},
                 libktls:install_gen_tcp(C, rx, 16#1303, #{secret => crypto:strong_rand_bytes(32)}, 0)),
    gen_tcp:close(C),
    gen_tcp:close(S).

gen_tcp_wrong_key_test() ->
    {C, S} = gen_tcp_pair(),
    ok = libktls:install_gen_tcp(C, tx, 16#1303, #{secret => crypto:strong_rand_bytes(32)}, 0),
    ok = libktls:install_gen_tcp(S, rx, 16#1303, #{secret => crypto:strong_rand_bytes(32)}, 0),
    ok = gen_tcp:send(C, <<"secret message">>),
    ?assertEqual({error, ebadmsg}, gen_tcp:recv(S, 0, 5000)),
    gen_tcp:close(C),
    gen_tcp:close(S).

%% A socket-module receiver gets data, a handshake message and alerts, decoded by libktls. The
%% sender writes the control records from Erlang, with sendmsg and a TLS_SET_RECORD_TYPE cmsg.
socket_control_records_test() ->
    {C, S} = socket_pair(),
    Secret = crypto:strong_rand_bytes(48),
    {ok, CFd} = libktls:fd(C),
    {ok, SFd} = libktls:fd(S),
    ok = libktls:install(CFd, tx, 16#1302, #{secret => Secret}, 0),
    ok = libktls:install(SFd, rx, 16#1302, #{secret => Secret}, 0),
    ?assertMatch({ok, #{tls := true, tx := sw, rx := none}}, libktls:socket_mode(CFd)),
    Ticket = crypto:strong_rand_bytes(180),
    ok = socket:send(C, <<"before the ticket">>),
    ok = send_record(C, 22, <<4, (byte_size(Ticket)):24, Ticket/binary>>),
    ok = socket:send(C, <<"after the ticket">>),
    ok = send_record(C, 21, <<1, 0>>),
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({data, <<"before the ticket">>}, libktls:recv(S, R, 5000)),
    ?assertEqual({handshake, [{4, Ticket}]}, libktls:recv(S, R, 5000)),
    ?assertEqual({data, <<"after the ticket">>}, libktls:recv(S, R, 5000)),
    ?assertEqual(close_notify, libktls:recv(S, R, 5000)),
    socket:close(C),
    socket:close(S).

%% The NIF's own senders, and a fatal alert.
socket_fatal_alert_test() ->
    {C, S} = socket_pair(),
    Secret = crypto:strong_rand_bytes(32),
    {ok, CFd} = libktls:fd(C),
    {ok, SFd} = libktls:fd(S),
    ok = libktls:install(CFd, tx, 16#1301, #{secret => Secret}, 0),
    ok = libktls:install(SFd, rx, 16#1301, #{secret => Secret}, 0),
    Ticket = <<0:32, 0:32, 1, 7, 2:16, "id", 0:16>>,
    ok = libktls:send_handshake(CFd, 4, Ticket),
    ok = libktls:send_alert(CFd, 2, 40),
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({handshake, [{4, Ticket}]}, libktls:recv(S, R, 5000)),
    ?assertEqual({alert, fatal, handshake_failure}, libktls:recv(S, R, 5000)),
    socket:close(C),
    socket:close(S).

%% KeyUpdate on socket-module sockets, decided by what the kernel can do. Where it can rekey:
%% several generations, our own updates with and without update_requested, the peer's request
%% answered before its next data, each generation's data checked. Where it cannot: our update is
%% refused with nothing sent, and the peer's KeyUpdate is reported as ekeyexpired.
%% KeyUpdates on socket-module sockets, through connections (the one KeyUpdate API): the
%% client updates four times, asking the server to answer twice; data checked after each. Where
%% the kernel cannot replace keys, our update is ebusy with nothing sent, and the peer's
%% KeyUpdate ends the read with ekeyexpired.
socket_conn_key_update_test() ->
    {CConn, SConn} = conn_pair(),
    {ok, #{rekey := Rekey}} = libktls:probe_kernel(),
    case Rekey of
        true ->
            [begin
                 ok = libktls:conn_update_keys(CConn, Request),
                 ToServer = crypto:strong_rand_bytes(10000),
                 ok = conn_send(CConn, ToServer),
                 ?assertEqual(ToServer, conn_recv_exact(SConn, byte_size(ToServer), <<>>)),
                 ToClient = crypto:strong_rand_bytes(10000),
                 ok = conn_send(SConn, ToClient),
                 ?assertEqual(ToClient, conn_recv_exact(CConn, byte_size(ToClient), <<>>))
             end || Request <- [false, true, false, true]],
            ?assertMatch({ok, #{tx_generation := 4, rx_generation := 2}}, libktls:conn_info(CConn)),
            ?assertMatch({ok, #{tx_generation := 2, rx_generation := 4}}, libktls:conn_info(SConn));
        false ->
            ?assertEqual({error, ebusy}, libktls:conn_update_keys(CConn, true)),
            ok = conn_send(CConn, <<"before">>),
            ?assertEqual(<<"before">>, conn_recv_exact(SConn, 6, <<>>)),
            ?assertMatch({ok, #{tx_generation := 0, rx_generation := 0}}, libktls:conn_info(SConn))
    end,
    ok = libktls:conn_close(CConn),
    ?assertEqual(close_notify, conn_recv(SConn)),
    ok = libktls:conn_close(SConn).

%% One connection, four processes writing 1000-byte messages and updating keys at once, a fifth
%% asking for its state: every message arrives whole (the connection's lock serialises the
%% calls; a write while another waits is eagain, nothing sent).
conn_shared_by_processes_test_() ->
    {timeout, 300, fun conn_shared_by_processes/0}.

conn_shared_by_processes() ->
    {CConn, SConn} = conn_pair(),
    Parent = self(),
    Writers = 4,
    PerWriter = 200,
    [spawn_link(fun() ->
                    [begin
                         ok = shared_send(CConn, binary:copy(<<Id>>, 1000)),
                         case N rem 50 of
                             0 -> shared_update(CConn);
                             _ -> ok
                         end
                     end || N <- lists:seq(1, PerWriter)],
                    Parent ! {written, Id}
                end) || Id <- lists:seq(1, Writers)],
    Asker = spawn_link(fun Ask() ->
                           {ok, #{}} = libktls:conn_info(CConn),
                           receive stop -> Parent ! asked after 0 -> Ask() end
                       end),
    Received = conn_recv_exact(SConn, Writers * PerWriter * 1000, <<>>),
    [receive {written, Id} -> ok after 60000 -> error({writer_stuck, Id}) end
     || Id <- lists:seq(1, Writers)],
    Asker ! stop,
    receive asked -> ok after 30000 -> error(asker_stuck) end,
    Chunks = [binary:part(Received, I * 1000, 1000) || I <- lists:seq(0, Writers * PerWriter - 1)],
    Counts = lists:foldl(fun(<<Id, _/binary>> = Chunk, Acc) ->
                                 ?assertEqual(binary:copy(<<Id>>, 1000), Chunk),
                                 maps:update_with(Id, fun(X) -> X + 1 end, 1, Acc)
                         end, #{}, Chunks),
    ?assertEqual(maps:from_list([{Id, PerWriter} || Id <- lists:seq(1, Writers)]), Counts),
    ok = libktls:conn_close(CConn),
    ok = libktls:conn_close(SConn).

%% A write from any process: a `wait' is this process's to finish; another's wait is retried.
shared_send(Conn, Data) ->
    case libktls:conn_send(Conn, Data) of
        ok -> ok;
        wait -> conn_flush(Conn);
        {error, eagain} -> timer:sleep(1), shared_send(Conn, Data)
    end.

shared_update(Conn) ->
    case libktls:conn_update_keys(Conn, false) of
        ok -> ok;
        {error, ebusy} -> ok; % this kernel cannot replace keys
        {error, eagain} -> timer:sleep(1), shared_update(Conn)
    end.

%% The owner's exit closes the connection's descriptor: the peer reads the end of the stream.
conn_owner_exit_closes_test() ->
    {C, S} = socket_pair(),
    Key = crypto:strong_rand_bytes(32),
    Secrets = #{suite => 16#1301, tx_secret => Key, tx_seq => 0, rx_secret => Key, rx_seq => 0,
                plaintext => <<>>},
    {ok, Conn} = libktls:conn_open(C, Secrets, 0),
    ok = socket:close(C),
    {Owner, Mon} = spawn_monitor(fun() -> ok = libktls:conn_own(Conn), receive stop -> ok end end),
    ok = libktls:install(element(2, libktls:fd(S)), rx, 16#1301, #{secret => Key}, 0),
    ok = conn_send(Conn, <<"alive">>),
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({data, <<"alive">>}, libktls:recv(S, R, 5000)),
    Owner ! stop,
    receive {'DOWN', Mon, process, Owner, _} -> ok end,
    ?assertEqual({error, closed}, socket:recv(S, 0, 5000)),
    ?assertEqual({error, ebadf}, libktls:conn_recv(Conn)),
    socket:close(S).

%% Erlang's ssl does the TLS 1.3 handshake with OpenSSL (examples/openssl/file-server in
%% userspace mode); the connection is handed to the kernel; no ssl process is left; the file
%% arrives intact through plain gen_tcp calls. With session tickets, ssl has read two records
%% under the server's traffic key before the hand-off: the kernel must continue at 2.
ssl_handoff_test_() ->
    [{timeout, 120, fun() -> ssl_handoff(0) end},
     {timeout, 120, fun() -> ssl_handoff(2) end}].

ssl_handoff(Tickets) ->
    {ok, _} = application:ensure_all_started(ssl),
    Dir = scratch_dir(),
    File = crypto:strong_rand_bytes(1048576 + 4321),
    ok = file:write_file(filename:join(Dir, "data.bin"), File),
    {Server, Port} = start_file_server(Dir, Tickets),
    TicketOpts = case Tickets of 0 -> []; _ -> [{session_tickets, manual}] end,
    {ok, Ssl} = ssl:connect({127, 0, 0, 1}, Port,
                            [binary, {versions, ['tlsv1.3']}, {verify, verify_none}]
                            ++ TicketOpts ++ libktls:ssl_options(), 30000),
    %% with manual tickets ssl hands each one to its owner once it has processed the record
    [receive {ssl, session_ticket, _} -> ok after 30000 -> error(no_ticket) end
     || _ <- lists:seq(1, Tickets)],
    {ok, _, SslPids} = libktls:ssl_processes(Ssl),
    {ok, Sock} = libktls:handoff(Ssl, client),
    [?assertNot(is_process_alive(P)) || P <- SslPids],
    ?assertEqual({connected, self()}, erlang:port_info(Sock, connected)),
    ok = gen_tcp:send(Sock, <<"GET data.bin\n">>),
    ?assertEqual(File, recv_exact(Sock, byte_size(File))),
    %% the server's close_notify is a control record, which gen_tcp cannot receive
    ?assertEqual({error, eio}, gen_tcp:recv(Sock, 0, 10000)),
    gen_tcp:close(Sock),
    {Status, Output} = wait_server(Server, []),
    ?assertEqual(0, Status),
    ?assertNotEqual(nomatch, string:find(Output, "bytes through SSL_write (userspace TLS)")).

%% Both ends in Erlang: the server hands off too (its role picks the secrets). The client sends
%% its first message as soon as its own hand-off returns, as a client of a request/response
%% protocol would: if it reaches the server's ssl process before the server's hand-off, it is
%% handed over with the socket. The bulk follows the server's answer.
erlang_both_ends_test_() ->
    {timeout, 120, fun erlang_both_ends/0}.

erlang_both_ends() ->
    {ok, _} = application:ensure_all_started(ssl),
    {L, Port, ClientConf} = tls13_listen(),
    Client = self(),
    Request = crypto:strong_rand_bytes(100000),
    spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        {ok, Sock} = libktls:handoff(S, server),
        <<"hello">> = recv_exact(Sock, 5),
        ok = gen_tcp:send(Sock, <<"go">>),
        Data = recv_exact(Sock, byte_size(Request)),
        ok = gen_tcp:send(Sock, crypto:hash(sha256, Data)),
        Client ! {server_done, gen_tcp:recv(Sock, 0, 10000)}
    end),
    {ok, C} = tls13_connect(Port, ClientConf),
    {ok, Sock} = libktls:handoff(C, client),
    ok = gen_tcp:send(Sock, <<"hello">>),
    ?assertEqual(<<"go">>, recv_exact(Sock, 2)),
    ok = gen_tcp:send(Sock, Request),
    ?assertEqual(crypto:hash(sha256, Request), recv_exact(Sock, 32)),
    gen_tcp:close(Sock),
    ?assertEqual({server_done, {error, closed}}, receive {server_done, _} = M -> M after 30000 -> timeout end),
    ssl:close(L).

%% Records ssl already exchanged under the traffic keys count: a message each way through ssl,
%% then the hand-off on both ends. ssl writes through its sender process, whose sequence number
%% the connection process does not see (OTP 27 and later).
traffic_before_handoff_test_() ->
    {timeout, 120, fun traffic_before_handoff/0}.

traffic_before_handoff() ->
    {ok, _} = application:ensure_all_started(ssl),
    {L, Port, ClientConf} = tls13_listen(),
    Client = self(),
    spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        {ok, <<"one">>} = ssl:recv(S, 3, 10000),
        ok = ssl:send(S, <<"two">>),
        ok = ssl:send(S, <<"three">>),
        {ok, <<"four">>} = ssl:recv(S, 4, 10000),
        {ok, Sock} = libktls:handoff(S, server),
        ok = gen_tcp:send(Sock, <<"after">>),
        Client ! {server_got, recv_exact(Sock, 6)}
    end),
    {ok, C} = tls13_connect(Port, ClientConf),
    ok = ssl:send(C, <<"one">>),
    {ok, <<"twothree">>} = recv_ssl_exact(C, 8, <<>>),
    ok = ssl:send(C, <<"four">>),
    {ok, Sock} = libktls:handoff(C, client),
    ?assertEqual(<<"after">>, recv_exact(Sock, 5)),
    ok = gen_tcp:send(Sock, <<"kernel">>),
    ?assertEqual({server_got, <<"kernel">>}, receive {server_got, _} = M -> M after 30000 -> timeout end),
    gen_tcp:close(Sock),
    ssl:close(L).

%% A libktls connection driven from Erlang (what libktls_dist runs on): both ends leave ssl with
%% handoff_secrets/1; data both ways through the NIF's non-blocking reads and writes; where the
%% kernel can replace keys, a KeyUpdate asking for the peer's, followed and answered without the
%% application seeing either; then close_notify.
conn_test_() ->
    {timeout, 120, fun conn/0}.

conn() ->
    {ok, _} = application:ensure_all_started(ssl),
    {ok, #{rekey := Rekey}} = libktls:probe_kernel(),
    {L, Port, ClientConf} = tls13_listen(),
    Client = self(),
    Big = crypto:strong_rand_bytes(300000),
    spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        {Conn, Early} = conn_of(S),
        <<"ping">> = conn_recv_exact(Conn, 4, Early),
        ok = conn_send(Conn, Big),
        Client ! {server, conn_recv_exact(Conn, 4, <<>>), libktls:conn_info(Conn)},
        ok = conn_send(Conn, <<"bye">>),
        Client ! {server_end, conn_recv(Conn)}
    end),
    {ok, C} = tls13_connect(Port, ClientConf),
    {Conn, Early} = conn_of(C),
    ok = conn_send(Conn, <<"ping">>),
    ?assertEqual(Big, conn_recv_exact(Conn, byte_size(Big), Early)),
    case Rekey of
        true -> ?assertEqual(ok, libktls:conn_update_keys(Conn, true));
        false -> ?assertEqual({error, ebusy}, libktls:conn_update_keys(Conn, true))
    end,
    ok = conn_send(Conn, <<"pong">>),
    Gen = case Rekey of true -> 1; false -> 0 end,
    ?assertMatch({server, <<"pong">>, {ok, #{rx_generation := Gen, tx_generation := Gen}}},
                 receive {server, _, _} = M -> M after 30000 -> timeout end),
    %% the server's answering KeyUpdate came before its "bye"
    ?assertEqual(<<"bye">>, conn_recv_exact(Conn, 3, <<>>)),
    ?assertMatch({ok, #{tx_generation := Gen, rx_generation := Gen, received := N}} when N > 0,
                 libktls:conn_info(Conn)),
    ok = libktls:conn_close(Conn),
    ?assertEqual({error, ebadf}, libktls:conn_recv(Conn)),
    ?assertEqual({server_end, close_notify}, receive {server_end, _} = E -> E after 30000 -> timeout end),
    ssl:close(L).

%% The peer's control records end a connection with what they mean: a fatal alert comes back as
%% such; on a kernel that cannot replace keys, the peer's KeyUpdate is ekeyexpired (and the NIF
%% answers it with internal_error), never a decryption error on the data after it.
conn_peer_control_test_() ->
    {timeout, 120, fun conn_peer_control/0}.

conn_peer_control() ->
    {ok, _} = application:ensure_all_started(ssl),
    {ok, #{rekey := Rekey}} = libktls:probe_kernel(),
    {L, Port, ClientConf} = tls13_listen(),
    Server = spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        {ok, Sock} = libktls:handoff(S, server),
        {ok, Fd} = prim_inet:getfd(Sock),
        ok = gen_tcp:send(Sock, <<"x">>),
        case Rekey of
            false -> ok = libktls:send_handshake(Fd, 24, <<0>>);
            true -> ok = libktls:send_alert(Fd, 2, 40)
        end,
        receive done -> gen_tcp:close(Sock) end
    end),
    {ok, C} = tls13_connect(Port, ClientConf),
    {Conn, Early} = conn_of(C),
    ?assertEqual(<<"x">>, conn_recv_exact(Conn, 1, Early)),
    case Rekey of
        false -> ?assertEqual({error, ekeyexpired}, conn_recv(Conn));
        true -> ?assertEqual({alert, fatal, handshake_failure}, conn_recv(Conn))
    end,
    Server ! done,
    ok = libktls:conn_close(Conn),
    ssl:close(L).

%% The connection, and what the peer sent that ssl had already decrypted (it comes first).
conn_of(Ssl) ->
    {ok, Port, #{plaintext := Early} = Handoff} = libktls:handoff_secrets(Ssl),
    {ok, Conn} = libktls:conn_open(Port, Handoff, 0),
    ok = gen_tcp:close(Port),
    ok = libktls:conn_own(Conn),
    {Conn, Early}.

conn_send(Conn, Data) ->
    case libktls:conn_send(Conn, Data) of
        wait -> conn_flush(Conn);
        Result -> Result
    end.

conn_flush(Conn) ->
    receive {select, Conn, undefined, ready_output} -> ok after 30000 -> error(no_ready_output) end,
    case libktls:conn_flush(Conn) of
        wait -> conn_flush(Conn);
        Result -> Result
    end.

conn_recv(Conn) ->
    case libktls:conn_recv(Conn) of
        wait ->
            receive {select, Conn, undefined, ready_input} -> conn_recv(Conn)
            after 30000 -> error(no_ready_input)
            end;
        Result ->
            Result
    end.

conn_recv_exact(_Conn, N, Acc) when byte_size(Acc) >= N -> Acc;
conn_recv_exact(Conn, N, Acc) ->
    {data, More} = conn_recv(Conn),
    conn_recv_exact(Conn, N, <<Acc/binary, More/binary>>).

recv_ssl_exact(_S, N, Acc) when byte_size(Acc) >= N -> {ok, Acc};
recv_ssl_exact(S, N, Acc) ->
    {ok, More} = ssl:recv(S, 0, 10000),
    recv_ssl_exact(S, N, <<Acc/binary, More/binary>>).

%% Data the peer sent right after the handshake, which ssl already decrypted, is not lost: the
%% hand-off puts it back into the socket, and the kernel continues after that record.
early_data_is_kept_test_() ->
    {timeout, 120, fun early_data_is_kept/0}.

early_data_is_kept() ->
    {ok, _} = application:ensure_all_started(ssl),
    {ServerConf, ClientConf} = test_certs(),
    {ok, L} = ssl:listen(0, ServerConf ++ [binary, {versions, ['tlsv1.3']}, {active, false}]),
    {ok, {_, Port}} = ssl:sockname(L),
    Client = self(),
    Server = spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        ok = ssl:send(S, <<"sent early">>),
        Client ! sent,
        receive handed_off -> ok end,
        ok = ssl:send(S, <<" and after">>),
        receive stop -> ssl:close(S) end
    end),
    {ok, C} = tls13_connect(Port, ClientConf),
    receive sent -> ok end,
    timer:sleep(1000), % ssl has received and decrypted the record by now
    {ok, Sock} = libktls:handoff(C, client),
    Server ! handed_off,
    ?assertEqual(<<"sent early and after">>, recv_exact(Sock, 20)),
    Server ! stop,
    gen_tcp:close(Sock),
    ssl:close(L).

tls12_is_refused_test_() ->
    {timeout, 120, fun tls12_is_refused/0}.

tls12_is_refused() ->
    {ok, _} = application:ensure_all_started(ssl),
    {ServerConf, ClientConf} = test_certs(),
    {ok, L} = ssl:listen(0, ServerConf ++ [binary, {versions, ['tlsv1.2']}]),
    {ok, {_, Port}} = ssl:sockname(L),
    spawn_link(fun() ->
        {ok, T} = ssl:transport_accept(L, 30000),
        {ok, S} = ssl:handshake(T, 30000),
        receive stop -> ssl:close(S) end
    end),
    {ok, C} = ssl:connect({127, 0, 0, 1}, Port, ClientConf ++ [binary, {versions, ['tlsv1.2']}]
                          ++ libktls:ssl_options(), 30000),
    ?assertEqual({error, {unsupported_protocol, 'tlsv1.2'}}, libktls:handoff(C, client)),
    ssl:close(C),
    ssl:close(L).

%% A TLS 1.3 listener on loopback for handoff/2 (or handoff_secrets/1), and a client for it.
tls13_listen() ->
    {ServerConf, ClientConf} = test_certs(),
    {ok, L} = ssl:listen(0, ServerConf ++ [binary, {versions, ['tlsv1.3']}] ++ libktls:ssl_options()),
    {ok, {_, Port}} = ssl:sockname(L),
    {L, Port, ClientConf}.

tls13_connect(Port, ClientConf) ->
    ssl:connect({127, 0, 0, 1}, Port, ClientConf ++ [binary, {versions, ['tlsv1.3']}]
                ++ libktls:ssl_options(), 30000).

test_certs() ->
    Key = [{key, {namedCurve, secp256r1}}, {digest, sha256}], % OTP 29 refuses SHA-1 signatures
    Chain = #{root => Key, intermediates => [], peer => Key},
    #{server_config := S, client_config := C} =
        public_key:pkix_test_data(#{server_chain => Chain, client_chain => Chain}),
    {S, [{verify, verify_peer}, {server_name_indication, disable} | C]}.

%% Erlang distribution over kTLS (libktls_dist): two peer nodes with -proto_dist libktls,
%% mutual certificate authentication; one controller process per link, driving a libktls
%% connection in the NIF.
dist_test_() ->
    {timeout, 300, fun dist/0}.

dist() ->
    with_dist_peers([], fun(A, B) ->
        ?assertMatch({ok, #{tx_generation := 0, rx_generation := 0}},
                     peer:call(A, ?MODULE, dist_probe, ['b@127.0.0.1'], 120000)),
        %% and the other way, over the same link
        ?assertMatch({ok, #{tx_generation := 0, rx_generation := 0}},
                     peer:call(B, ?MODULE, dist_probe, ['a@127.0.0.1'], 120000))
    end).

%% Traffic both ways at once while both sides update their keys, each at least three times,
%% by request (ours, and asking the peer's) and by record count (after 64 records). On kernels
%% that cannot replace keys: an update is refused with the link intact, and a key at its record
%% count ends the link (close_notify to the peer) instead of going past it.
dist_key_update_test_() ->
    {timeout, 600, fun dist_key_update/0}.

dist_key_update() ->
    {ok, #{rekey := Rekey}} = libktls:probe_kernel(),
    %% writes of 4 KiB: packets split over writes, parts large enough to go uncopied
    with_dist_peers(["-libktls_dist_key_update_records", "64", "-libktls_dist_write_size", "4096"],
                    fun(A, B) ->
        [NodeA, NodeB] = [peer:call(P, erlang, node, []) || P <- [A, B]],
        pong = peer:call(A, net_adm, ping, [NodeB], 120000),
        [ok = peer:call(P, ?MODULE, watch_link, [N]) || {P, N} <- [{A, NodeB}, {B, NodeA}]],
        case Rekey of
            true -> dist_rekeys(A, B, NodeA, NodeB);
            false -> dist_cannot_rekey(A, B, NodeA, NodeB)
        end
    end).

dist_rekeys(A, B, NodeA, NodeB) ->
    CtrlA = peer:call(A, ?MODULE, dist_controller, [NodeB]),
    Self = self(),
    Traffic = [spawn_link(fun() ->
                                  Self ! {self(), peer:call(P, ?MODULE, traffic, [N, 60], 500000)}
                          end) || {P, N} <- [{A, NodeB}, {B, NodeA}]],
    [begin
         ok = peer:call(P, ?MODULE, update_keys, [N, RequestPeer], 60000),
         timer:sleep(200)
     end || _ <- [1, 2], {P, N} <- [{A, NodeB}, {B, NodeA}], RequestPeer <- [true, false]],
    [?assertEqual({T, ok}, receive {T, R} -> {T, R} end) || T <- Traffic],
    {ok, InfoA} = peer:call(A, libktls_dist, info, [NodeB]),
    {ok, InfoB} = peer:call(B, libktls_dist, info, [NodeA]),
    [?assert(maps:get(G, Info) >= 3) || Info <- [InfoA, InfoB], G <- [tx_generation, rx_generation]],
    %% each side's receive key followed the other's send key
    ?assertEqual(maps:get(tx_generation, InfoA), maps:get(rx_generation, InfoB)),
    ?assertEqual(maps:get(tx_generation, InfoB), maps:get(rx_generation, InfoA)),
    ?assert(maps:get(tx_records, InfoA) < 64 + 64 div 16 + 8),
    %% the same link throughout: no node went down on the way
    ?assertEqual(CtrlA, peer:call(A, ?MODULE, dist_controller, [NodeB])),
    ?assertEqual(none, peer:call(A, ?MODULE, link_down_reason, [0])),
    %% taking the link down on one side sends close_notify: the other sees an orderly end
    true = peer:call(A, erlang, disconnect_node, [NodeB]),
    ?assertEqual(connection_closed, peer:call(B, ?MODULE, link_down_reason, [60000], 70000)).

dist_cannot_rekey(A, B, _NodeA, NodeB) ->
    ?assertEqual({error, ebusy}, peer:call(A, libktls_dist, update_keys, [NodeB, true])),
    ?assertMatch({ok, #{tx_generation := 0}}, peer:call(A, libktls_dist, info, [NodeB])),
    %% still up after the refusal, until a key reaches its 64 records
    ?assertEqual(none, peer:call(A, ?MODULE, link_down_reason, [0])),
    %% the link ends at 64 records; a call in flight then is noconnection, a later one sets up a
    %% new link with new keys
    ?assert(lists:member(peer:call(A, ?MODULE, traffic, [NodeB, 60], 500000),
                         [ok, {error, noconnection}])),
    %% the other side reads our close_notify, or, writing to us when we close, a reset
    Reasons = [peer:call(P, ?MODULE, link_down_reason, [60000], 70000) || P <- [A, B]],
    ?assert(lists:member(key_limit_reached, Reasons)),
    ?assertEqual([], [R || R <- Reasons, R =/= key_limit_reached, not closed_on(R)]).

%% A link's end where the peer closed it: its close_notify read, or, when we were writing to it
%% at the time, the write's failure.
closed_on(Reason) ->
    lists:member(Reason, [connection_closed, libktls_epipe, libktls_econnreset]).

%% A fatal alert from the peer on an established link ends it, with the alert's name as the
%% reason. B connects to A, then writes a handshake_failure alert into its own end of the link
%% (the driver's descriptor, found through /proc) while the link is idle.
dist_peer_alert_test_() ->
    {timeout, 300, fun dist_peer_alert/0}.

dist_peer_alert() ->
    with_dist_peers([], fun(A, B) ->
        [NodeA, NodeB] = [peer:call(P, erlang, node, []) || P <- [A, B]],
        pong = peer:call(B, net_adm, ping, [NodeA], 120000),
        [ok = peer:call(P, ?MODULE, watch_link, [N]) || {P, N} <- [{A, NodeB}, {B, NodeA}]],
        {port, ListenA, _} = peer:call(B, erl_epmd, port_please, ["a", {127, 0, 0, 1}]),
        ok = peer:call(B, ?MODULE, send_link_alert, [ListenA, 2, 40]),
        ?assertEqual(handshake_failure, peer:call(A, ?MODULE, link_down_reason, [60000], 70000)),
        %% A closed its end without close_notify: B reads the end of the stream, or its next
        %% write fails first
        ?assert(closed_on(peer:call(B, ?MODULE, link_down_reason, [60000], 70000)))
    end).

%% On a peer: an alert on the descriptor of the link whose remote end is TCP port RemotePort.
send_link_alert(RemotePort, Level, Description) ->
    {ok, Table} = file:read_file("/proc/net/tcp"),
    Remote = lists:flatten(io_lib:format("~4.16.0B", [RemotePort])),
    Inodes = [Inode || Line <- tl(string:lexemes(binary_to_list(Table), "\n")),
                       [_, _, RemAddress, "01" | Rest] <- [string:lexemes(Line, " ")],
                       lists:suffix(":" ++ Remote, RemAddress),
                       Inode <- [lists:nth(6, Rest)]],
    {ok, Fds} = file:list_dir("/proc/self/fd"),
    [Fd] = [list_to_integer(F) || F <- Fds, Inode <- Inodes,
                                  {ok, Link} <- [file:read_link("/proc/self/fd/" ++ F)],
                                  Link =:= "socket:[" ++ Inode ++ "]"],
    libktls:send_alert(Fd, Level, Description).

%% An idle link holds no read buffer (576 KiB each): a read that finds nothing, as the last read
%% of every burst does, leaves none behind. Measured on the accepting node as erlang:memory(binary)
%% after a garbage collection, before the link and once it is idle.
dist_idle_buffer_test_() ->
    {timeout, 300, fun dist_idle_buffer/0}.

dist_idle_buffer() ->
    with_dist_peers([], fun(A, B) ->
        NodeB = peer:call(B, erlang, node, []),
        Before = peer:call(B, ?MODULE, binary_memory, []),
        pong = peer:call(A, net_adm, ping, [NodeB], 120000),
        ?assert(peer:call(B, ?MODULE, binary_memory, []) - Before < 128 * 1024)
    end).

%% On a peer: erlang:memory(binary) a second after the call, every process collected.
binary_memory() ->
    timer:sleep(1000),
    [erlang:garbage_collect(P) || P <- processes()],
    erlang:memory(binary).

%% Writes end where records do. With writes of 20000 bytes (a record holds 16384), 16 terms of
%% 64 KiB sent at once go out in full records, but for at most one short record per packet
%% where the VM flushed between packets: at most 82. Writes that ended anywhere made 117 to 122.
dist_full_records_test_() ->
    {timeout, 300, fun dist_full_records/0}.

dist_full_records() ->
    with_dist_peers(["-libktls_dist_write_size", "20000"], fun(A, B) ->
        NodeB = peer:call(B, erlang, node, []),
        ok = peer:call(B, ?MODULE, start_sink, []),
        pong = peer:call(A, net_adm, ping, [NodeB], 120000),
        {ok, #{tx_generation := Gen, tx_records := Before}} = peer:call(A, libktls_dist, info, [NodeB]),
        ok = peer:call(A, ?MODULE, send_binaries, [NodeB, 16]),
        ?assertEqual(16 * 65536, wait_for_bytes(B, 16 * 65536, 60)),
        {ok, #{tx_generation := Gen, tx_records := After}} = peer:call(A, libktls_dist, info, [NodeB]),
        ?assertMatch(Records when Records =< 16 * 5 + 2, After - Before)
    end).

%% On a peer: N binaries of 64 KiB to Node's sink, sent at once.
send_binaries(Node, N) ->
    Bin = binary:copy(<<7>>, 65536),
    [{libktls_sink, Node} ! Bin || _ <- lists:seq(1, N)],
    ok.

%% Backpressure: the peer stops reading (SIGSTOP); 64 MiB sent to it. The link's port goes busy
%% and holds at most a few hundred KiB, the sender is suspended (busy_dist_port), and once the
%% peer runs again every byte arrives.
dist_busy_port_test_() ->
    {timeout, 600, fun dist_busy_port/0}.

dist_busy_port() ->
    with_dist_peers([], fun(A, B) ->
        NodeB = peer:call(B, erlang, node, []),
        ok = peer:call(B, ?MODULE, start_sink, []),
        pong = peer:call(A, net_adm, ping, [NodeB], 120000),
        OsPid = peer:call(B, os, getpid, []),
        Count = 1024,
        [] = os:cmd("kill -STOP " ++ OsPid),
        Flood = try peer:call(A, ?MODULE, flood, [NodeB, Count], 120000)
                after os:cmd("kill -CONT " ++ OsPid)
                end,
        ?assertMatch(#{busy := true, sender := suspended}, Flood),
        %% busy at four writes' worth queued (4 x 64 KiB), and not much more
        Queued = maps:get(queued, Flood),
        ?assert(is_integer(Queued) andalso Queued >= 4 * 65536 andalso Queued < 1 bsl 20),
        ?assertEqual(Count * 65536, wait_for_bytes(B, Count * 65536, 300))
    end).

%% On a peer: a process that counts the bytes of the binaries it is sent (sink_bytes/0 asks).
start_sink() ->
    Pid = spawn(fun() -> sink(0) end),
    true = register(libktls_sink, Pid),
    ok.

sink(N) ->
    receive
        {bytes, From} -> From ! {sink_bytes, N}, sink(N);
        Bin when is_binary(Bin) -> sink(N + byte_size(Bin))
    end.

sink_bytes() ->
    libktls_sink ! {bytes, self()},
    receive {sink_bytes, N} -> N end.

wait_for_bytes(Peer, Want, Tries) ->
    case peer:call(Peer, ?MODULE, sink_bytes, [], 60000) of
        N when N >= Want; Tries =:= 0 -> N;
        _ -> timer:sleep(1000), wait_for_bytes(Peer, Want, Tries - 1)
    end.

%% On a peer: N binaries of 64 KiB to Node's sink from a new process; whether that process was
%% suspended on a busy distribution port within 60 s, and 2 s later its status and the bytes
%% queued in the link's driver.
flood(Node, N) ->
    _ = erlang:system_monitor(self(), [busy_dist_port]),
    Sender = spawn(fun() -> send_binaries(Node, N) end),
    Busy = receive {monitor, Sender, busy_dist_port, Port} when is_port(Port) -> true
           after 60000 -> false
           end,
    _ = erlang:system_monitor(undefined),
    timer:sleep(2000),
    Queued = case libktls_dist:info(Node) of
                 {ok, #{queued := Bytes}} -> Bytes;
                 {error, _} = Error -> Error
             end,
    Status = case process_info(Sender, status) of
                 {status, S} -> S;
                 undefined -> finished
             end,
    #{busy => Busy, sender => Status, queued => Queued}.

%% net_setuptime drops a peer that connects and says nothing, in TCP and after the TLS handshake:
%% the node's descriptors and processes return to where they were.
dist_silent_peers_test_() ->
    {timeout, 300, fun dist_silent_peers/0}.

dist_silent_peers() ->
    {ServerConf, ClientConf} = test_certs(),
    OptFile = filename:join(scratch_dir(), "dist.conf"),
    ok = file:write_file(OptFile, io_lib:format("~p.~n~p.~n", [{server, ServerConf}, {client, ClientConf}])),
    Args = ["-name", "silent@127.0.0.1", "-setcookie", "libktls", "-proto_dist", "libktls",
            "-libktls_dist_optfile", OptFile, "-pa", filename:dirname(code:which(libktls)),
            "-kernel", "net_setuptime", "20"],
    {ok, A} = start_peer(Args),
    try
        {ok, _} = peer:call(A, application, ensure_all_started, [ssl], 120000),
        {port, TcpPort, _} = erl_epmd:port_please("silent", {127, 0, 0, 1}),
        OsPid = peer:call(A, os, getpid, []),
        Fds = fun() -> length(element(2, file:list_dir("/proc/" ++ OsPid ++ "/fd"))) end,
        Procs = fun() -> peer:call(A, erlang, system_info, [process_count]) end,
        Before = {Fds(), Procs()},
        {ok, _} = application:ensure_all_started(ssl),
        Tls = [begin
                   {ok, S} = ssl:connect({127, 0, 0, 1}, TcpPort,
                                         ClientConf ++ [binary, {active, false}, {versions, ['tlsv1.3']}],
                                         60000),
                   S
               end || _ <- lists:seq(1, 2)],
        Tcp = [begin
                   {ok, S} = gen_tcp:connect({127, 0, 0, 1}, TcpPort, [binary, {active, false}]),
                   S
               end || _ <- lists:seq(1, 4)],
        %% all six are the node's: a descriptor each, and a process each
        {Fds6, Procs6} = settle(fun() -> {Fds(), Procs()} end, fun({F, P}) ->
                                    F >= element(1, Before) + 6 andalso P >= element(2, Before) + 6
                                end, 50),
        ?assert(Fds6 >= element(1, Before) + 6 andalso Procs6 >= element(2, Before) + 6),
        [?assertEqual(closed, closed_by_peer(S)) || S <- Tcp],
        [?assertMatch({error, _}, ssl:recv(S, 0, 60000)) || S <- Tls],
        ?assertEqual(Before, settle(fun() -> {Fds(), Procs()} end, fun(Now) -> Now =:= Before end, 50))
    after
        peer:stop(A)
    end.

%% Read a TCP socket until the peer closes it: closed, or the error. Bytes before the end are
%% ssl's own: since OTP 27 a handshake it abandons sends a user_canceled alert first.
closed_by_peer(S) ->
    case gen_tcp:recv(S, 0, 60000) of
        {ok, _} -> closed_by_peer(S);
        {error, Reason} -> Reason
    end.

%% Fun's value once Done accepts it, polling every 200 ms, Tries times at most.
settle(Fun, _Done, 0) -> Fun();
settle(Fun, Done, Tries) ->
    Now = Fun(),
    case Done(Now) of
        true -> Now;
        false -> timer:sleep(200), settle(Fun, Done, Tries - 1)
    end.

with_dist_peers(ExtraArgs, Test) ->
    {ServerConf, ClientConf} = test_certs(),
    OptFile = filename:join(scratch_dir(), "dist.conf"),
    ok = file:write_file(OptFile, io_lib:format("~p.~n~p.~n",
        [{server, [{verify, verify_peer}, {fail_if_no_peer_cert, true} | ServerConf]},
         {client, ClientConf}])),
    Beam = filename:dirname(code:which(libktls)),
    Peers = [begin
                 %% under emulation a TLS handshake can outlast the default 7 s set-up time
                 Args = ["-name", Name ++ "@127.0.0.1", "-setcookie", "libktls",
                         "-proto_dist", "libktls", "-libktls_dist_optfile", OptFile, "-pa", Beam,
                         "-kernel", "net_setuptime", "120" | ExtraArgs],
                 {ok, Peer} = start_peer(Args),
                 {ok, _} = peer:call(Peer, application, ensure_all_started, [ssl], 120000),
                 Peer
             end || Name <- ["a", "b"]],
    [A, B] = Peers,
    try
        Test(A, B)
    after
        [peer:stop(P) || P <- Peers]
    end.

start_peer(Args) ->
    %% booting a node under emulation on a loaded machine can take longer than peer's 15 s
    case peer:start_link(#{connection => standard_io, args => Args, wait_boot => 120000}) of
        {ok, Peer} -> {ok, Peer};
        {ok, Peer, _Node} -> {ok, Peer};
        Error -> Error
    end.

%% On a peer: connect to Node, move 1 MiB there and back through rpc, and report the link.
dist_probe(Node) ->
    pong = net_adm:ping(Node),
    Bin = crypto:strong_rand_bytes(1 bsl 20),
    Bin = erpc:call(Node, erlang, binary_to_term, [term_to_binary(Bin)]),
    true = is_port(dist_controller(Node)),
    libktls_dist:info(Node).

dist_controller(Node) ->
    {Node, Ctrl} = lists:keyfind(Node, 1, erlang:system_info(dist_ctrl)),
    Ctrl.

%% On a peer: Rounds round trips of terms of 100 bytes, 3000 bytes and 64 KiB, each checked:
%% ok, corrupted, or {error, Reason} when the link went down.
traffic(Node, Rounds) ->
    Sizes = [100, 3000, 65536],
    Check = fun(I) ->
                    Bin = crypto:strong_rand_bytes(lists:nth(I rem 3 + 1, Sizes)),
                    Bin =:= erpc:call(Node, erlang, binary_to_term, [term_to_binary(Bin)], 60000)
            end,
    try lists:all(Check, lists:seq(1, Rounds)) of
        true -> ok;
        false -> corrupted
    catch
        error:{erpc, Reason} -> {error, Reason}
    end.

%% On a peer: our key update on the link to Node, retried while a write waits.
update_keys(Node, RequestPeer) ->
    case libktls_dist:update_keys(Node, RequestPeer) of
        {error, eagain} -> timer:sleep(10), update_keys(Node, RequestPeer);
        Result -> Result
    end.

%% On a peer: note why the link to Node goes down (link_down_reason/1 tells).
watch_link(Node) ->
    Caller = self(),
    Watcher = spawn(fun() ->
                            ok = net_kernel:monitor_nodes(true, [nodedown_reason]),
                            Caller ! {self(), watching},
                            watch(Node, none)
                    end),
    register(libktls_link_watch, Watcher),
    receive {Watcher, watching} -> ok end.

watch(Node, State) ->
    receive
        {nodedown, Node, Info} -> watch(Node, {down, proplists:get_value(nodedown_reason, Info)});
        {Asker, reason} -> Asker ! {link_down, State}, watch(Node, State);
        _ -> watch(Node, State)
    end.

%% The reason the watched link went down, waiting up to Timeout ms; none while it is up.
link_down_reason(Timeout) ->
    libktls_link_watch ! {self(), reason},
    receive
        {link_down, {down, Reason}} -> Reason;
        {link_down, none} when Timeout > 0 -> timer:sleep(100), link_down_reason(Timeout - 100);
        {link_down, none} -> none
    end.

%% handoff/2 refuses an ssl socket that does not run over libktls_tcp.
handoff_needs_transport_test() ->
    ?assertEqual({error, not_libktls_transport},
                 libktls:handoff({sslsocket, {gen_tcp, undefined, tls_connection, undefined}, []},
                                 client)).

gen_tcp_pair() ->
    {ok, L} = gen_tcp:listen(0, [binary, {active, false}, {ip, {127, 0, 0, 1}}]),
    {ok, Port} = inet:port(L),
    {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, [binary, {active, false}]),
    {ok, S} = gen_tcp:accept(L, 5000),
    gen_tcp:close(L),
    {C, S}.

%% Two connections over loopback, on socket-module sockets (closed once opened), owned here.
conn_pair() ->
    {C, S} = socket_pair(),
    Up = crypto:strong_rand_bytes(32),
    Down = crypto:strong_rand_bytes(32),
    Secrets = fun(Tx, Rx) -> #{suite => 16#1301, tx_secret => Tx, tx_seq => 0, rx_secret => Rx,
                               rx_seq => 0, plaintext => <<>>} end,
    {ok, CConn} = libktls:conn_open(C, Secrets(Up, Down), 0),
    {ok, SConn} = libktls:conn_open(S, Secrets(Down, Up), 0),
    [ok = socket:close(Sock) || Sock <- [C, S]],
    [ok = libktls:conn_own(Conn) || Conn <- [CConn, SConn]],
    {CConn, SConn}.

socket_pair() ->
    {ok, L} = socket:open(inet, stream, tcp),
    ok = socket:bind(L, #{family => inet, addr => loopback, port => 0}),
    ok = socket:listen(L),
    {ok, Addr} = socket:sockname(L),
    {ok, C} = socket:open(inet, stream, tcp),
    ok = socket:connect(C, Addr),
    {ok, S} = socket:accept(L, 5000),
    socket:close(L),
    {C, S}.

send_record(Socket, Type, Data) ->
    socket:sendmsg(Socket, #{iov => [Data],
                             ctrl => [#{level => ?SOL_TLS, type => ?TLS_SET_RECORD_TYPE,
                                        data => <<Type>>}]}).

recv_exact(Sock, N) -> recv_exact(Sock, N, []).
recv_exact(_Sock, 0, Acc) -> iolist_to_binary(lists:reverse(Acc));
recv_exact(Sock, N, Acc) ->
    {ok, Data} = gen_tcp:recv(Sock, 0, 30000),
    recv_exact(Sock, N - byte_size(Data), [Data | Acc]).

scratch_dir() ->
    Base = case os:getenv("TMPDIR") of false -> "/tmp"; T -> T end,
    Dir = filename:join(Base, "libktls-beam-" ++ os:getpid() ++ "-"
                        ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    Dir.

start_file_server(Dir, Tickets) ->
    Exe = filename:join([os:getenv("KTLS_EXAMPLES"), "openssl", "file-server"]),
    Port = open_port({spawn_executable, Exe},
                     [{args, ["--count", "1", "--tickets", integer_to_list(Tickets), "--userspace", Dir]},
                      {line, 1024}, exit_status, stderr_to_stdout, binary]),
    receive
        {Port, {data, {eol, <<"listening on 127.0.0.1:", Rest/binary>>}}} ->
            [TcpPort | _] = binary:split(Rest, <<" ">>),
            {Port, binary_to_integer(TcpPort)}
    after 30000 ->
            error(file_server_did_not_start)
    end.

wait_server(Port, Lines) ->
    receive
        {Port, {data, {_, Line}}} -> wait_server(Port, [Line | Lines]);
        {Port, {exit_status, Status}} ->
            Output = lists:flatten([[binary_to_list(L), $\n] || L <- lists:reverse(Lines)]),
            io:format(user, "file-server: ~s", [Output]),
            {Status, Output}
    after 60000 ->
            error(file_server_did_not_exit)
    end.
