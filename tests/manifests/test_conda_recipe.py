"""rattler-build recipe.yaml: `context:` evaluation, `${{ }}` names, multi-output recipes."""

from __future__ import annotations

import itertools

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.conda_recipe import parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_linear

REQUESTS = """schema_version: 1

context:
  name: requests
  version: "2.33.1"

package:
  name: ${{ name|lower }}
  version: ${{ version }}

source:
  url: https://example.invalid/${{ name[0] }}/${{ name }}/requests-${{ version }}.tar.gz

build:
  number: 1
  noarch: python
  script: ${{ PYTHON }} -m pip install . -vv

requirements:
  host:
    - python ${{ python_min }}.*
  run:
    - python >=${{ python_min }}
    - if: unix
      then: ${{ compiler('c') }}
"""


def test_context_and_lower_filter() -> None:
    declaration = parse(REQUESTS)
    assert (declaration.status, declaration.name, declaration.intent) == (ParseStatus.OK, "requests", True)


def test_registry_claims_recipe_yaml() -> None:
    declaration = read_manifest("recipe/recipe.yaml", REQUESTS.encode())
    assert declaration is not None
    assert (declaration.manifest_type, declaration.name) == ("conda", "requests")
    assert declaration.parser_version == "conda-recipe/2"


def test_chained_context_references() -> None:
    text = """context:
  base: Acme_Pkg
  lowered: ${{ base|lower }}
  dashed: ${{ lowered | replace("_", "-") }}
  name: py-${{ dashed }}
package:
  name: ${{ name }}
"""
    assert parse(text).name == "py-acme-pkg"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${{ name[0] }}", "a"),
        ("${{ name | upper }}", "ACME_TOOL"),
        ('${{ name | replace("_", "-") }}', "acme-tool"),
        ("${{ name ~ '-extra' }}", "acme_tool-extra"),
        ("${{ name.split('_') | join('.') }}", "acme.tool"),
        ("${{ name | split('_') | first }}", "acme"),
        ("lib${{ name }}-${{ version | version_to_buildstring }}", "libacme_tool-110"),
        ("plain-name", "plain-name"),
    ],
)
def test_name_expressions(expression: str, expected: str) -> None:
    text = f"context:\n  name: acme_tool\n  version: 1.10.2\npackage:\n  name: {expression}\n"
    assert parse(text).name == expected


def test_quoted_and_unquoted_numbers_stay_text() -> None:
    text = 'context:\n  major: 1.10\n  minor: "0.20"\npackage:\n  name: acme${{ major }}-${{ minor }}\n'
    assert parse(text).name == "acme1.10-0.20"


def test_boa_spelling_without_dollar() -> None:
    text = "context:\n  name: Acme\npackage:\n  name: '{{ name|lower }}'\n"
    assert parse(text).name == "acme"


@pytest.mark.parametrize(
    "expression",
    [
        "${{ env.get('ACME_NAME', default='acme') }}",  # the build machine may well set it
        "${{ env.get('ACME_NAME') }}",
        "${{ 'acme-gpu' if cuda else 'acme' }}",  # a condition on a build variable is not the default
    ],
)
def test_a_name_from_build_time_values_is_unsupported(expression: str) -> None:
    text = f"context:\n  name: acme_tool\npackage:\n  name: {expression}\n"
    declaration = parse(text)
    assert declaration.status is ParseStatus.UNSUPPORTED and declaration.name is None


