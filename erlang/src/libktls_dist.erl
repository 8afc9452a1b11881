%% SPDX-License-Identifier: MIT
%% @doc Erlang distribution over TLS 1.3 with the record layer in the kernel: `-proto_dist libktls'.
%%
%% Each connection does its TLS 1.3 handshake with Erlang's `ssl' and leaves `ssl' through
%% {@link libktls:handoff_secrets/1}; its keys then go into a port of the `libktls_dist_drv'
%% driver (`c_src/dist_drv.c'), which is the link's distribution controller, as `inet_drv''s
%% port is for `inet_tcp_dist': the VM hands it each packet to send and it hands the VM each
%% packet received. The driver reads and writes without blocking, follows the peer's
%% KeyUpdates, updates our own key before its record limit, and ends the link on the peer's
%% close_notify or alert. No `ssl' process and no process of ours per link, one length framing.
%%
%% Configuration, as command-line flags:
%% <ul>
%% <li>`-libktls_dist_optfile File': Erlang terms `{server, SslOptions}.' and
%%     `{client, SslOptions}.' (certificates, verification), as `file:consult/1' reads them.</li>
%% <li>`-libktls_dist_key_update_records N': update our key after N records (default: half the
%%     suite's confidentiality limit, 2^23.5 records for AES-GCM).</li>
%% <li>`-libktls_dist_write_size Bytes': packets queued for a link go out in writes of at most
%%     this many bytes (default 65536, at least 1024); past four times as many queued the port
%%     is busy and senders suspend.</li>
%% </ul>
%% The `ssl' application must be running before the first connection: start the node without a
%% name and call `net_kernel:start/1' after `application:ensure_all_started(ssl)', or start
%% `ssl' before any node connects. A peer that connects and then says nothing is dropped after
%% `net_setuptime', as with `inet_tcp_dist'.
%%
%% Key updates need Linux 6.14 or later. On older kernels a link ends, rather than go past the
%% key's limit, when the limit is reached (the next message sets up a new link with new keys),
%% and it ends when the peer updates its key. The link's end reason (`nodedown_reason') is
%% `connection_closed' for the peer's close_notify, the alert's name for the peer's alert,
%% `key_limit_reached' for a key at its limit on such a kernel, and `libktls_E' for a TLS error
%% E (libktls has sent the alert it calls for).
-module(libktls_dist).

-export([select/1, address/0, listen/1, listen/2, accept/1, accept_connection/5, setup/5,
         close/1, is_node_name/1]).
-export([update_keys/2, info/1]).
-export([accept_loop/2, do_accept/6, do_setup/6, tick/1, getstat/1]).

-include_lib("kernel/include/net_address.hrl").
-include_lib("kernel/include/dist.hrl").
-include_lib("kernel/include/dist_util.hrl").

-define(DRIVER, "libktls_dist_drv").
-define(OPEN, $O).
-define(RECV, $R).
-define(CONNECTED, $C).
-define(ACTIVE, $A).
-define(TICK, $T).
-define(STATS, $S).
-define(INFO, $I).
-define(UPDATE, $U).

select(Node) -> inet_tcp_dist:gen_select(inet_tcp, Node).
address() -> inet_tcp_dist:gen_address(inet_tcp).
listen(Name) ->
    {ok, Host} = inet:gethostname(),
    listen(Name, Host).
%% Listening is plain TCP (epmd knows only OTP's own protocols); each connection adds TLS. The
%% driver is loaded here, by net_kernel, which lives as long as distribution does.
listen(Name, Host) ->
    case erl_ddll:load_driver(libktls_nif:dir(?DRIVER ".so"), ?DRIVER) of
        ok -> inet_tcp_dist:gen_listen(inet_tcp, Name, Host);
        {error, Reason} -> {error, {libktls_dist_drv, erl_ddll:format_error(Reason)}}
    end.
close(Listen) -> gen_tcp:close(Listen).
is_node_name(Node) -> inet_tcp_dist:is_node_name(Node).

%% @doc Update our key on the link to Node now (asking the peer to update its own too when
%% `RequestPeer'): `ok', `{error, ebusy}' where the kernel cannot replace keys, or `{error,
%% eagain}' while a write waits (nothing sent: try again).
-spec update_keys(node(), boolean()) -> ok | {error, term()}.
update_keys(Node, RequestPeer) ->
    with_port(Node, fun(Port) -> control(Port, ?UPDATE, <<(flag(RequestPeer))>>) end).

%% @doc The link to Node: key generations and records under the current keys (the kernel's live
%% sequence numbers), the suite's record limit, packets received and sent (ticks included) and
%% the bytes waiting to be sent (`queued'; `pending' when there are any).
-spec info(node()) -> {ok, map()} | {error, term()}.
info(Node) ->
    with_port(Node, fun(Port) ->
        case {control(Port, ?INFO, <<>>), control(Port, ?STATS, <<>>)} of
            {{ok, <<TxGen:32, RxGen:32, TxRecords:64, RxRecords:64, Limit:64>>},
             {ok, <<Received:64, Sent:64, Queued:64>>}} ->
                {ok, #{tx_generation => TxGen, rx_generation => RxGen, tx_records => TxRecords,
                       rx_records => RxRecords, record_limit => Limit, received => Received,
                       sent => Sent, queued => Queued, pending => Queued > 0}};
            {{error, _} = Error, _} -> Error;
            {_, Error} -> Error
        end
    end).

