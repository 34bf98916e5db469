defmodule Ledger.MixProject do
  use Mix.Project

  def project do
    [
      app: :harbor_ledger,
      version: "2.2.0",
      elixir: "~> 1.16",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      description: "Double-entry accounting for Harbor's billing service",
      # Published to our private Hex organization only.
      package: [
        organization: "harbor",
        licenses: ["Proprietary"],
        links: %{}
      ]
    ]
  end

  def application do
    [extra_applications: [:logger, :crypto]]
  end

  defp deps do
    [
      {:ecto_sql, "~> 3.12"},
      {:postgrex, ">= 0.0.0"},
      {:decimal, "~> 2.1"}
    ]
  end
end
