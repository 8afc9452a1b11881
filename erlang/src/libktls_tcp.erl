%% SPDX-License-Identifier: MIT
%% @doc A `gen_tcp' transport for `ssl''s `cb_info' option that {@link libktls:handoff/2} can take
%% a socket away from ({@link libktls:ssl_options/0} names it). Once the socket belongs to another
%% process, the `ssl' connection process can no longer write to, read from, reconfigure or close
%% it: its close_notify and close at exit are dropped.
-module(libktls_tcp).
-export([connect/3, connect/4, listen/2, accept/1, accept/2, send/2, recv/2, recv/3,
         close/1, shutdown/2, controlling_process/2, setopts/2, getopts/2,
         peername/1, sockname/1, port/1, getstat/2]).

connect(Host, Port, Opts) -> gen_tcp:connect(Host, Port, Opts).
connect(Host, Port, Opts, Timeout) -> gen_tcp:connect(Host, Port, Opts, Timeout).
listen(Port, Opts) -> gen_tcp:listen(Port, Opts).
accept(Listen) -> gen_tcp:accept(Listen).
accept(Listen, Timeout) -> gen_tcp:accept(Listen, Timeout).
controlling_process(Socket, Pid) -> gen_tcp:controlling_process(Socket, Pid).
getopts(Socket, Opts) -> inet:getopts(Socket, Opts).
peername(Socket) -> inet:peername(Socket).
sockname(Socket) -> inet:sockname(Socket).
port(Socket) -> inet:port(Socket).
getstat(Socket, Opts) -> inet:getstat(Socket, Opts).

send(Socket, Data) -> owned(Socket, fun() -> gen_tcp:send(Socket, Data) end, ok).
recv(Socket, Len) -> owned(Socket, fun() -> gen_tcp:recv(Socket, Len) end, {error, closed}).
recv(Socket, Len, Timeout) ->
    owned(Socket, fun() -> gen_tcp:recv(Socket, Len, Timeout) end, {error, closed}).
close(Socket) -> owned(Socket, fun() -> gen_tcp:close(Socket) end, ok).
shutdown(Socket, How) -> owned(Socket, fun() -> gen_tcp:shutdown(Socket, How) end, ok).
setopts(Socket, Opts) -> owned(Socket, fun() -> inet:setopts(Socket, Opts) end, ok).

%% In the process that owns the socket, or before the hand-off, as gen_tcp.
owned(Socket, Op, _HandedOff) when not is_port(Socket) ->
    Op();
owned(Socket, Op, HandedOff) ->
    case erlang:port_info(Socket, connected) of
        {connected, Owner} when Owner =/= self() ->
            case is_handed_off(Socket) of
                true -> HandedOff;
                false -> Op()
            end;
        _ -> Op()
    end.

%% The kernel's record layer is attached: libktls:handoff/2 moved the socket.
is_handed_off(Socket) -> libktls_gen_tcp:ulp_attached(Socket).
