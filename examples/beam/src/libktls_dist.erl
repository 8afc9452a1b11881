%% SPDX-License-Identifier: MIT
%% @doc Erlang distribution over TLS 1.3 with the record layer in the kernel: `-proto_dist libktls'.
%%
%% Each connection does its TLS 1.3 handshake with Erlang's `ssl', is handed to kernel TLS with
%% `libktls:handoff/2', and then runs OTP's ordinary TCP distribution (`inet_tcp_dist') on the
%% port: no `ssl' sender and receiver processes per connection, one layer of `{packet, 4}'
%% framing, the kernel's crypto. The handshake and hand-off happen in `libktls_dist_driver'.
%%
%% Configuration: `-libktls_dist_optfile File', a file of Erlang terms `{server, SslOptions}.'
%% and `{client, SslOptions}.' (certificates, verification), as `file:consult/1' reads it. The
%% `ssl' application must be running before the first connection: start the node without a name
%% and call `net_kernel:start/1' after `application:ensure_all_started(ssl)', or start `ssl'
%% before any node connects. An example, tested, not a hardened carrier: a control record (the
%% peer's alert or KeyUpdate) ends the connection, as a TLS error would.
-module(libktls_dist).

-export([select/1, address/0, listen/1, listen/2, accept/1, accept_connection/5, setup/5,
         close/1, is_node_name/1]).

-define(DRIVER, libktls_dist_driver).

select(Node) -> inet_tcp_dist:gen_select(?DRIVER, Node).
address() -> inet_tcp_dist:gen_address(?DRIVER).
listen(Name) ->
    {ok, Host} = inet:gethostname(),
    listen(Name, Host).
%% Listening is plain TCP (and epmd knows only OTP's own drivers); accept adds TLS.
listen(Name, Host) -> inet_tcp_dist:gen_listen(inet_tcp, Name, Host).
accept(Listen) -> inet_tcp_dist:gen_accept(?DRIVER, Listen).
accept_connection(AcceptPid, Socket, MyNode, Allowed, SetupTime) ->
    inet_tcp_dist:gen_accept_connection(?DRIVER, AcceptPid, Socket, MyNode, Allowed, SetupTime).
setup(Node, Type, MyNode, LongOrShortNames, SetupTime) ->
    inet_tcp_dist:gen_setup(?DRIVER, Node, Type, MyNode, LongOrShortNames, SetupTime).
close(Socket) -> inet_tcp_dist:close(Socket).
is_node_name(Node) -> inet_tcp_dist:is_node_name(Node).
