from __future__ import annotations

from collections.abc import Callable

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers._ruby import scan
from distscout.manifests.parsers.gemspec import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

BUNDLER_TEMPLATE = """\
# frozen_string_literal: true

require_relative "lib/acme_gem/version"

Gem::Specification.new do |spec|
  spec.name = "acme_gem"
  spec.version = AcmeGem::VERSION
  spec.summary = "TODO: Write a short summary, because RubyGems requires one."

  # spec.metadata["allowed_push_host"] = "TODO: Set to your gem server 'https://example.com'"
  spec.metadata["homepage_uri"] = spec.homepage

  gemspec = File.basename(__FILE__)
  spec.files = IO.popen(%w[git ls-files -z], chdir: __dir__, err: IO::NULL) do |ls|
    ls.readlines("\\x0", chomp: true).reject do |f|
      (f == gemspec) || f.start_with?(*%w[bin/ test/ spec/ .git Gemfile])
    end
  end
  spec.executables = spec.files.grep(%r{\\Aexe/}) { |f| File.basename(f) }
end
"""


def spec(body: str, variable: str = "s") -> str:
    return f"Gem::Specification.new do |{variable}|\n{body}\nend\n"


def test_bundler_template() -> None:
    declaration = parse(BUNDLER_TEMPLATE, "acme_gem.gemspec")
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme_gem"
    assert declaration.intent  # the allowed_push_host line is commented out


@pytest.mark.parametrize("variable", ["s", "spec", "gem", "x"])
def test_any_block_variable(variable: str) -> None:
    assert parse(spec(f'  {variable}.name = "acme"', variable)).name == "acme"


@pytest.mark.parametrize(
    "literal",
    ['"acme"', "'acme'", "%q{acme}", "%q(acme)", "%q[acme]", "%Q{acme}", '"acme".freeze', "'acme'.freeze"],
)
def test_quoting_forms(literal: str) -> None:
    assert parse(spec(f"  s.name = {literal}")).name == "acme"


def test_other_spec_variable_is_not_the_name() -> None:
    text = spec('  s.name = "acme"\n  other = Struct.new(:name).new\n  other.name = "wrong"')
    assert parse(text).name == "acme"


def test_comments_are_ignored() -> None:
    text = (
        '# s.name = "old"\nGem::Specification.new do |s|\n'
        '  s.name = "new" # s.name = "older"\n  # s.name = "oldest"\nend\n'
    )
    assert parse(text).name == "new"


def test_begin_end_comment_block() -> None:
    text = 'Gem::Specification.new do |s|\n  s.name = "real"\n=begin\n  s.name = "commented"\n=end\nend\n'
    assert parse(text).name == "real"


def test_heredoc_body_is_not_code() -> None:
    text = spec(
        '  s.name = "real"\n  s.description = <<~DESC\n    It\'s "quoted" and s.name = \'fake\'\n  DESC\n'
        "  s.license = 'MIT'"
    )
    assert parse(text).name == "real"


def test_name_in_a_string_is_not_an_assignment() -> None:
    text = spec(
        "  s.summary = \"use s.name = 'fake' here\"\n  s.name = 'real'\n  s.description = 's.name = \"x\"'"
    )
    assert parse(text).name == "real"


def test_name_through_a_constant() -> None:
    text = 'NAME = "acme-tools"\nGem::Specification.new do |s|\n  s.name = NAME\nend\n'
    assert parse(text).name == "acme-tools"


def test_name_through_a_namespaced_constant_and_a_local() -> None:
    text = (
        "module Acme\n  GEM_NAME = %q{acme}\nend\n"
        "name = Acme::GEM_NAME\nGem::Specification.new { |s| s.name = name }\n"
    )
    assert parse(text).name == "acme"