flag(true) -> 1;
flag(false) -> 0.

with_port(Node, Fun) ->
    case lists:keyfind(Node, 1, erlang:system_info(dist_ctrl)) of
        {Node, Port} when is_port(Port) ->
            try Fun(Port) catch error:badarg -> {error, not_connected} end;
        _ -> {error, not_connected}
    end.

accept(Listen) ->
    spawn_opt(?MODULE, accept_loop, [self(), Listen], [link, {priority, max}]).

accept_loop(Kernel, Listen) ->
    case gen_tcp:accept(Listen) of
        {ok, Socket} ->
            Kernel ! {accept, self(), Socket, inet, tcp},
            receive
                {Kernel, controller, Pid} ->
                    _ = gen_tcp:controlling_process(Socket, Pid),
                    Pid ! {self(), controller};
                {Kernel, unsupported_protocol} ->
                    exit(unsupported_protocol)
            end,
            accept_loop(Kernel, Listen);
        Error ->
            exit(Error)
    end.

accept_connection(AcceptPid, Socket, MyNode, Allowed, SetupTime) ->
    spawn_opt(?MODULE, do_accept, [self(), AcceptPid, Socket, MyNode, Allowed, SetupTime],
              [link, {priority, max}]).

%% The TLS handshake runs in the connection's own process, under net_setuptime's timer.
do_accept(Kernel, AcceptPid, Socket, MyNode, Allowed, SetupTime) ->
    receive
        {AcceptPid, controller} ->
            Timer = dist_util:start_timer(SetupTime),
            case secure(Socket, server) of
                {ok, Port, Peer} ->
                    HSData = (hs_data(Port, Peer))#hs_data{kernel_pid = Kernel, this_node = MyNode,
                                                           timer = Timer, this_flags = 0,
                                                           allowed = Allowed},
                    dist_util:handshake_other_started(HSData);
                {error, Reason} ->
                    ?shutdown2(no_node, {tls_setup, Reason})
            end
    end.

setup(Node, Type, MyNode, LongOrShortNames, SetupTime) ->
    spawn_opt(?MODULE, do_setup, [self(), Node, Type, MyNode, LongOrShortNames, SetupTime],
              [link, {priority, max}]).

do_setup(Kernel, Node, Type, MyNode, _LongOrShortNames, SetupTime) ->
    Timer = dist_util:start_timer(SetupTime),
    {node, Name, Host} = dist_util:split_node(Node),
    case inet:getaddr(Host, inet) of
        {ok, Ip} ->
            case (net_kernel:epmd_module()):port_please(Name, Ip) of
                {port, TcpPort, Version} ->
                    dist_util:reset_timer(Timer),
                    case connect(Ip, TcpPort) of
                        {ok, Port, Peer} ->
                            HSData = (hs_data(Port, Peer))#hs_data{
                                       kernel_pid = Kernel, other_node = Node, this_node = MyNode,
                                       timer = Timer, this_flags = 0, other_version = Version,
                                       request_type = Type},
                            dist_util:handshake_we_started(HSData);
                        {error, Reason} ->
                            ?shutdown2(Node, {tls_setup, Reason})
                    end;
                _ ->
                    ?shutdown(Node)
            end;
        _ ->
            ?shutdown(Node)
    end.

connect(Ip, TcpPort) ->
    ConnectOpts = case application:get_env(kernel, inet_dist_connect_options) of
                      {ok, Opts} when is_list(Opts) -> Opts;
                      _ -> []
                  end,
    case gen_tcp:connect(Ip, TcpPort, ConnectOpts ++ [binary, {active, false}, {packet, 0}]) of
        {ok, Socket} -> secure(Socket, client);
        Error -> Error
    end.

