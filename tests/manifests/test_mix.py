from __future__ import annotations

from collections.abc import Callable

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.mix import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

PHOENIX_STYLE = """\
defmodule AcmeEx.MixProject do
  use Mix.Project

  @version "0.3.0"
  @source_url "https://github.com/acme/acme_ex"

  def project do
    [
      # app: :old_name,
      app: :acme_ex,
      version: @version,
      elixir: "~> 1.14",
      name: "Acme Ex",
      description: "Widgets, app: :not_this",
      deps: deps(),
      docs: [main: "readme", extras: ["README.md"]]
    ]
  end

  def application do
    [extra_applications: [:logger]]
  end

  defp deps, do: [{:ex_doc, ">= 0.0.0", only: :dev, runtime: false}]
end
"""


def mix(project_list: str, extra: str = "") -> str:
    return (
        f"defmodule X.MixProject do\n  use Mix.Project\n{extra}\n"
        f"  def project do\n    {project_list}\n  end\nend\n"
    )


def test_app_atom() -> None:
    declaration = parse(PHOENIX_STYLE)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme_ex"  # not the display name "Acme Ex"
    assert declaration.intent


def test_one_line_project() -> None:
    text = 'defmodule X do\n  def project, do: [app: :tiny, version: "0.1.0"]\nend\n'
    assert parse(text).name == "tiny"


def test_project_with_parentheses() -> None:
    assert parse("defmodule X do\n  def project() do\n    [app: :paren]\n  end\nend\n").name == "paren"


@pytest.mark.parametrize("atom", [':"my-app"', ":'my-app'"])
def test_quoted_atom(atom: str) -> None:
    assert parse(mix(f"[app: {atom}]")).name == "my-app"


def test_module_attribute_indirection() -> None:
    assert (
        parse(mix("[app: @app, version: @version]", '  @app :acme_core\n  @version "1.0.0"')).name
        == "acme_core"
    )


def test_package_name_inline_wins() -> None:
    text = mix('[app: :acme_ex, package: [name: "acme", licenses: ["MIT"]]]')
    assert parse(text).name == "acme"


def test_package_name_through_a_function() -> None:
    text = mix("[app: :acme_ex, package: package()]").replace(
        "end\nend\n",
        'end\n\n  defp package do\n    [\n      name: "acme_hex",\n'
        '      links: %{"GitHub" => "x"}\n    ]\n  end\nend\n',
    )
    assert parse(text).name == "acme_hex"


@pytest.mark.parametrize("call", ["package", "package()", "hex_package()"])
def test_package_function_spellings(call: str) -> None:
    function = call.removesuffix("()")
    text = (
        f"defmodule X do\n  def project do\n    [app: :a, package: {call}]\n  end\n"
        f'  defp {function}, do: [name: "b"]\nend\n'
    )
    assert parse(text).name == "b"


def test_package_without_name_keeps_app() -> None:
    text = mix('[app: :acme_ex, package: [licenses: ["MIT"], maintainers: ["a"]]]')
    assert parse(text).name == "acme_ex"


def test_package_name_through_attribute() -> None:
    text = mix("[app: :acme_ex, package: [name: @package_name]]", '  @package_name "acme"')
    assert parse(text).name == "acme"


def test_no_package_keeps_intent() -> None:
    declaration = parse(mix("[app: :internal_tool, deps: []]"))
    assert declaration.name == "internal_tool"
    assert declaration.intent


def test_organization_means_private() -> None:
    declaration = parse(mix('[app: :acme, package: [organization: "acme_corp", licenses: []]]'))
    assert declaration.name == "acme"
    assert not declaration.intent
    assert "acme_corp" in declaration.intent_reason


def test_umbrella_root() -> None:
    declaration = parse(mix('[apps_path: "apps", version: "0.1.0", deps: deps()]'))
    assert declaration.status is ParseStatus.NO_NAME
    assert declaration.intent_reason == "umbrella root: the apps declare the packages"


def test_umbrella_child_is_named() -> None:
    text = mix('[app: :acme_web, build_path: "../../_build", deps_path: "../../deps", in_umbrella: true]')
    assert parse(text).name == "acme_web"


def test_comments_and_strings_do_not_count() -> None:
    text = mix(
        "[\n      # app: :commented,\n"
        '      description: "app: :in_string # not a comment",\n      app: :real\n    ]',
        '  @moduledoc """\n  def project do [app: :in_heredoc] end\n  """',
    )
    assert parse(text).name == "real"


def test_sigils_and_char_literals() -> None:
    text = mix(
        '[files: ~w(lib mix.exs), pattern: ~r/#"/, hash: ?#, quote: ?", app: :real]',
        '  @doc ~S"""\n  app: :nope "\n  """',
    )
    assert parse(text).name == "real"


@pytest.mark.parametrize("value", ['String.to_atom("x")', "Mix.Project.config()[:app]", "@undefined"])
def test_computed_app_is_unsupported(value: str) -> None:
    declaration = parse(mix(f"[app: {value}]"))
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "computed name" in declaration.detail


@pytest.mark.parametrize(
    "text",
    [
        "",
        "defmodule X do\nend\n",
        mix('[version: "1.0"]'),
        "def project do",
        'def project do\n  [app: "unterminated',
        "def project do [[[[[[",
    ],
)
def test_no_app(text: str) -> None:
    declaration = parse(text)
    assert declaration.status in (ParseStatus.NO_NAME, ParseStatus.UNSUPPORTED)
    assert not declaration.intent


def test_through_registry_with_crlf() -> None:
    declaration = read_manifest("mix.exs", PHOENIX_STYLE.replace("\n", "\r\n").encode())
    assert declaration is not None
    assert declaration.manifest_type == "hex"
    assert declaration.name == "acme_ex"
    assert declaration.purl == "pkg:hex/acme_ex"
    assert declaration.parser_version == "mix/2"


PIECES = ['"#{', "~s(", "?", "#", "'''", '"""', "[", "(", "app: ", "@a ", "def project do ", "\n"]


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(
            lambda n: "".join(PIECES[i % len(PIECES)] for i in range(n))[: 5 * n], 40_000, id="mixed"
        ),
        pytest.param(lambda n: "[" * n, 200_000, id="brackets"),
        pytest.param(lambda n: "def project do [" + "a: b, " * n, 30_000, id="keywords"),
        pytest.param(lambda n: "~s(" * n, 60_000, id="sigils"),
    ],
)
def test_adversarial_input_returns_in_linear_time(make: Callable[[int], str], size: int) -> None:
    # The full-size input is the large side of the comparison: it returns, and a quarter of it
    # takes about a quarter of the time.
    assert_linear(lambda n: parse(make(n)), size // 4)
