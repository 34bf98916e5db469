"""conda-build meta.yaml: Jinja rendering in the sandbox, selectors, outputs, hostile templates."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers.conda_meta import first_of_selected_duplicates, parse
from distscout.manifests.registry import read_manifest
from tests.linear import assert_costs_at_most, assert_linear

ACME = """{% set name = "Acme-Conda" %}
{% set version = "1.0" %}

package:
  name: {{ name|lower }}
  version: {{ version }}
"""

FEEDSTOCK = """{% set version = "26.0.1" %}

package:
  name: pip
  version: {{ version }}

source:
  url: https://example.invalid/pip-{{ version }}.tar.gz

build:
  noarch: python
  number: 0

requirements:
  host:
    - python >=3.13.0a0                    # [not with_setuptools_wheel]
    - python >={{ python_min }},<3.13.0a0  # [with_setuptools_wheel]
  build:
    - {{ compiler('c') }}
    - {{ stdlib('c') }}
  run:
    - {{ pin_compatible('numpy', max_pin='x.x') }}
    - {{ pin_subpackage('libfoo', exact=True) }}
    - {{ cdt('mesa-libgl-devel') }}

test:
  commands:
    - {{ PYTHON }} -m pip -h
"""

BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
package:
  name: laughs
  version: *i
"""


def test_set_variables_and_lower_filter() -> None:
    declaration = parse(ACME)
    assert declaration.status is ParseStatus.OK
    assert declaration.name == "acme-conda"
    assert declaration.intent is True


@pytest.mark.parametrize("path", ["conda/meta.yaml", "recipe/meta.yml", "meta.yaml"])
def test_registry_claims_meta_yaml(path: str) -> None:
    declaration = read_manifest(path, ACME.encode())
    assert declaration is not None
    assert declaration.manifest_type == "conda"
    assert declaration.name == "acme-conda"
    assert declaration.purl == "pkg:conda/acme-conda"
    assert declaration.parser_version == "conda-meta/2"


def test_registry_reads_crlf_and_bom() -> None:
    data = ("\ufeff" + ACME).replace("\n", "\r\n").encode()
    declaration = read_manifest("meta.yaml", data)
    assert declaration is not None and declaration.name == "acme-conda"


def test_real_feedstock_shape_with_helpers_and_selectors() -> None:
    declaration = parse(FEEDSTOCK)
    assert (declaration.status, declaration.name) == (ParseStatus.OK, "pip")


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{% set name = "Acme_Tool" %}package:\n  name: {{ name|lower|replace("_", "-") }}\n', "acme-tool"),
        ('{% set name = "acme" %}package:\n  name: {{ name|upper }}\n', "ACME"),
        ('package:\n  name: {{ ["acme", "lib"]|join("-") }}\n', "acme-lib"),
        ('{% set name = "zeta" %}package:\n  name: {{ name[0] }}{{ 42|string }}\n', "z42"),
        ('{% set name = "acme" %}package:\n  name: "{{ name }}-py"\n', "acme-py"),
        ('{% set parts = "acme.core".split(".") %}package:\n  name: {{ parts|join("-") }}\n', "acme-core"),
        ('{% set n = "acme" %}package:\n  name: {{ n ~ "-" ~ ("x" * 2) }}\n', "acme-xx"),
        ("{# a comment #}package:\n  name: {{ 'py-%s' % 'acme' }}\n", "py-acme"),
        ('{% set n = "a" %}{% if n == "a" %}package:\n  name: yes-branch\n{% endif %}', "yes-branch"),
        ("package:\n  name: {% for p in ['a', 'b'] %}{{ p }}{% endfor %}\n", "ab"),
    ],
)
def test_jinja_sets_filters_and_expressions(template: str, expected: str) -> None:
    declaration = parse(template)
    assert (declaration.status, declaration.name) == (ParseStatus.OK, expected)


@pytest.mark.parametrize("literal", ["1.10", "no", "0123", "on"])
def test_scalars_stay_strings(literal: str) -> None:
    # YAML 1.1 would make these 1.1, False, 83, True; names are text.
    assert parse(f"package:\n  name: {literal}\n  version: 1.10\n").name == literal


def test_name_from_setup_py_data_is_unsupported_not_guessed() -> None:
    template = "{% set data = load_setup_py_data() %}\npackage:\n  name: {{ data.get('name') }}\n"
    declaration = parse(template)
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "load_setup_py_data" in declaration.detail


def test_undefined_variable_in_name_is_unsupported() -> None:
    declaration = parse("package:\n  name: {{ pkg_name|lower }}\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "pkg_name" in declaration.detail


def test_unknown_helpers_elsewhere_do_not_lose_the_name() -> None:
    template = (
        "{% set v = load_file_regex(load_file='setup.py', regex_pattern='x').group(1) %}\n"
        "{% if py < 36 %}{% endif %}\n"
        "package:\n  name: acme\n  version: {{ v }}\n"
        "build:\n  string: {{ some_future_helper('x', 1) + 1 }}_{{ datetime.datetime.now().year }}\n"
        "requirements:\n  run:\n    - {{ environ.get('GIT_DESCRIBE_TAG', '0') }}\n"
        "    - {{ os.environ.get('HOME', 'x') }} {{ time.time() }}\n"
    )
    assert (parse(template).status, parse(template).name) == (ParseStatus.OK, "acme")


def test_conditions_on_build_variants_take_the_default_branch() -> None:
    # An unknown variant makes `!=` false as well as `==`: the recipe's default, not a guessed variant.
    template = (
        '{% set name = "acme" %}\n'
        '{% if cuda_compiler_version != "None" %}{% set name = name ~ "-cuda" %}{% endif %}\n'
        '{% set python_min = python_min|default("3.9") %}\n'
        "package:\n  name: {{ name }}\n  version: {{ python_min }}\n"
    )
    assert parse(template).name == "acme"


def test_helpers_never_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISTSCOUT_SECRET", "leaked")
    template = (
        "package:\n  name: acme{{ environ.get('DISTSCOUT_SECRET', '') }}"
        "{{ os.environ.get('DISTSCOUT_SECRET', '') }}{{ env.get('DISTSCOUT_SECRET', default='') }}\n"
    )
    declared = parse(template)  # the secret is never read: the name depends on the build machine
    assert declared.status is ParseStatus.UNSUPPORTED and "leaked" not in declared.detail


def test_helpers_never_read_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "setup.py").write_text("setup(name='from-disk')\n")
    monkeypatch.chdir(tmp_path)
    template = "{% set d = load_file_data('setup.py') %}package:\n  name: {{ d.name }}\n"
    assert parse(template).status is ParseStatus.UNSUPPORTED


def test_duplicate_key_on_selector_lines_takes_the_first() -> None:
    template = "package:\n  name: acme  # [win]\n  name: acme-unix  # [not win]\n  version: 1\n"
    declaration = parse(template)
    assert (declaration.status, declaration.name) == (ParseStatus.OK, "acme")


def test_duplicate_section_on_selector_lines_drops_the_whole_block() -> None:
    template = (
        "package:\n  name: acme\nsource:  # [win]\n  url: a\n  sha256: 1\n"
        "source:  # [not win]\n  url: b\n  sha256: 2\nbuild:\n  number: 0\n"
    )
    assert first_of_selected_duplicates(template).count("source:") == 1
    assert parse(template).name == "acme"


def test_duplicate_list_under_selector_key_is_dropped_with_it() -> None:
    text = "run:  # [win]\n- a\nrun:  # [unix]\n- b\nother: 1\n"
    assert first_of_selected_duplicates(text) == "run:  # [win]\n- a\nother: 1\n"


def test_same_key_in_different_list_items_is_kept() -> None:
    text = "outputs:\n  - name: a  # [win]\n  - name: b  # [unix]\n"
    assert first_of_selected_duplicates(text) == text


def test_duplicate_without_selector_is_left_to_yaml() -> None:
    text = "package:\n  name: a  # [win]\n  name: b\n"
    assert first_of_selected_duplicates(text) == text
    assert parse(text).name == "b"  # what conda-build itself does on every platform


def test_multi_output_recipe_uses_first_named_output() -> None:
    template = (
        '{% set name = "acme" %}\n'
        "outputs:\n  - script: x.sh\n  - name: lib{{ name }}\n  - name: {{ name }}-tools\n"
    )
    assert parse(template).name == "libacme"


def test_package_name_wins_over_outputs() -> None:
    template = "package:\n  name: acme-split\noutputs:\n  - name: libacme\n"
    assert parse(template).name == "acme-split"


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "# only a comment\n", "{% set x = 1 %}\n"],
)
def test_empty_recipes_have_no_name(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    ["about:\n  home: x\n", "package:\n  version: 1\n", "outputs:\n  - script: a\n", "package: acme\n"],
)
def test_recipes_without_name(text: str) -> None:
    assert parse(text).status is ParseStatus.NO_NAME


def test_non_string_name_has_no_name() -> None:
    assert parse("package:\n  name: [a, b]\n").status is ParseStatus.NO_NAME


@pytest.mark.parametrize(
    "text",
    [
        "{% if %}\npackage:\n  name: a\n",
        "{% for x in y %}\npackage:\n  name: a\n",
        "package:\n  name: {{ name\n",
        "{% endif %}",
    ],
)
def test_jinja_syntax_errors_are_malformed(text: str) -> None:
    declaration = parse(text)
    assert declaration.status is ParseStatus.MALFORMED
    assert "Jinja" in declaration.detail


@pytest.mark.parametrize(
    "text", ["package:\n  name: [unclosed\n", "package:\n\tname: tab\n", "- a\n- b\n", "just text\n"]
)
def test_malformed_yaml(text: str) -> None:
    assert parse(text).status is ParseStatus.MALFORMED


def _laughs(depth: int) -> str:
    """BILLION_LAUGHS with `depth` levels of aliases (9 there): 9**depth "lol"s once expanded."""
    names = "abcdefghijklmnopqrstuvwxyz"
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    levels += [
        f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]"
        for prev, cur in itertools.pairwise(names[:depth])
    ]
    return "\n".join(levels) + f"\npackage:\n  name: laughs\n  version: *{names[depth - 1]}\n"


def test_alias_bomb_is_neither_expanded_nor_walked() -> None:
    assert _laughs(9) == BILLION_LAUGHS
    declaration = parse(BILLION_LAUGHS)
    assert (declaration.status, declaration.name) == (ParseStatus.OK, "laughs")
    # 3 levels against 9: expanded or walked, the work would grow 9**6 times; as it is, with the text.
    assert_linear(lambda depth: parse(_laughs(depth)), 3, factor=3)


@pytest.mark.parametrize(
    "template",
    [
        "{{ ''.__class__.__mro__ }}\npackage:\n  name: a\n",
        "{{ cycler.__init__.__globals__ }}\npackage:\n  name: a\n",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}\npackage:\n  name: a\n",
        "{{ namespace.__init__.__globals__['os'] }}\npackage:\n  name: a\n",
        "{{ ''|attr('__class__') }}\npackage:\n  name: a\n",
        "{{ '{0.__class__}'.format('') }}\npackage:\n  name: a\n",
    ],
)
def test_sandbox_escapes_are_refused(template: str) -> None:
    declaration = parse(template)
    assert declaration.status in (ParseStatus.UNSUPPORTED, ParseStatus.MALFORMED)
    assert declaration.name is None


def test_sandbox_escape_runs_no_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    template = (
        "{{ cycler.__init__.__globals__.os.system('touch " + str(marker) + "') }}\n"
        "{{ joiner.__init__.__globals__['os'].popen('touch " + str(marker) + "').read() }}\n"
        "package:\n  name: a\n"
    )
    parse(template)
    assert not marker.exists()


def _refused(template: str) -> None:
    declaration = parse(template + "\npackage:\n  name: a\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "refused" in declaration.detail or "raised" in declaration.detail


# Each bomb is built at a size n: the original template is n = size. It is refused at size // 4 too,
# and refusing it must cost no more there than at size // 4 (within the linear-growth bound of 10):
# a bomb that got past the budget would grow with n, mostly exponentially.
@pytest.mark.parametrize(
    ("bomb", "size"),
    [
        pytest.param(lambda n: f"{{% for i in range({n}) %}}x{{% endfor %}}", 10**9, id="range-loop"),
        pytest.param(lambda n: f"{{{{ range({n})|list }}}}", 10**9, id="range-list"),
        pytest.param(
            lambda n: f"{{% for i in range({n}) %}}{{% for j in range({n}) %}}{{% endfor %}}{{% endfor %}}",
            100_000,
            id="nested-loops",
        ),
        pytest.param(lambda n: f"{{{{ 'x' * {n} }}}}", 10**9, id="repeat"),
        pytest.param(lambda n: f"{{{{ 'x'.center({n}) }}}}", 10**9, id="center"),
        pytest.param(lambda n: f"{{{{ '%{n}d' % 1 }}}}", 999_999_999, id="percent-width"),
        pytest.param(lambda n: f"{{{{ '{{:>{n}}}'.format(1) }}}}", 999_999_999, id="format-width"),
        pytest.param(
            lambda n: f"{{{{ 'ab'|replace('', 'x' * {n})|replace('', 'y' * {n}) }}}}", 100_000, id="replace"
        ),
        pytest.param(
            lambda n: (
                "{% macro f(n) %}{% if n %}{{ f(n-1) }}{{ f(n-1) }}{% endif %}{% endmacro %}"
                f"{{{{ f({n}) }}}}"
            ),
            60,
            id="macro-fork",
        ),
        pytest.param(
            lambda n: (
                f"{{% set s = namespace(v='xx') %}}{{% for i in range({n}) %}}"
                "{% set s.v = s.v ~ s.v %}{% endfor %}"
            ),
            200,
            id="namespace-doubling",
        ),
        pytest.param(
            lambda n: f"{{% set l = [1] %}}{{% for i in range({n}) %}}{{% do l.extend(l) %}}{{% endfor %}}",
            200,
            id="list-doubling",
        ),
        pytest.param(
            lambda n: f"{{% for i in range({n}) %}}{{{{ 'x' * 100 }}}}{{% endfor %}}",
            100_000,
            id="output-loop",
        ),
    ],
)
def test_pathological_templates_are_refused_quickly(bomb: Callable[[int], str], size: int) -> None:
    # Refused at both sizes (`_refused` asserts it on every run), at about the same cost: far under
    # the bound, so two repetitions suffice.
    assert_linear(lambda n: _refused(bomb(n)), size // 4, repeat=2)


def test_unbounded_recursion_is_refused_quickly() -> None:
    # No size to vary: the recursion stops at Python's own limit. It must cost no more than a
    # template that spends the whole step budget, one loop iteration at a time.
    recursion = "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"
    budget_spent = "{% for i in range(100000) %}{% endfor %}"
    _refused(recursion)
    _refused(budget_spent)
    assert_costs_at_most(lambda: _refused(recursion), lambda: _refused(budget_spent), 5)


def _list_bomb(width: int) -> str:
    """Nine levels of lists, each holding `width` copies of the one below: width**9 "lol"s."""
    items = ", ".join(["'lol'"] * width)
    levels = [f"{{% set a0 = [{items}] %}}"]
    levels += [f"{{% set a{n} = [{', '.join([f'a{n - 1}'] * width)}] %}}" for n in range(1, 9)]
    return "".join(levels) + "{{ a8 }}\npackage:\n  name: a\n"


def test_jinja_list_bomb_is_refused() -> None:
    def refused(width: int) -> None:
        assert parse(_list_bomb(width)).status is ParseStatus.UNSUPPORTED

    # Width 5 against the original 10: the bomb grows 2**9 = 512 times; refusing it costs the same.
    assert_linear(refused, 5, factor=2, repeat=2)


def test_registry_contains_pathological_template() -> None:
    declaration = read_manifest("recipe/meta.yaml", "{% for i in range(10**9) %}{% endfor %}")
    assert declaration is not None
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert declaration.intent is False


def test_runtime_error_is_recorded() -> None:
    declaration = parse("{{ 1 / 0 }}\npackage:\n  name: a\n")
    assert declaration.status is ParseStatus.UNSUPPORTED
    assert "ZeroDivisionError" in declaration.detail


def test_include_has_no_loader() -> None:
    assert parse("{% include '/etc/passwd' %}\npackage:\n  name: a\n").status is ParseStatus.UNSUPPORTED


@pytest.mark.parametrize(
    ("line", "size"),
    [
        pytest.param(lambda n: "b" + " " * n + "c", 500_000, id="spaces"),
        pytest.param(lambda n: "# [" * n, 200_000, id="selectors"),
        pytest.param(lambda n: "- " * n + "k: v  # [win]", 200_000, id="dashes"),
        pytest.param(lambda n: "k:" + " " * n + "# [x", 500_000, id="open-selector"),
    ],
)
def test_long_lines_stay_linear(line: Callable[[int], str], size: int) -> None:
    # The original line (n = size) against a quarter of it, in the same run.
    assert_linear(lambda n: parse(f"package:\n  name: a\n  name: b  # [win]\n{line(n)}\n"), size // 4)


@pytest.mark.parametrize(
    "value",
    [
        "{{ environ.get('HOME') }}",  # rendered "None" before: a guessed name
        "{{ d.name if d else 'fallback' }}",  # rendered "fallback": the build decides, not the default
        "{{ os.environ['PKG'] }}",
        "{{ 'acme' ~ environ.get('SUFFIX', '') }}",
    ],
)
def test_a_name_known_only_at_build_time_is_unsupported(value: str) -> None:
    declared = parse(f"package:\n  name: {value}\n")
    assert declared.status is ParseStatus.UNSUPPORTED and declared.name is None
    assert "the recipe does not define" in declared.detail


def test_a_condition_on_known_values_still_renders() -> None:
    assert (
        parse("{% set gpu = false %}package:\n  name: {{ 'acme-gpu' if gpu else 'acme' }}\n").name == "acme"
    )
