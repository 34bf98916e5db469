"""Sandboxed, bounded Jinja rendering shared by the conda recipe parsers (meta.yaml, recipe.yaml).

Recipes are templates written by strangers. Rendering must never read files or the environment, never
run code outside Jinja's sandbox, and never take unbounded time or memory. The sandbox blocks attribute
escapes (`''.__class__`); it does not bound work. So every loop iteration, call, filter, test, operator,
comparison, literal and piece of output is charged to a per-`Renderer` budget, and the operations that
can amplify (`*`, `**`, `%`, `center`, `indent`, `replace`, `join`, format widths ...) are estimated
before they run. Names a recipe does not define render as a marker (see `unresolved`), so a name that
depends on build-time values is reported as such instead of being guessed.

This module is the `Renderer` the parsers use; the budget and every limit live in `_jinja_budget`, the
guarded environment in `_jinja_sandbox`, unknown values and their markers in `_jinja_unknown`.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import TemplateAssertionError, TemplateSyntaxError, meta, nodes

from distscout.manifests.declaration import Declaration
from distscout.manifests.parsers._jinja_budget import (
    MAX_CODE,
    MAX_OUTPUT,
    MAX_TEMPLATES,
    Budget,
    TemplateFailed,
)
from distscout.manifests.parsers._jinja_sandbox import BoundedSandbox, GuardTransformer
from distscout.manifests.parsers._jinja_unknown import Unknown, unresolved

__all__ = [
    "MAX_OUTPUT",
    "Renderer",
    "TemplateFailed",
    "TemplateInvalid",
    "Unknown",
    "declared_name",
    "unresolved",
]

_TAG_START = re.compile(r"\{\{|\{%")


class TemplateInvalid(Exception):
    """The template is not valid Jinja."""


def _placeholder(kind: str) -> Callable[..., str]:
    """A conda-build helper whose result only matters for requirements, never for the name."""

    def helper(*args: Any, **kwargs: Any) -> str:
        return " ".join([kind, *(str(arg) for arg in args[:1])])

    helper.__name__ = kind
    return helper


class _Environ(dict[str, Any]):
    """conda-build's `environ` (and `os.environ`): the build machine's variables, unknown here. Every read
    is an unknown value, whatever default it names: at build time the variable may well be set."""

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(key, Unknown(name=f"environ.{key}"))

    def __getitem__(self, key: Any) -> Any:
        return self.get(key)


class _EnvStub:
    """rattler-build's `env`: the build machine's variables, unknown here, whatever default is named."""

    def get(self, name: str, default: Any = None) -> Any:
        return Unknown(name=f"env.{name}")

    def exists(self, name: str) -> bool:
        return False


def _globals() -> dict[str, Any]:
    """Fresh per Renderer: a template may mutate these (`environ.update(...)`), never another's."""
    environ = _Environ()  # a template may set a variable itself (`environ.update(...)`): that one is known
    helpers = {
        kind: _placeholder(kind) for kind in ("compiler", "stdlib", "cdt", "pin_compatible", "pin_subpackage")
    }
    # Helpers that would read files, run Python or look at the clock stay unknown: their results
    # are not in the recipe text, so a name built from them is not statically known.
    unknown = (
        "load_setup_py_data load_setuptools load_file_data load_file_regex load_str_data load_npm "
        "load_from_file installed resolved_packages datetime time PYTHON python_min PY_VER NPY_VER"
    )
    names: dict[str, Any] = {name: Unknown(name=name) for name in unknown.split()}
    os_stub = types.SimpleNamespace(environ=_Environ(), sep="/", pathsep=":", linesep="\n", name="posix")
    return {**names, **helpers, "environ": environ, "os": os_stub, "env": _EnvStub()}


class Renderer:
    """Renders templates under one shared budget; `expressions_only` disables `{% %}` and `{# #}`."""

    def __init__(self, *, expressions_only: bool = False) -> None:
        options: dict[str, Any] = {"extensions": ["jinja2.ext.do"]}
        if expressions_only:  # rattler-build: values are plain text around `{{ }}`, no statements
            options = {
                "block_start_string": "\ue002{%",
                "block_end_string": "%}\ue002",
                "comment_start_string": "\ue002{#",
                "comment_end_string": "#}\ue002",
            }
        self._budget = Budget()
        self._environment = BoundedSandbox(self._budget, **options)
        self._environment.globals.update(_globals())
        self._templates = 0

    def names(self, source: str) -> frozenset[str]:
        """The variables `source` reads and does not set itself."""
        return frozenset(meta.find_undeclared_variables(self._parse(source)))

    def render(self, source: str, variables: Mapping[str, Any] | None = None) -> str:
        try:
            tree = GuardTransformer().visit(self._parse(source))
            template = self._environment.from_string(tree)
        except TemplateAssertionError as exc:  # an unknown filter or test: maybe a tool's own
            raise TemplateFailed(exc.message or "unknown filter") from None
        except TemplateSyntaxError as exc:
            raise TemplateInvalid(_describe(exc)) from None
        except (RecursionError, SyntaxError, ValueError) as exc:
            raise TemplateFailed(f"cannot compile the template: {type(exc).__name__}") from None
        text = _run(template.render, dict(variables or {}))
        if len(text) > MAX_OUTPUT:
            raise TemplateFailed(f"refused: rendered text over {MAX_OUTPUT} characters")
        return text

    def _parse(self, source: str) -> nodes.Template:
        self._templates += 1
        if self._templates > MAX_TEMPLATES:
            raise TemplateFailed("refused: too many templates in one file")
        if _code_size(source) > MAX_CODE:
            raise TemplateFailed(f"refused: over {MAX_CODE} characters of template code")
        try:
            return self._environment.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateInvalid(_describe(exc)) from None
        except (RecursionError, ValueError, OverflowError) as exc:  # deep nesting, huge literals
            raise TemplateInvalid(f"unreadable template: {type(exc).__name__}") from None


def _code_size(source: str) -> int:
    """Characters inside `{{ }}` and `{% %}` tags (to the end of the text if one is not closed)."""
    total, position = 0, 0
    while total <= MAX_CODE and (start := _TAG_START.search(source, position)) is not None:
        closer = "}}" if start.group() == "{{" else "%}"
        end = source.find(closer, start.end())
        if end < 0:
            return total + len(source) - start.start()
        total += end - start.start()
        position = end + 2
    return total


def _run(render: Callable[[dict[str, Any]], str], variables: dict[str, Any]) -> str:
    try:
        return render(variables)
    except (TemplateFailed, TemplateInvalid):
        raise
    except Exception as exc:  # noqa: BLE001 - template code can raise anything; it is contained here
        raise TemplateFailed(_first_line(f"the template raised {type(exc).__name__}: {exc}")) from None


def _describe(exc: TemplateSyntaxError) -> str:
    return _first_line(f"invalid Jinja (line {exc.lineno}): {exc.message}")


def _first_line(text: str) -> str:
    return (text.splitlines() or [""])[0][:200]


def declared_name(field: str, name: str) -> Declaration:
    """A rendered name, unless it was built from something the recipe does not define."""
    missing = unresolved(name)
    if missing is not None:
        return Declaration.unsupported(f"{field} depends on `{missing}`, which the recipe does not define")
    return Declaration.named(name, reason=field)
