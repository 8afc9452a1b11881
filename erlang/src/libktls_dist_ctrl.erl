%% SPDX-License-Identifier: MIT
%% @doc The distribution controller of one `libktls_dist' link: a single process that does the
%% connection's TLS 1.3 handshake with `ssl', hands it to kernel TLS with a libktls connection
%% in the NIF, serves the distribution handshake, and then moves distribution data both ways.
%%
%% It never blocks: reads and writes are non-blocking NIF calls, and `enif_select' sends a
%% `{select, Conn, undefined, ready_input | ready_output}' message when the socket is ready.
%% Packets are framed by a 2-byte length during the distribution handshake and a 4-byte one
%% after, as OTP's TCP distribution does. The link ends, with the reason as the controller's exit
%% reason, on the peer's close_notify (`connection_closed'), the peer's alert (`{alert, Level,
%% Name}'), a TLS error (`{libktls, Errno}'; libktls has sent the alert it calls for, such as
%% internal_error for a KeyUpdate this kernel cannot follow), or a key at its record limit on a
%% kernel that cannot replace it (`{key_limit_reached, ebusy}'). When the link is taken down on
%% our side, the controller sends close_notify.
-module(libktls_dist_ctrl).

-export([start/2, supervisor/2, call/2]).
-export([init/3]).

-record(st, {conn, sup, peer, dhandle, buf = <<>>, header = 2, output_waits = false}).

-define(SPAWN_OPTS, [{priority, max}, {message_queue_data, off_heap}, {fullsweep_after, 0}]).
-define(HANDSHAKE_TIMEOUT, 60000).
%% reads in a row before the controller looks at its other messages
-define(READS_PER_TURN, 16).
%% bytes of distribution packets given to one write
-define(BATCH, 65536).

%% @doc A controller for a connected TCP socket, which it now owns: it starts the TLS handshake
%% in the given role at once.
-spec start(inet:socket(), client | server) -> pid().
start(Socket, Role) ->
    Ctrl = spawn_opt(?MODULE, init, [self(), Socket, Role], ?SPAWN_OPTS),
    ok = gen_tcp:controlling_process(Socket, Ctrl),
    Ctrl ! {self(), socket_given},
    Ctrl.

%% @doc The connection's supervisor (dist_util's process): the controller links to it once its
%% TLS handshake is done. Asynchronous, so the accept loop never waits for a handshake.
-spec supervisor(pid(), pid()) -> ok.
supervisor(Ctrl, Sup) ->
    Ctrl ! {supervisor, Sup},
    ok.

%% @doc A request to a controller; exits if the controller is gone.
call(Ctrl, Request) ->
    Mon = erlang:monitor(process, Ctrl),
    Ctrl ! {Mon, self(), Request},
    receive
        {Mon, Reply} ->
            erlang:demonitor(Mon, [flush]),
            Reply;
        {'DOWN', Mon, process, Ctrl, Reason} ->
            exit({dist_controller_exit, Reason})
    end.

init(Starter, Socket, Role) ->
    process_flag(trap_exit, true),
    receive {Starter, socket_given} -> ok end,
    case secure(Socket, Role) of
        {ok, St} -> setup_loop(St);
        {error, Reason} -> exit({tls_setup, Reason})
    end.

secure(Socket, Role) ->
    {ok, Peer} = inet:peername(Socket),
    Opts = ssl_options(Role) ++ [binary, {versions, ['tlsv1.3']}] ++ libktls:ssl_options(),
    Handshake = case Role of
                    client -> ssl:connect(Socket, Opts, ?HANDSHAKE_TIMEOUT);
                    server -> ssl:handshake(Socket, Opts, ?HANDSHAKE_TIMEOUT)
                end,
    case Handshake of
        {ok, Ssl} ->
            case libktls:handoff_secrets(Ssl) of
                {ok, Port, #{plaintext := Plaintext} = Handoff} ->
                    Opened = libktls:conn_open(Port, Handoff, key_update_records()),
                    _ = gen_tcp:close(Port),
                    case Opened of
                        {ok, Conn} ->
                            ok = libktls:conn_own(Conn),
                            {ok, #st{conn = Conn, peer = Peer, buf = Plaintext}};
                        Error ->
                            Error
                    end;
                Error ->
                    _ = ssl:close(Ssl),
                    Error
            end;
        Error ->
            _ = gen_tcp:close(Socket),
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

key_update_records() ->
    case init:get_argument(libktls_dist_key_update_records) of
        {ok, [[N]]} -> list_to_integer(N);
        _ -> 0
    end.

%% The distribution handshake: requests from the handshake process, one at a time.
setup_loop(#st{sup = Sup} = St) ->
    receive
        {supervisor, Pid} when is_pid(Pid) ->
            true = link(Pid),
            setup_loop(St#st{sup = Pid});
        {Ref, From, Request} when is_reference(Ref), is_pid(From) ->
            case setup_request(Request, St) of
                {reply, Reply, St1} ->
                    From ! {Ref, Reply},
                    setup_loop(St1);
                {running, St1} ->
                    From ! {Ref, ok},
                    start_running(St1)
            end;
        {'EXIT', Sup, Reason} ->
            end_link(St, Reason);
        _ ->
            setup_loop(St)
    end.

setup_request({send, Packet}, #st{conn = Conn, header = Header} = St) ->
    {reply, send_all(Conn, [<<(iolist_size(Packet)):Header/unit:8>>, Packet]), St};
setup_request({recv, _Length, Timeout}, St) ->
    recv_packet(St, deadline(Timeout));
setup_request(pre_nodeup, St) ->
    {reply, ok, St#st{header = 4}};
setup_request({handshake_complete, DHandle}, St) ->
    {running, St#st{dhandle = DHandle}};
setup_request(Request, St) ->
    {reply, request(Request, St), St}.

%% Requests answered in both phases.
request(peername, #st{peer = Peer}) -> {ok, Peer};
request(getstat, #st{conn = Conn}) ->
    case libktls:conn_info(Conn) of
        {ok, #{received := R, sent := S, pending := P}} -> {ok, R, S, P};
        Error -> Error
    end;
request(info, #st{conn = Conn}) -> libktls:conn_info(Conn);
request({update_keys, RequestPeer}, #st{conn = Conn}) -> libktls:conn_update_keys(Conn, RequestPeer);
request(_, _) -> {error, unknown_request}.

send_all(Conn, Data) ->
    case libktls:conn_send(Conn, Data) of
        wait -> flush_all(Conn);
        Result -> Result
    end.

flush_all(Conn) ->
    receive
        {select, Conn, undefined, ready_output} ->
            case libktls:conn_flush(Conn) of
                wait -> flush_all(Conn);
                Result -> Result
            end
    end.

deadline(infinity) -> infinity;
deadline(Timeout) -> erlang:monotonic_time(millisecond) + Timeout.

remaining(infinity) -> infinity;
remaining(Deadline) -> max(0, Deadline - erlang:monotonic_time(millisecond)).

recv_packet(#st{conn = Conn, buf = Buf, header = Header} = St, Deadline) ->
    case Buf of
        <<Len:Header/unit:8, Packet:Len/binary, Rest/binary>> ->
            {reply, {ok, Packet}, St#st{buf = Rest}};
        _ ->
            case libktls:conn_recv(Conn) of
                {data, Data} ->
                    recv_packet(St#st{buf = <<Buf/binary, Data/binary>>}, Deadline);
                wait ->
                    receive
                        {select, Conn, undefined, ready_input} -> recv_packet(St, Deadline)
                    after remaining(Deadline) ->
                            {reply, {error, timeout}, St}
                    end;
                close_notify ->
                    {reply, {error, closed}, St};
                Other ->
                    {reply, {error, Other}, St}
            end
    end.

%% The link is up: distribution data both ways, at normal priority.
start_running(#st{dhandle = DHandle} = St) ->
    process_flag(priority, normal),
    _ = erlang:dist_ctrl_set_opt(DHandle, get_size, true),
    loop(output(input(deliver(St), ?READS_PER_TURN))).

loop(#st{conn = Conn, sup = Sup} = St) ->
    receive
        {select, Conn, undefined, ready_input} ->
            loop(input(St, ?READS_PER_TURN));
        read_more ->
            loop(input(St, ?READS_PER_TURN));
        dist_data ->
            loop(output(St));
        {select, Conn, undefined, ready_output} ->
            loop(flushed(St));
        tick ->
            loop(tick(St));
        {Ref, From, Request} when is_reference(Ref), is_pid(From) ->
            From ! {Ref, request(Request, St)},
            loop(St);
        {'EXIT', From, Reason} when From =:= Sup; Reason =/= normal ->
            %% our supervisor, or the VM taking the link down (erlang:disconnect_node/1)
            end_link(St, Reason);
        _ ->
            loop(St)
    end.

input(St, 0) ->
    self() ! read_more,
    St;
input(#st{conn = Conn, buf = Buf} = St, Reads) ->
    case libktls:conn_recv(Conn) of
        {data, Data} -> input(deliver(St#st{buf = <<Buf/binary, Data/binary>>}), Reads - 1);
        wait -> St;
        close_notify -> end_link(St, connection_closed);
        {alert, _Level, _Name} = Alert -> end_link(St, Alert);
        {error, Reason} -> end_link(St, {libktls, Reason})
    end.

%% Every whole packet received goes to the VM (an empty one is the peer's tick).
deliver(#st{buf = <<Len:32, Packet:Len/binary, Rest/binary>>, dhandle = DHandle} = St) ->
    try erlang:dist_ctrl_put_data(DHandle, Packet) of
        _ -> deliver(St#st{buf = Rest})
    catch
        error:_ -> taken_down(St)
    end;
deliver(#st{buf = Buf} = St) ->
    St#st{buf = unshare(Buf)}.

%% A partial packet is a sub-binary of the last read (up to 64 KiB): copied, so an idle link
%% keeps only the bytes it needs.
unshare(<<>>) -> <<>>;
unshare(Buf) ->
    case binary:referenced_byte_size(Buf) > 2 * byte_size(Buf) of
        true -> binary:copy(Buf);
        false -> Buf
    end.

%% What the VM has queued goes out in writes of up to ?BATCH bytes: many small packets share one
%% system call and fill whole records, as ssl's sender does; nothing waits for more to come.
output(#st{output_waits = true} = St) ->
    St;
output(#st{conn = Conn, dhandle = DHandle} = St) ->
    case take_packets(DHandle, 0, []) of
        {[], _} ->
            St;
        {Batch, More} ->
            case libktls:conn_send(Conn, Batch) of
                ok when More -> output(St);
                ok -> St;
                wait -> St#st{output_waits = true};
                {error, Reason} -> end_link(St, send_error(Reason))
            end
    end.

%% {Packets, More}: More when the batch is full and the VM may have more queued; when not, the VM
%% notifies us (dist_data) of the next.
take_packets(_DHandle, Bytes, Acc) when Bytes >= ?BATCH ->
    {lists:reverse(Acc), true};
take_packets(DHandle, Bytes, Acc) ->
    case erlang:dist_ctrl_get_data(DHandle) of
        none ->
            erlang:dist_ctrl_get_data_notification(DHandle),
            {lists:reverse(Acc), false};
        {Size, Data} ->
            take_packets(DHandle, Bytes + 4 + Size, [Data, <<Size:32>> | Acc])
    end.

flushed(#st{conn = Conn} = St) ->
    case libktls:conn_flush(Conn) of
        ok -> output(St#st{output_waits = false});
        wait -> St;
        {error, Reason} -> end_link(St, send_error(Reason))
    end.

tick(#st{output_waits = true} = St) ->
    St;
tick(#st{conn = Conn} = St) ->
    case libktls:conn_send(Conn, <<0:32>>) of
        ok -> St;
        wait -> St#st{output_waits = true};
        {error, Reason} -> end_link(St, send_error(Reason))
    end.

send_error(ebusy) -> {key_limit_reached, ebusy};
send_error(Reason) -> {libktls, Reason}.

%% The VM is taking the link down (dist_ctrl_put_data failed): our supervisor's exit follows.
-spec taken_down(#st{}) -> no_return().
taken_down(St) ->
    receive
        {'EXIT', Sup, Reason} when Sup =:= St#st.sup -> end_link(St, Reason)
    after 5000 ->
            end_link(St, connection_closed)
    end.

-spec end_link(#st{}, term()) -> no_return().
end_link(#st{conn = Conn}, Reason) ->
    ok = libktls:conn_close(Conn),
    exit(Reason).