%% The TLS handshake, the hand-off, and a driver port with the connection's keys; the TCP port
%% is closed (the driver has its own descriptor).
secure(Socket, Role) ->
    {ok, Peer} = inet:peername(Socket),
    Opts = ssl_options(Role) ++ [binary, {versions, ['tlsv1.3']}] ++ libktls:ssl_options(),
    Handshake = case Role of
                    client -> ssl:connect(Socket, Opts, infinity);
                    server -> ssl:handshake(Socket, Opts, infinity)
                end,
    case Handshake of
        {ok, Ssl} ->
            case libktls:handoff_secrets(Ssl) of
                {ok, TcpPort, Secrets} ->
                    Opened = driver_port(TcpPort, Secrets),
                    _ = gen_tcp:close(TcpPort),
                    case Opened of
                        {ok, Port} -> {ok, Port, Peer};
                        Error -> Error
                    end;
                Error ->
                    _ = ssl:close(Ssl),
                    Error
            end;
        Error ->
            _ = gen_tcp:close(Socket),
            Error
    end.

driver_port(TcpPort, #{suite := Suite, tx_secret := Tx, tx_seq := TxSeq, rx_secret := Rx,
                     rx_seq := RxSeq, plaintext := Plaintext}) ->
    {ok, Fd} = prim_inet:getfd(TcpPort),
    Port = erlang:open_port({spawn_driver, ?DRIVER}, [binary]),
    Open = <<Fd:32, Suite:16, (key_update_records()):64, (write_size()):32, TxSeq:64, RxSeq:64,
             (byte_size(Tx)):8, Tx/binary, (byte_size(Rx)):8, Rx/binary, Plaintext/binary>>,
    case control(Port, ?OPEN, Open) of
        ok -> {ok, Port};
        Error -> erlang:port_close(Port), Error
    end.

ssl_options(Role) ->
    case init:get_argument(libktls_dist_optfile) of
        {ok, [[File]]} ->
            {ok, Terms} = file:consult(File),
            proplists:get_value(Role, Terms, []);
        _ ->
            []
    end.

key_update_records() ->
    case init:get_argument(libktls_dist_key_update_records) of
        {ok, [[N]]} -> list_to_integer(N);
        _ -> 0
    end.

write_size() ->
    case init:get_argument(libktls_dist_write_size) of
        {ok, [[N]]} -> list_to_integer(N);
        _ -> 65536
    end.

%% The driver's reply: <<1, Data/binary>> or <<0, ErrnoName/binary>>.
control(Port, Command, Data) ->
    case erlang:port_control(Port, Command, Data) of
        <<1>> -> ok;
        <<1, Reply/binary>> -> {ok, Reply};
        <<0, Name/binary>> -> {error, binary_to_atom(Name, latin1)}
    end.

%% The distribution handshake over the port: 2-byte packets, one delivered per f_recv; then
%% 4-byte packets, given to the VM once the port is the node's controller.
hs_data(Port, Peer) ->
    #hs_data{socket = Port,
             f_send = fun(P, Packet) -> send(P, Packet) end,
             f_recv = fun(P, _Length, Timeout) -> recv(P, Timeout) end,
             f_setopts_pre_nodeup = fun(P) -> control(P, ?CONNECTED, <<>>) end,
             f_setopts_post_nodeup = fun(P) -> control(P, ?ACTIVE, <<>>) end,
             f_getll = fun(P) -> {ok, P} end,
             f_address = fun(_P, Node) -> address(Peer, Node) end,
             mf_tick = fun ?MODULE:tick/1,
             mf_getstat = fun ?MODULE:getstat/1,
             mf_setopts = fun(_P, _Opts) -> {error, enotsup} end,
             mf_getopts = fun(_P, _Opts) -> {error, enotsup} end}.

send(Port, Packet) ->
    try erlang:port_command(Port, Packet) of
        true -> ok
    catch
        error:badarg -> {error, closed}
    end.

recv(Port, Timeout) ->
    case catch control(Port, ?RECV, <<>>) of
        ok ->
            receive
                {Port, {data, Packet}} -> {ok, binary_to_list(Packet)}
            after Timeout ->
                    {error, timeout}
            end;
        _ ->
            {error, closed}
    end.

address({Ip, TcpPort}, Node) ->
    case dist_util:split_node(Node) of
        {node, _, Host} ->
            #net_address{address = {Ip, TcpPort}, host = Host, protocol = tcp, family = inet};
        _ ->
            ?shutdown(Node)
    end.

%% Called by the connection's ticker: an empty packet unless data waits anyway.
tick(Port) -> _ = (catch control(Port, ?TICK, <<>>)), ok.

getstat(Port) ->
    case catch control(Port, ?STATS, <<>>) of
        {ok, <<Received:64, Sent:64, Queued:64>>} -> {ok, Received, Sent, Queued};
        _ -> {error, closed}
    end.
