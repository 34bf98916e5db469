defmodule Buoy.MixProject do
  use Mix.Project

  @version "0.11.0"
  @source_url "https://github.com/harbor-tools/buoy"

  def project do
    [
      app: :buoy,
      version: @version,
      elixir: "~> 1.15",
      start_permanent: Mix.env() == :prod,
      deps: deps(),
      # Hex already had a `buoy` package, so ours is published as harbor_buoy.
      description: "Health checks and readiness probes for Plug and Phoenix apps",
      package: package(),
      name: "Buoy",
      source_url: @source_url,
      docs: [main: "readme", extras: ["README.md", "CHANGELOG.md"]]
    ]
  end

  def application do
    [extra_applications: [:logger], mod: {Buoy.Application, []}]
  end

  defp deps do
    [
      {:plug, "~> 1.16"},
      {:telemetry, "~> 1.3"},
      {:ex_doc, "~> 0.34", only: :dev, runtime: false}
    ]
  end

  defp package do
    [
      name: "harbor_buoy",
      licenses: ["Apache-2.0"],
      links: %{"GitHub" => @source_url},
      files: ~w(lib mix.exs README.md CHANGELOG.md LICENSE)
    ]
  end
end
