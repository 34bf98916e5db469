"""The shared sandboxed renderer behind the conda recipe parsers."""

from __future__ import annotations

import pytest

from distscout.manifests.parsers._jinja import (
    MAX_OUTPUT,
    Renderer,
    TemplateFailed,
    TemplateInvalid,
    unresolved,
)


def render(source: str, **variables: object) -> str:
    return Renderer().render(source, variables)


def test_unknown_names_render_as_markers() -> None:
    text = render("{{ missing }}-{{ missing.attr('x')[0]|lower }}-{{ load_setup_py_data().name }}")
    assert unresolved(text) == "missing"
    assert unresolved(render("{{ load_setup_py_data().get('name') }}")) == "load_setup_py_data"
    assert unresolved("plain") is None


def test_filters_of_unknown_values_stay_unknown() -> None:
    assert unresolved(render("{{ missing|length }}{{ missing|join('-') }}")) == "missing"
    assert render("{{ missing|default('fallback') }}") == "fallback"
    assert render("{{ missing is defined }}") == "False"


def test_unknown_values_absorb_operators() -> None:
    assert unresolved(render("{{ missing + 1 }}{{ 2 * missing }}{{ -missing }}")) == "missing"
    assert render("{{ missing < 3 }} {{ missing >= 3 }}") == "False False"


def test_helpers_are_harmless_stubs() -> None:
    assert (
        render("{{ compiler('c') }}|{{ pin_subpackage('x', exact=True) }}") == "compiler c|pin_subpackage x"
    )
    # the build machine's variables are unknown here, whatever default is named (markers, never values)
    assert unresolved(render("{{ environ.get('PATH', 'none') }}")) == "environ.PATH"
    assert unresolved(render("{{ os.environ['PATH'] }}")) == "environ.PATH"
    assert unresolved(render("{{ env.get('PATH', default='e') }}")) == "env.PATH"
    assert render("{{ env.exists('PATH') }}") == "False"


def test_globals_are_fresh_per_renderer() -> None:
    assert render("{% do environ.update({'X': '1'}) %}{{ environ['X'] }}") == "1"
    assert unresolved(render("{{ environ.get('X', 'unset') }}")) == "environ.X"


def test_one_renderer_keeps_one_budget() -> None:
    renderer = Renderer()
    for _ in range(3):
        renderer.render("{% for i in range(10000) %}{% endfor %}")
    with pytest.raises(TemplateFailed, match="too much work"):
        for _ in range(10):
            renderer.render("{% for i in range(10000) %}{% endfor %}")


def test_expressions_only_mode_treats_statements_as_text() -> None:
    renderer = Renderer(expressions_only=True)
    assert renderer.render("{% set x = 1 %}{# c #}{{ 1 + 1 }}") == "{% set x = 1 %}{# c #}2"
    assert renderer.names("{{ a ~ b|lower }}") == frozenset({"a", "b"})


def test_reasonable_widths_and_formats_are_allowed() -> None:
    assert render("{{ '%5s|%-3d' % ('ab', 7) }}") == "   ab|7  "
    assert render("{{ '{:>4}'.format('x') }}{{ 'ab'.center(6, '*') }}") == "   x**ab**"
    assert render("{{ 'a\nb'|indent(2, first=True) }}") == "  a\n  b"
    assert render("{{ 2 ** 10 }} {{ range(3)|list }}") == "1024 [0, 1, 2]"


@pytest.mark.parametrize(
    "source",
    [
        "{{ 2 ** 100000 }}",
        "{{ (10 ** 600) * (10 ** 700) }}",
        "{{ 'x'.ljust(10**6) }}",
        "{{ 'a\tb'.expandtabs(99999) * 100 }}",
        "{{ ('x\n' * 50000)|indent(1000) }}",
        "{{ '%*d' % (10**9, 1) }}",
        "{{ '{0:{1}{1}}'.format('x', 99999) }}",
        "{{ 'x'|format() ~ '%99999999s'|format('a') }}",
        "{% for x in range(100000) recursive %}{{ loop(range(100000)) if x == 0 }}{% endfor %}",
        "{% set l = [] %}{% do l.append(l) %}{{ l }}",
    ],
)
def test_amplifiers_are_refused(source: str) -> None:
    with pytest.raises(TemplateFailed, match="refused"):
        render(source)


def test_output_cap() -> None:
    with pytest.raises(TemplateFailed):
        render("x" * (MAX_OUTPUT + 1))


def test_huge_template_is_refused() -> None:
    with pytest.raises((TemplateFailed, TemplateInvalid)):
        render("{{ a }}" * 60_000)


def test_deeply_nested_template_is_contained() -> None:
    with pytest.raises((TemplateFailed, TemplateInvalid)):
        render("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
    with pytest.raises((TemplateFailed, TemplateInvalid)):
        render("{% if 1 %}" * 500 + "{% endif %}" * 500)


def test_unknown_filter_is_a_failure_not_a_syntax_error() -> None:
    with pytest.raises(TemplateFailed, match="No filter named"):
        render("{{ x|no_such_filter }}")
    with pytest.raises(TemplateInvalid):
        render("{{ x | }}")
