%% SPDX-License-Identifier: MIT
%% @doc Erlang distribution over TLS 1.3 with the record layer in the kernel: `-proto_dist libktls'.
%%
%% Each connection does its TLS 1.3 handshake with Erlang's `ssl', leaves `ssl' through
%% {@link libktls:handoff_secrets/1}, and is then driven by one process, its distribution
%% controller ({@link libktls_dist_ctrl}), through a libktls connection in the NIF: the kernel
%% encrypts and decrypts, the NIF reads and writes without blocking (`enif_select'), follows the
%% peer's KeyUpdates, updates our own key before its record limit and turns the peer's alerts
%% into the link's end. No `ssl' processes per connection, one length framing.
%%
%% Configuration, as command-line flags:
%% <ul>
%% <li>`-libktls_dist_optfile File': Erlang terms `{server, SslOptions}.' and
%%     `{client, SslOptions}.' (certificates, verification), as `file:consult/1' reads them.</li>
%% <li>`-libktls_dist_key_update_records N': update our key after N records (default: half the
%%     suite's confidentiality limit, 2^23.5 records for AES-GCM).</li>
%% </ul>
%% The `ssl' application must be running before the first connection: start the node without a
%% name and call `net_kernel:start/1' after `application:ensure_all_started(ssl)', or start
%% `ssl' before any node connects.
%%
%% Key updates need Linux 6.14 or later. On older kernels a link ends, rather than go past the
%% key's limit, when the limit is reached (the next message sets up a new link with new keys),
%% and it ends when the peer updates its key.
-module(libktls_dist).

-export([select/1, address/0, listen/1, listen/2, accept/1, accept_connection/5, setup/5,
         close/1, is_node_name/1]).
-export([update_keys/2, info/1]).
-export([accept_loop/2, do_accept/6, do_setup/6, tick/1, getstat/1]).

-include_lib("kernel/include/net_address.hrl").
-include_lib("kernel/include/dist.hrl").
-include_lib("kernel/include/dist_util.hrl").

select(Node) -> inet_tcp_dist:gen_select(inet_tcp, Node).
address() -> inet_tcp_dist:gen_address(inet_tcp).
listen(Name) ->
    {ok, Host} = inet:gethostname(),
    listen(Name, Host).
%% Listening is plain TCP (epmd knows only OTP's own protocols); each connection adds TLS.
listen(Name, Host) -> inet_tcp_dist:gen_listen(inet_tcp, Name, Host).
close(Listen) -> gen_tcp:close(Listen).
is_node_name(Node) -> inet_tcp_dist:is_node_name(Node).

%% @doc Update our key on the link to Node now (asking the peer to update its own too when
%% `RequestPeer'): `ok', `{error, ebusy}' where the kernel cannot replace keys, or `{error,
%% eagain}' while a write waits (nothing sent: try again).
-spec update_keys(node(), boolean()) -> ok | {error, term()}.
update_keys(Node, RequestPeer) -> call_node(Node, {update_keys, RequestPeer}).

%% @doc The link to Node: key generations and records under the current keys (the kernel's live
%% sequence numbers), reads and writes done, bytes waiting to be sent.
-spec info(node()) -> {ok, map()} | {error, term()}.
info(Node) -> call_node(Node, info).

call_node(Node, Request) ->
    case lists:keyfind(Node, 1, erlang:system_info(dist_ctrl)) of
        {Node, Ctrl} when is_pid(Ctrl) -> libktls_dist_ctrl:call(Ctrl, Request);
        _ -> {error, not_connected}
    end.

accept(Listen) ->
    spawn_opt(?MODULE, accept_loop, [self(), Listen], [link, {priority, max}]).

%% The TLS handshake runs in each connection's controller, so a slow peer holds up no other.
accept_loop(Kernel, Listen) ->
    case gen_tcp:accept(Listen) of
        {ok, Socket} ->
            Ctrl = libktls_dist_ctrl:start(Socket, server),
            Kernel ! {accept, self(), Ctrl, inet, tcp},
            receive
                {Kernel, controller, Pid} ->
                    libktls_dist_ctrl:supervisor(Ctrl, Pid),
                    Pid ! {self(), controller};
                {Kernel, unsupported_protocol} ->
                    exit(unsupported_protocol)
            end,
            accept_loop(Kernel, Listen);
        Error ->
            exit(Error)
    end.

accept_connection(AcceptPid, Ctrl, MyNode, Allowed, SetupTime) ->
    spawn_opt(?MODULE, do_accept, [self(), AcceptPid, Ctrl, MyNode, Allowed, SetupTime],
              [link, {priority, max}]).

do_accept(Kernel, AcceptPid, Ctrl, MyNode, Allowed, SetupTime) ->
    receive
        {AcceptPid, controller} ->
            Timer = dist_util:start_timer(SetupTime),
            HSData = #hs_data{kernel_pid = Kernel, this_node = MyNode, timer = Timer,
                              this_flags = 0, allowed = Allowed},
            dist_util:handshake_other_started(with_controller(HSData, Ctrl))
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
                    HSData = #hs_data{kernel_pid = Kernel, other_node = Node, this_node = MyNode,
                                      timer = Timer, this_flags = 0, other_version = Version,
                                      request_type = Type},
                    connect(Ip, TcpPort, HSData);
                _ ->
                    ?shutdown(Node)
            end;
        _ ->
            ?shutdown(Node)
    end.

