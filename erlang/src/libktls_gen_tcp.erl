%% SPDX-License-Identifier: MIT
%% @private
%% @doc Kernel TLS on a `gen_tcp' port through raw socket options, from the process that owns it:
%% the `tls' upper-layer protocol, then each direction's keys. The inet driver does not report a
%% raw option's `setsockopt()' error, so every step is read back with `getsockopt()'.
-module(libktls_gen_tcp).

-export([install/3, attach_ulp/1, ulp_attached/1]).

-define(SOL_TCP, 6).
-define(TCP_ULP, 31).
-define(SOL_TLS, 282).
-define(TLS_TX, 1).
-define(TLS_RX, 2).

%% @doc Install one direction's crypto-info bytes ({@link libktls:crypto_info/3}), attaching the
%% `tls' upper-layer protocol first if needed.
-spec install(inet:socket(), libktls:dir(), binary()) ->
          ok | {error, ulp_not_attached | keys_not_installed}.
install(Socket, Dir, Info) ->
    case attach_ulp(Socket) of
        ok -> set_crypto_info(Socket, dir_option(Dir), Info);
        Error -> Error
    end.

-spec attach_ulp(inet:socket()) -> ok | {error, ulp_not_attached}.
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

%% @doc Whether the kernel's record layer is attached to the socket.
-spec ulp_attached(inet:socket()) -> boolean().
ulp_attached(Socket) ->
    case inet:getopts(Socket, [{raw, ?SOL_TCP, ?TCP_ULP, 16}]) of
        {ok, [{raw, _, _, <<"tls", _/binary>>}]} -> true;
        _ -> false
    end.

dir_option(tx) -> ?TLS_TX;
dir_option(rx) -> ?TLS_RX.

%% Right after an install the kernel reports back exactly the bytes it took (its live sequence
%% number has not moved yet); anything else means it kept what it had.
set_crypto_info(Socket, Opt, Info) ->
    _ = inet:setopts(Socket, [{raw, ?SOL_TLS, Opt, Info}]),
    case inet:getopts(Socket, [{raw, ?SOL_TLS, Opt, byte_size(Info)}]) of
        {ok, [{raw, _, _, Info}]} -> ok;
        _ -> {error, keys_not_installed}
    end.
