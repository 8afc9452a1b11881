%% SPDX-License-Identifier: MIT
%% libktls from Erlang without a kTLS kernel: option bytes, suites, the record decoder.
-module(libktls_tests).
-include_lib("eunit/include/eunit.hrl").

%% RFC 8448 §3: the client application traffic secret, and the key and IV it gives.
-define(SECRET, <<16#9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5:256>>).
-define(KEY, <<16#17422dda596ed5d9acd890e3c63f5051:128>>).
-define(SALT, <<16#5b78923d:32>>).
-define(IV, <<16#ee08579033e523d9:64>>).

crypto_info_layout_test() ->
    %% struct tls12_crypto_info_aes_gcm_128: version and cipher (host order), IV, key, salt, seq
    {ok, Info} = libktls:crypto_info(16#1301, #{secret => ?SECRET}, 7),
    ?assertEqual(<<16#0304:16/native, 51:16/native, ?IV/binary, ?KEY/binary, ?SALT/binary,
                   7:64/big>>, Info).

crypto_info_from_key_and_iv_test() ->
    {ok, FromSecret} = libktls:crypto_info(16#1301, #{secret => ?SECRET}, 0),
    ?assertEqual({ok, FromSecret},
                 libktls:crypto_info(16#1301, #{key => ?KEY, iv => <<?SALT/binary, ?IV/binary>>}, 0)).

crypto_info_errors_test() ->
    ?assertEqual({error, einval}, libktls:crypto_info(16#1301, #{secret => <<1, 2, 3>>}, 0)),
    ?assertEqual({error, eprotonosupport}, libktls:crypto_info(16#0005, #{secret => ?SECRET}, 0)),
    ?assertError(badarg, libktls:crypto_info(16#1301, not_a_map, 0)),
    ?assertError(badarg, libktls:crypto_info(16#1301, #{secret => binary:copy(<<0>>, 49)}, 0)).

every_otp_tls13_suite_is_known_test() ->
    %% the names libktls:handoff/2 gets from ssl:suite_to_str/1; the kernel has no AES-CCM-8
    Names = [ssl:suite_to_str(S) || S <- ssl:cipher_suites(exclusive, 'tlsv1.3')],
    ?assert(length(Names) >= 4),
    [?assertMatch({ok, _}, libktls:suite_by_name(N)) || N <- Names, N =/= "TLS_AES_128_CCM_8_SHA256"],
    ?assertEqual({error, eprotonosupport}, libktls:suite_by_name("TLS_AES_128_CCM_8_SHA256")),
    ?assertEqual({ok, 16#1303}, libktls:suite_by_name("TLS_CHACHA20_POLY1305_SHA256")),
    ?assertEqual({error, eprotonosupport}, libktls:suite_by_name("TLS_NULL_WITH_NULL_NULL")).

%% HKDF-Expand-Label(Secret, "traffic upd", "", 32) computed here with HMAC-SHA256
next_secret_test() ->
    Label = <<"tls13 traffic upd">>,
    Info = <<32:16, (byte_size(Label)):8, Label/binary, 0:8>>,
    Expected = crypto:mac(hmac, sha256, ?SECRET, <<Info/binary, 1>>),
    ?assertEqual({ok, Expected}, libktls:next_secret(16#1301, ?SECRET)),
    ?assertEqual({error, einval}, libktls:next_secret(16#1302, ?SECRET)),
    ?assertEqual({error, eprotonosupport}, libktls:next_secret(16#C02F, ?SECRET)).

suite_info_test() ->
    ?assertMatch({ok, #{name := "TLS_AES_256_GCM_SHA384", tls_version := 'tlsv1.3',
                        key_len := 32, secret_len := 48, iv_len := 12}},
                 libktls:suite_info(16#1302)).

record_type_test() ->
    ?assertEqual({ok, 21}, libktls:record_type(282, 2, <<21>>)),
    ?assertEqual(none, libktls:record_type(1, 2, <<21>>)).

reader_test() ->
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({data, <<"hi">>}, libktls:reader_feed(R, 23, <<"hi">>)),
    %% a NewSessionTicket split over two records, then a KeyUpdate in one
    ?assertEqual(more, libktls:reader_feed(R, 22, <<4, 0, 0, 3, $a>>)),
    ?assertEqual({handshake, [{4, <<"abc">>}]}, libktls:reader_feed(R, 22, <<"bc">>)),
    ?assertEqual({handshake, [{24, <<1>>}]}, libktls:reader_feed(R, 22, <<24, 0, 0, 1, 1>>)),
    ?assertEqual(close_notify, libktls:reader_feed(R, 21, <<1, 0>>)).

%% A reader resource used by several processes at once: each feed of a whole ticket gives back
%% exactly that ticket (the NIF holds the reader's lock across the feed and the take), and the VM
%% survives 4 x 25 000 calls on one reader.
reader_shared_by_processes_test_() ->
    {timeout, 120, fun() ->
        {ok, R} = libktls:reader_new('tlsv1.3'),
        Self = self(),
        Feed = fun(N) ->
                   Body = <<N:32, (erlang:phash2(self())):32>>,
                   {handshake, [{4, Body}]} = libktls:reader_feed(R, 22, <<4, 0, 0, 8, Body/binary>>),
                   {data, <<"x">>} = libktls:reader_feed(R, 23, <<"x">>)
               end,
        Pids = [spawn_link(fun() -> lists:foreach(Feed, lists:seq(1, 25000)), Self ! {done, self()} end)
                || _ <- lists:seq(1, 4)],
        [receive {done, Pid} -> ok after 110000 -> error(timeout) end || Pid <- Pids]
    end}.

reader_warning_alert_test() ->
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({alert, warning, user_canceled}, libktls:reader_feed(R, 21, <<1, 90>>)),
    ?assertEqual({data, <<"on">>}, libktls:reader_feed(R, 23, <<"on">>)).

reader_fatal_alert_test() ->
    {ok, R} = libktls:reader_new('tlsv1.3'),
    ?assertEqual({alert, fatal, decode_error}, libktls:reader_feed(R, 21, <<2, 50>>)).

reader_protocol_error_test() ->
    {ok, R} = libktls:reader_new('tlsv1.3'),
    %% a ClientHello after the handshake: the reader names the alert to answer with
    ?assertEqual({error, {error, eproto}, {alert, fatal, unexpected_message}},
                 libktls:reader_feed(R, 22, <<1, 0, 0, 0>>)).

%% Where the kernel has no kTLS (this host, CI's), the silent inet:setopts/2 failure is caught.
install_without_ktls_test() ->
    case libktls:probe_kernel() of
        {ok, #{tls := false}} ->
            {ok, L} = gen_tcp:listen(0, [{ip, {127, 0, 0, 1}}]),
            {ok, Port} = inet:port(L),
            {ok, C} = gen_tcp:connect({127, 0, 0, 1}, Port, []),
            ?assertEqual({error, ulp_not_attached},
                         libktls:install_gen_tcp(C, tx, 16#1301, #{secret => ?SECRET}, 0)),
            gen_tcp:close(C),
            gen_tcp:close(L);
        {ok, #{tls := true}} ->
            ok % the kernel suite covers kernels with kTLS
    end.

version_test() ->
    ?assertMatch([$1 | _], libktls:version()).