connect(Ip, TcpPort, #hs_data{other_node = Node} = HSData) ->
    ConnectOpts = case application:get_env(kernel, inet_dist_connect_options) of
                      {ok, Opts} when is_list(Opts) -> Opts;
                      _ -> []
                  end,
    case gen_tcp:connect(Ip, TcpPort, ConnectOpts ++ [binary, {active, false}, {packet, 0}]) of
        {ok, Socket} ->
            Ctrl = libktls_dist_ctrl:start(Socket, client),
            libktls_dist_ctrl:supervisor(Ctrl, self()),
            dist_util:handshake_we_started(with_controller(HSData, Ctrl));
        _ ->
            ?shutdown(Node)
    end.

%% The handshake's I/O, all through the controller process.
with_controller(HSData, Ctrl) ->
    Call = fun libktls_dist_ctrl:call/2,
    HSData#hs_data{socket = Ctrl,
             f_send = fun(C, Packet) -> Call(C, {send, Packet}) end,
             f_recv = fun(C, Length, Timeout) ->
                              case Call(C, {recv, Length, Timeout}) of
                                  {ok, Bin} -> {ok, binary_to_list(Bin)};
                                  Other -> Other
                              end
                      end,
             f_setopts_pre_nodeup = fun(C) -> Call(C, pre_nodeup) end,
             f_setopts_post_nodeup = fun(_C) -> ok end,
             f_getll = fun(C) -> {ok, C} end,
             f_address = fun(C, Node) -> address(C, Node) end,
             f_handshake_complete = fun(C, _Node, DHandle) -> Call(C, {handshake_complete, DHandle}) end,
             mf_tick = fun ?MODULE:tick/1,
             mf_getstat = fun ?MODULE:getstat/1,
             mf_setopts = fun(_C, _Opts) -> {error, enotsup} end,
             mf_getopts = fun(_C, _Opts) -> {error, enotsup} end}.

address(Ctrl, Node) ->
    case {dist_util:split_node(Node), libktls_dist_ctrl:call(Ctrl, peername)} of
        {{node, _, Host}, {ok, Address}} ->
            #net_address{address = Address, host = Host, protocol = tcp, family = inet};
        _ ->
            ?shutdown(Node)
    end.

%% Called by the connection's supervisor. The controller never blocks: it answers at once.
tick(Ctrl) -> Ctrl ! tick.
getstat(Ctrl) -> libktls_dist_ctrl:call(Ctrl, getstat).
