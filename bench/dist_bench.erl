%% SPDX-License-Identifier: MIT
%% The distribution benchmark's Erlang side (dist-bench.sh runs it): one distribution mode, a hub
%% node, a client node that runs a workload against the hub, and Conns more client nodes whose
%% idle connections the hub's processes and memory are measured with. Workloads: mix (N MiB,
%% each 8 terms of 64 KiB and 4096 of 128 bytes), bulk (N MiB of 64 KiB terms), rtt (N round
%% trips of a 100-byte binary).
-module(dist_bench).

-export([run/4, snapshot/0, send/3, sink/1]).

-define(BIG, 65536).
-define(SMALL, 128).

%% Mode: tcp (inet_tcp_dist), tls (inet_tls_dist), otp_ktls (inet_tls_dist with OTP's own
%% {ktls, true}) or libktls (-proto_dist libktls). TLS modes all use TLS 1.3 with
%% TLS_AES_256_GCM_SHA384, the one suite OTP's ktls option takes.
run(Mode, Workload, N, Conns) ->
    Dir = scratch_dir(),
    Args = mode_args(Mode, Dir),
    Hub = start_node("hub", Args),
    HubNode = peer:call(Hub, erlang, node, []),
    %% the first connection also sets up what later ones share (global's state, ssl's caches)
    Sender = start_node("c0", Args),
    pong = peer:call(Sender, net_adm, ping, [HubNode], 600000),
    Idle = [start_node("c" ++ integer_to_list(I), Args) || I <- lists:seq(1, Conns)],
    Before = peer:call(Hub, ?MODULE, snapshot, []),
    [pong = peer:call(C, net_adm, ping, [HubNode], 600000) || C <- Idle],
    After = peer:call(Hub, ?MODULE, snapshot, []),
    Records0 = records_sent(Mode, Sender, HubNode),
    Start = erlang:monotonic_time(millisecond),
    ok = peer:call(Sender, ?MODULE, send, [HubNode, Workload, N], infinity),
    Seconds = (erlang:monotonic_time(millisecond) - Start) / 1000,
    io:format("result mode=~s workload=~s otp=~s kernel=~s n=~b seconds=~.2f~s~s~n",
              [Mode, Workload, erlang:system_info(otp_release), string:trim(os:cmd("uname -r")), N,
               Seconds, records(Records0, records_sent(Mode, Sender, HubNode)),
               per_connection(Before, After, Conns)]),
    [peer:stop(P) || P <- [Hub, Sender | Idle]],
    ok.