@pytest.mark.parametrize(
    "expression",
    [
        'File.basename(__FILE__, ".gemspec")',
        "File.basename(__FILE__, '.gemspec')",
        'File.basename(__FILE__, ".*")',
        "File.basename(__FILE__, File.extname(__FILE__))",
        'File.basename(__FILE__).chomp(".gemspec")',
    ],
)
def test_basename_of_file_idiom(expression: str) -> None:
    assert parse(spec(f"  s.name = {expression}"), "acme-cli.gemspec").name == "acme-cli"


def test_basename_through_a_local() -> None:
    text = 'name = File.basename(__FILE__, ".gemspec")\nGem::Specification.new do |s|\n  s.name = name\nend\n'
    assert parse(text, "acme.gemspec").name == "acme"


@pytest.mark.parametrize(
    "expression", ['"acme-#{suffix}"', "ENV.fetch('GEM_NAME')", 'File.read("NAME").strip', "undefined_thing"]
)
def test_computed_name_is_unsupported(expression: str) -> None:
    declaration = parse(spec(f"  s.name = {expression}"))
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None
    assert "computed gem name" in declaration.detail


def test_positional_name() -> None:
    text = 'Gem::Specification.new "acme", "1.0" do |s|\n  s.summary = "x"\nend\n'
    assert parse(text).name == "acme"
    assert parse('Gem::Specification.new("acme", Acme::VERSION) do |s|\nend\n').name == "acme"


def test_assignment_overrides_positional_name() -> None:
    assert parse('Gem::Specification.new "old", "1.0" do |s|\n  s.name = "new"\nend\n').name == "new"


def test_spec_assigned_to_a_variable_without_a_block() -> None:
    text = 'spec = Gem::Specification.new\nspec.name = "acme"\nspec.version = "1.0"\n'
    assert parse(text).name == "acme"


def test_last_assignment_wins() -> None:
    assert parse(spec('  s.name = "first"\n  s.name = "second"')).name == "second"


def test_one_line_block() -> None:
    assert parse('Gem::Specification.new { |s| s.name = "tiny"; s.version = "0.1" }').name == "tiny"
    assert parse('Gem::Specification.new { |s| s.name = "tiny" }').name == "tiny"


@pytest.mark.parametrize(
    "assignment",
    [
        '  s.metadata["allowed_push_host"] = "https://gems.acme.internal"',
        "  s.metadata['allowed_push_host'] = 'https://gems.acme.internal'",
        '  s.metadata = { "allowed_push_host" => "https://gems.acme.internal", "x" => "y" }',
        "  s.metadata = {\n    'homepage_uri' => 'x',\n"
        "    'allowed_push_host' => 'https://gems.acme.internal'\n  }",
        'HOST = "https://gems.acme.internal"\n  s.metadata["allowed_push_host"] = HOST',
    ],
)
def test_private_push_host_means_no_intent(assignment: str) -> None:
    declaration = parse(spec(f'  s.name = "acme"\n{assignment}'))
    assert declaration.name == "acme"
    assert not declaration.intent
    assert declaration.intent_reason == "allowed_push_host = https://gems.acme.internal"


def test_bundler_placeholder_push_host_means_no_intent() -> None:
    text = spec(
        '  s.name = "acme"\n  s.metadata["allowed_push_host"] = "TODO: Set to \'http://mygemserver.com\'"'
    )
    declaration = parse(text)
    assert not declaration.intent
    assert declaration.intent_reason.startswith("allowed_push_host = TODO")


@pytest.mark.parametrize("host", ["https://rubygems.org", "https://rubygems.org/", "http://rubygems.org"])
def test_rubygems_push_host_keeps_intent(host: str) -> None:
    declaration = parse(spec(f'  s.name = "acme"\n  s.metadata["allowed_push_host"] = "{host}"'))
    assert declaration.intent


def test_computed_push_host_keeps_intent() -> None:
    declaration = parse(spec('  s.name = "acme"\n  s.metadata["allowed_push_host"] = ENV["HOST"]'))
    assert declaration.intent


