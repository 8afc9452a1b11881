%% SPDX-License-Identifier: MIT
%% @doc The `inet_tcp' driver of `libktls_dist': connect and accept add a TLS 1.3 handshake by
%% Erlang's `ssl' and a hand-off to kernel TLS, then give back the plain port with the options
%% the distribution asked for. Everything else is `inet_tcp'.
-module(libktls_dist_driver).

-export([family/0, mask/2, parse_address/1, getserv/1, getaddr/1, getaddr/2, getaddrs/1,
         getaddrs/2, translate_ip/1, send/2, send/3, recv/2, recv/3, unrecv/2, shutdown/2,
         close/1, controlling_process/2, connect/3, connect/4, listen/2, accept/1, accept/2,
         fdopen/2]).

-define(HANDSHAKE_TIMEOUT, 30000).

connect(Ip, Port, Opts) -> connect(Ip, Port, Opts, infinity).
connect(Ip, Port, Opts, Timeout) ->
    case inet_tcp:connect(Ip, Port, Opts, Timeout) of
        {ok, Socket} -> secure(Socket, client);
        Error -> Error
    end.

accept(Listen) -> accept(Listen, infinity).
accept(Listen, Timeout) ->
    case inet_tcp:accept(Listen, Timeout) of
        {ok, Socket} -> secure(Socket, server);
        Error -> Error
    end.

secure(Socket, Role) ->
    {ok, Saved} = inet:getopts(Socket, [mode, packet, packet_size, header, active]),
    Opts = ssl_options(Role) ++ [binary, {versions, ['tlsv1.3']}] ++ libktls:ssl_options(),
    Handshake = case Role of
                    client -> ssl:connect(Socket, Opts, ?HANDSHAKE_TIMEOUT);
                    server -> ssl:handshake(Socket, Opts, ?HANDSHAKE_TIMEOUT)
                end,
    case Handshake of
        {ok, Ssl} ->
            case libktls:handoff(Ssl, Role) of
                {ok, Port} ->
                    ok = inet:setopts(Port, Saved),
                    {ok, Port};
                Error ->
                    _ = ssl:close(Ssl),
                    Error
            end;
        Error ->
            _ = inet_tcp:close(Socket),
            Error
    end.

ssl_options(Role) ->
    case init:get_argument(libktls_dist_optfile) of
        {ok, [[File]]} ->
            {ok, Terms} = file:consult(File),
            proplists:get_value(Role, Terms, []);
        _ ->
            []
    end.

family() -> inet_tcp:family().
mask(Mask, Ip) -> inet_tcp:mask(Mask, Ip).
parse_address(Address) -> inet_tcp:parse_address(Address).
getserv(Port) -> inet_tcp:getserv(Port).
getaddr(Address) -> inet_tcp:getaddr(Address).
getaddr(Address, Timer) -> inet_tcp:getaddr(Address, Timer).
getaddrs(Address) -> inet_tcp:getaddrs(Address).
getaddrs(Address, Timer) -> inet_tcp:getaddrs(Address, Timer).
translate_ip(Ip) -> inet_tcp:translate_ip(Ip).
send(Socket, Packet) -> inet_tcp:send(Socket, Packet).
send(Socket, Packet, Opts) -> inet_tcp:send(Socket, Packet, Opts).
recv(Socket, Length) -> inet_tcp:recv(Socket, Length).
recv(Socket, Length, Timeout) -> inet_tcp:recv(Socket, Length, Timeout).
unrecv(Socket, Data) -> inet_tcp:unrecv(Socket, Data).
shutdown(Socket, How) -> inet_tcp:shutdown(Socket, How).
close(Socket) -> inet_tcp:close(Socket).
controlling_process(Socket, Pid) -> inet_tcp:controlling_process(Socket, Pid).
listen(Port, Opts) -> inet_tcp:listen(Port, Opts).
fdopen(Fd, Opts) -> inet_tcp:fdopen(Fd, Opts).
