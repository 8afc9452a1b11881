# An Elixir project that depends on the libktls application by path, as a user's would; mix
# builds it through rebar3 (MIX_REBAR3) and its NIF with c_src/Makefile.
defmodule MixHandoff.MixProject do
  use Mix.Project

  def project do
    [
      app: :mix_handoff,
      version: "0.1.0",
      elixir: "~> 1.14",
      deps: [{:libktls, path: System.get_env("LIBKTLS_ERLANG", "../../../erlang")}]
    ]
  end

  def application, do: [extra_applications: [:ssl, :public_key]]
end