def test_yaml_specification() -> None:
    text = (
        "--- !ruby/object:Gem::Specification\nname: acme\n"
        "version: !ruby/object:Gem::Version\n  version: 1.0.0\n"
    )
    assert parse(text).name == "acme"


@pytest.mark.parametrize(
    "text", ["", "puts 'hello'\n", "require 'x'\nspec.name = 'no block'\n", '"unterminated']
)
def test_no_specification(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.NO_NAME
    assert not declaration.intent


def test_spec_without_name() -> None:
    declaration = parse(spec('  s.version = "1.0"'))
    assert declaration.status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    [
        'Gem::Specification.new do |s|\n  s.name = "unterminated\nend\n',
        "Gem::Specification.new do |s|\n  s.name = %q{nested {braces} ok\n",
        "Gem::Specification.new do |s|\n  s.description = <<~NEVER_ENDS\n  s.name = 'x'\n",
        "=begin\nnever ends",
        "%",
        "<<",
        "Gem::Specification.new do |",
    ],
)
def test_broken_ruby_never_raises(text: str) -> None:
    declaration = parse(text)
    assert declaration.status in (ParseStatus.NO_NAME, ParseStatus.OK, ParseStatus.UNSUPPORTED)


def test_nested_percent_literal() -> None:
    assert parse(spec("  s.summary = %q{a {nested} b}\n  s.name = %q{acme}")).name == "acme"


def test_modulo_is_not_a_percent_literal() -> None:
    text = spec('  x = 10 % 3\n  y = count %(2)\n  s.name = "acme"')
    assert parse(text).name == "acme"


def test_end_marker_stops_the_program() -> None:
    text = spec('  s.name = "acme"') + '__END__\nGem::Specification.new do |s|\n  s.name = "data"\nend\n'
    assert parse(text).name == "acme"


def test_scan_masks_literals_and_comments() -> None:
    source = scan("a = 'x' # c\nb = \"y\\n\"\n")
    assert "#" not in source.code
    assert source.literals == ("x", "y\n")


def test_through_registry_with_crlf_and_bom() -> None:
    data = "\ufeff" + BUNDLER_TEMPLATE.replace("\n", "\r\n")
    declaration = read_manifest("acme_gem.gemspec", data.encode("utf-8"))
    assert declaration is not None
    assert declaration.manifest_type == "rubygems"
    assert declaration.name == "acme_gem"
    assert declaration.purl == "pkg:gem/acme_gem"
    assert declaration.parser_version == "gemspec/2"


def test_registry_uses_the_file_name_for_basename() -> None:
    declaration = read_manifest(
        "gems/acme-cli/acme-cli.gemspec", spec('  s.name = File.basename(__FILE__, ".gemspec")')
    )
    assert declaration is not None
    assert declaration.name == "acme-cli"


PIECES = ['"\\"', "#{", "%q(", "<<~A", "=begin", "`", "%", "<<", "s.name = ", "'", "\n", "{", "a" * 50]


def _mixed(n: int) -> str:
    text = "Gem::Specification.new do |s|\n" + "".join(PIECES[i % len(PIECES)] for i in range(n))
    return text[: 5 * n]


@pytest.mark.parametrize(
    ("make", "size"),
    [
        pytest.param(_mixed, 40_000, id="mixed"),
        pytest.param(lambda n: "a" * n, 200_000, id="word"),
        pytest.param(lambda n: "s.name = a" + " " * n + "b", 200_000, id="spaces"),
        pytest.param(lambda n: "%q(" * n, 60_000, id="percent-literals"),
    ],
)
def test_adversarial_input_returns_in_linear_time(make: Callable[[int], str], size: int) -> None:
    # The full-size input is the large side of the comparison: it returns, and a quarter of it
    # takes about a quarter of the time.
    assert_linear(lambda n: parse(make(n)), size // 4)