def test_undefined_variable_is_unsupported() -> None:
    declaration = parse("package:\n  name: ${{ pkg_name }}\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "pkg_name" in declaration.detail


def test_forward_reference_is_not_resolved() -> None:
    # rattler-build evaluates context top to bottom: `name` cannot see `later`.
    text = "context:\n  name: ${{ later }}\n  later: acme\npackage:\n  name: ${{ name }}\n"
    declaration = parse(text)
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "later" in declaration.detail


def test_self_reference_does_not_loop() -> None:
    text = "context:\n  name: ${{ name }}x\npackage:\n  name: ${{ name }}\n"
    assert parse(text).status is ParseStatus.UNSUPPORTED


def test_non_scalar_context_value_is_unknown() -> None:
    text = "context:\n  name: [a, b]\npackage:\n  name: ${{ name }}\n"
    assert parse(text).status is ParseStatus.UNSUPPORTED


def test_unused_context_entries_are_never_evaluated() -> None:
    text = """context:
  name: acme
  hostile: ${{ ''.__class__.__mro__ }}
  heavy: ${{ range(10**9) | list }}
  broken: ${{ unclosed
package:
  name: ${{ name }}
"""
    assert parse(text).name == "acme"


def test_huge_context_is_cheap() -> None:
    def huge(size: int) -> None:
        entries = "".join(f"  v{n}: ${{{{ v{n - 1} }}}}x\n" for n in range(1, size))
        text = f"context:\n  v0: a\n{entries}  name: acme\npackage:\n  name: ${{{{ name }}}}\n"
        assert parse(text).name == "acme"

    assert_linear(huge, 5_000)  # up to the original 20,000 entries


def test_long_context_chain_is_refused_not_slow() -> None:
    def chain(size: int) -> None:
        entries = "".join(f"  v{n}: ${{{{ v{n - 1} }}}}x\n" for n in range(1, size))
        text = f"context:\n  v0: a\n{entries}package:\n  name: ${{{{ v{size - 1} }}}}\n"
        assert parse(text).status is ParseStatus.UNSUPPORTED

    assert_linear(chain, 1_250)  # up to the original chain of 5,000


def test_multi_output_recipe_uses_recipe_name() -> None:
    text = """context:
  name: acme
recipe:
  name: ${{ name }}-split
  version: 1.0
outputs:
  - package:
      name: lib${{ name }}
"""
    assert parse(text).name == "acme-split"


def test_multi_output_without_recipe_name_uses_first_output() -> None:
    text = """context:
  name: acme
recipe:
  version: 1.0
outputs:
  - if: win
    then:
      package:
        name: lib${{ name }}-win
  - package:
      name: lib${{ name }}
"""
    assert parse(text).name == "libacme-win"


def test_outputs_without_package_are_skipped() -> None:
    text = "outputs:\n  - build:\n      number: 0\n  - package:\n      name: acme-core\n"
    assert parse(text).name == "acme-core"


def _alias_levels(depth: int) -> list[str]:
    """`depth` levels of YAML aliases, each 9 copies of the one below: 9**depth "lol"s once expanded."""
    names = "abcdefghijklmnopqrstuvwxyz"
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in itertools.pairwise(names[:depth]):
        levels.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    return levels


def test_alias_bomb_in_context() -> None:
    def laughs(depth: int) -> str:
        return "\n".join("  " + line for line in _alias_levels(depth))

    def refused(depth: int) -> None:
        last = "abcdefghi"[depth - 1]
        name = f"${{{{ name }}}}-${{{{ {last}|length }}}}"
        text = f"context:\n{laughs(depth)}\n  name: acme\npackage:\n  name: {name}\n"
        declaration = parse(text)
        assert declaration.status is ParseStatus.UNSUPPORTED  # `i` is a list: not a name part

    # 3 levels against the original 9 (a to i): expanded or walked, the work would grow 9**6 times.
    assert_linear(refused, 3, factor=3)
    bombs = laughs(9)
    plain = f"context:\n{bombs}\n  name: acme\npackage:\n  name: ${{{{ name }}}}\n"
    assert parse(plain).name == "acme"


@pytest.mark.parametrize(
    "expression",
    [
        "${{ ''.__class__.__mro__ }}",
        "${{ cycler.__init__.__globals__ }}",
        "${{ name.__class__.__base__.__subclasses__() }}",
    ],
)
def test_sandbox_escape_in_name(expression: str) -> None:
    declaration = parse(f"context:\n  name: a\npackage:\n  name: {expression}\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.name is None


def test_statements_are_not_jinja_in_recipe_yaml() -> None:
    # rattler-build has only `${{ }}` expressions; `{%` is literal text, never a statement.
    assert parse("package:\n  name: a{% if x %}b${{ 'c' }}\n").name == "a{% if x %}bc"


def test_refused_expression_is_unsupported() -> None:
    declaration = parse("package:\n  name: ${{ 'x' * 10**9 }}\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "refused" in declaration.detail


def test_jinja_syntax_error_in_name_is_malformed() -> None:
    assert parse("package:\n  name: ${{ name | }}\n").status is ParseStatus.MALFORMED


@pytest.mark.parametrize("text", ["", "# nothing\n"])
def test_empty(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    ["context:\n  name: a\n", "package:\n  version: 1\n", "recipe: x\noutputs: y\n", "package: acme\n"],
)
def test_no_name(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


def test_non_string_name() -> None:
    assert parse("package:\n  name:\n    nested: x\n").status is ParseStatus.NO_NAME


@pytest.mark.parametrize("text", ["package:\n  name: [x\n", "- a\n", "plain text\n", "a: b: c\n"])
def test_malformed(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED
