defmodule MixHandoff do
  @moduledoc """
  An `:ssl` TLS 1.3 connection over loopback, both ends handed to kernel TLS with
  `:libktls.handoff/2`; then plaintext both ways through `:gen_tcp`, the kernel doing the records.
  """

  @doc "Runs the exchange; returns the kernel's mode of the client's socket."
  def run do
    {:ok, _} = Application.ensure_all_started(:libktls)
    {server_opts, client_opts} = certs()
    tls = [:binary, versions: [:"tlsv1.3"]] ++ :libktls.ssl_options()
    {:ok, listen} = :ssl.listen(0, server_opts ++ tls)
    {:ok, {_, port}} = :ssl.sockname(listen)
    parent = self()

    server =
      spawn_link(fn ->
        {:ok, t} = :ssl.transport_accept(listen, 30_000)
        {:ok, s} = :ssl.handshake(t, 30_000)
        {:ok, sock} = :libktls.handoff(s, :server)
        {:ok, ping} = :gen_tcp.recv(sock, 4, 30_000)
        :ok = :gen_tcp.send(sock, ping <> " from the kernel")
        send(parent, {:served, self()})
        receive do: (:done -> :gen_tcp.close(sock))
      end)

    {:ok, c} = :ssl.connect({127, 0, 0, 1}, port, client_opts ++ tls, 30_000)
    {:ok, sock} = :libktls.handoff(c, :client)
    :ok = :gen_tcp.send(sock, "ping")
    {:ok, "ping from the kernel"} = :gen_tcp.recv(sock, 20, 30_000)
    receive do: ({:served, ^server} -> :ok)
    send(server, :done)
    {:ok, [{:raw, 6, 31, <<"tls", _::binary>>}]} = :inet.getopts(sock, [{:raw, 6, 31, 16}])
    :gen_tcp.close(sock)
    :ssl.close(listen)
    :ok
  end

  defp certs do
    key = [key: {:namedCurve, :secp256r1}, digest: :sha256]
    chain = %{root: key, intermediates: [], peer: key}

    %{server_config: s, client_config: c} =
      :public_key.pkix_test_data(%{server_chain: chain, client_chain: chain})

    {s, [verify: :verify_peer, server_name_indication: :disable] ++ c}
  end
end