%% libktls: the records the sender wrote under its current key (the kernel's sequence number).
records_sent(libktls, Sender, HubNode) ->
    {ok, #{tx_generation := Gen, tx_records := Records}} =
        peer:call(Sender, libktls_dist, info, [HubNode]),
    {Gen, Records};
records_sent(_, _, _) ->
    none.

records({Gen, R0}, {Gen, R1}) -> io_lib:format(" records_sent=~b", [R1 - R0]);
records(_, _) -> "".

per_connection(_, _, 0) ->
    "";
per_connection(#{procs := P0, memory := M0, owners := O0}, #{procs := P1, memory := M1, owners := O1},
               Conns) ->
    New = [Bytes || {Owner, Bytes} <- O1, not lists:keymember(Owner, 1, O0)],
    io_lib:format(" conns=~b procs_per_conn=~.2f bytes_per_conn=~b owned_bytes_per_conn=~b",
                  [Conns, (P1 - P0) / Conns, (M1 - M0) div Conns, lists:sum(New) div Conns]).

mode_args(tcp, _Dir) ->
    ["-proto_dist", "inet_tcp"];
mode_args(tls, Dir) ->
    ["-proto_dist", "inet_tls", "-ssl_dist_optfile", write_terms(Dir, "tls.conf", [ssl_roles([])])];
mode_args(otp_ktls, Dir) ->
    ["-proto_dist", "inet_tls",
     "-ssl_dist_optfile", write_terms(Dir, "otp_ktls.conf", [ssl_roles([{ktls, true}])])];
mode_args(libktls, Dir) ->
    Ebin = filename:dirname(code:which(libktls)),
    ["-proto_dist", "libktls", "-libktls_dist_optfile", write_terms(Dir, "libktls.conf", ssl_roles([])),
     "-pa", Ebin].

%% The certificates are files dist-bench.sh made once for all runs (KTLS_BENCH_CERTS): a key
%% generated in a counted run would add its variable cost to that run's count.
ssl_roles(Extra) ->
    Dir = os:getenv("KTLS_BENCH_CERTS"),
    Files = [{certfile, filename:join(Dir, "node.pem")}, {keyfile, filename:join(Dir, "node.key")},
             {cacertfile, filename:join(Dir, "ca.pem")}],
    Common = [{versions, ['tlsv1.3']},
              {ciphers, [#{key_exchange => any, cipher => aes_256_gcm, mac => aead, prf => sha384}]}
              | Extra],
    %% OTP 25 checks the name the client connected to even with server_name_indication disabled:
    %% the certificate names 127.0.0.1
    [{server, Files ++ Common},
     {client, [{verify, verify_peer}, {server_name_indication, disable} | Files] ++ Common}].

%% -ssl_dist_optfile reads one list; -libktls_dist_optfile one term per role.
write_terms(Dir, Name, Terms) ->
    File = filename:join(Dir, Name),
    ok = file:write_file(File, [io_lib:format("~p.~n", [T]) || T <- Terms]),
    File.

%% No scheduler busy-waiting: an idle node must not execute instructions (they are counted).
start_node(Name, Args) ->
    Ebin = filename:dirname(code:which(?MODULE)),
    All = ["-name", Name ++ "@127.0.0.1", "-setcookie", "bench", "-pa", Ebin,
           "+sbwt", "none", "+sbwtdcpu", "none", "+sbwtdio", "none",
           "-kernel", "net_setuptime", "300" | Args],
    {ok, Peer} = case peer:start_link(#{connection => standard_io, args => All, wait_boot => 600000}) of
                     {ok, P} -> {ok, P};
                     {ok, P, _} -> {ok, P}
                 end,
    {ok, _} = peer:call(Peer, application, ensure_all_started, [ssl], 600000),
    Peer.

%% Processes and total memory of this node, after a garbage collection of every process, and
%% the memory of each process and port (but this one's): the ones a connection added are its own.
snapshot() ->
    timer:sleep(1000),
    [erlang:garbage_collect(P) || P <- processes()],
    Procs = [{P, M} || P <- processes() -- [self()], {memory, M} <- [process_info(P, memory)]],
    Ports = [{P, M} || P <- erlang:ports(), {memory, M} <- [erlang:port_info(P, memory)]],
    #{procs => erlang:system_info(process_count), memory => erlang:memory(total),
      owners => Procs ++ Ports}.

%% On a client: the workload to a process on Hub; each MiB ends with a round trip, so the sender
%% never runs far ahead of the receiver.
send(Hub, Workload, N) ->
    Sink = erpc:call(Hub, erlang, spawn, [?MODULE, sink, [self()]]),
    Big = binary:copy(<<7>>, ?BIG),
    Small = binary:copy(<<3>>, ?SMALL),
    Ping = binary:copy(<<5>>, 100),
    Sync = fun() -> Sink ! {sync, self()}, receive {Sink, synced} -> ok end end,
    Each = case Workload of
               mix -> fun() -> [Sink ! {big, Big} || _ <- lists:seq(1, 8)],
                               [Sink ! {small, Small} || _ <- lists:seq(1, 4096)],
                               Sync()
                      end;
               bulk -> fun() -> [Sink ! {big, Big} || _ <- lists:seq(1, 16)], Sync() end;
               rtt -> fun() -> Sink ! {ping, self(), Ping}, receive {Sink, pong, _} -> ok end end
           end,
    lists:foreach(fun(_) -> Each() end, lists:seq(1, N)).

sink(Client) ->
    receive
        {sync, Client} -> Client ! {self(), synced};
        {ping, Client, Bin} -> Client ! {self(), pong, Bin};
        _ -> ok
    end,
    sink(Client).

scratch_dir() ->
    Dir = filename:join(case os:getenv("TMPDIR") of false -> "/tmp"; T -> T end,
                        "dist-bench-" ++ os:getpid()),
    ok = filelib:ensure_dir(filename:join(Dir, "file")),
    Dir.
