"""rattler-build recipe (recipe.yaml): `package.name` after evaluating its `${{ ... }}` expression.

The file is plain YAML. `context:` entries are evaluated top to bottom, each able to use earlier ones,
in the same sandbox as meta.yaml, and only the entries the name needs. A multi-output recipe
(`recipe:` + `outputs:`) is named by `recipe.name`, else by its first output's `package.name`. Boa's
older spelling without the `$` is read too. conda recipes carry no no-publish signal.
"""

from __future__ import annotations

from typing import Any

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_yaml, table
from distscout.manifests.parsers._jinja import (
    Renderer,
    TemplateFailed,
    TemplateInvalid,
    Unknown,
    declared_name,
)
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "recipe.yaml") -> Declaration:
    try:
        document = load_yaml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if document is None:
        return Declaration.no_name("empty recipe")
    if not isinstance(document, dict):
        return Declaration.malformed(f"{filename} is not a YAML mapping")
    field, expression = _name_field(document)
    if expression is None:
        return Declaration.no_name("no package.name, recipe.name or output package.name")
    if not isinstance(expression, str):
        return Declaration.no_name(f"{field} is not a string")
    try:
        name = _evaluate(expression, table(document, "context"))
    except TemplateInvalid as exc:
        return Declaration.malformed(f"{field}: {exc}")
    except TemplateFailed as exc:
        return Declaration.unsupported(f"cannot evaluate {field}: {exc}")
    return declared_name(field, name)


def _name_field(document: dict[str, Any]) -> tuple[str, object]:
    for section in ("package", "recipe"):
        name = table(document, section).get("name")
        if name is not None:
            return f"{section}.name", name
    outputs = document.get("outputs")
    for output in outputs if isinstance(outputs, list) else ():
        name = table(_unconditional(output), "package").get("name")
        if name is not None:
            return "outputs[].package.name", name
    return "package.name", None


def _unconditional(output: object) -> dict[str, Any]:
    """An output, or the `then:` branch of an `if:`/`then:` output (the first, if it is a list)."""
    if not isinstance(output, dict) or "if" not in output:
        return output if isinstance(output, dict) else {}
    branch = output.get("then")
    if isinstance(branch, list):
        branch = branch[0] if branch else None
    return branch if isinstance(branch, dict) else {}


def _jinja_source(value: str) -> str | None:
    """The Jinja form of a value, or None when it holds no expression (then it is literal text)."""
    source = value.replace("${{", "{{")  # boa wrote `{{ }}`; rattler-build writes `${{ }}`
    return source if "{{" in source else None


def _evaluate(expression: str, context: dict[str, Any]) -> str:
    source = _jinja_source(expression)
    if source is None:
        return expression
    renderer = Renderer(expressions_only=True)
    return renderer.render(source, _context_values(context, renderer.names(source), renderer))


def _context_values(context: dict[str, Any], wanted: frozenset[str], renderer: Renderer) -> dict[str, Any]:
    """Evaluate, in file order, the context entries `wanted` needs directly or through other entries.

    An entry sees only the entries above it, as in rattler-build; later or missing ones stay unknown.
    Entries nothing needs are never rendered, so a huge context costs nothing.
    """
    entries = [(key, value) for key, value in context.items() if isinstance(key, str)]
    position = {key: index for index, (key, _) in enumerate(entries)}
    needed: set[str] = set()
    pending = [name for name in wanted if name in position]
    while pending:
        key = pending.pop()
        if key in needed:
            continue
        needed.add(key)
        value = entries[position[key]][1]
        source = _jinja_source(value) if isinstance(value, str) else None
        if source is not None:
            above = position[key]
            pending.extend(n for n in renderer.names(source) if position.get(n, above) < above)
    values: dict[str, Any] = {}
    for key, value in entries:
        if key in needed:
            values[key] = _context_value(key, value, values, renderer)
    return values


def _context_value(key: str, value: object, earlier: dict[str, Any], renderer: Renderer) -> Any:
    if not isinstance(value, str):  # context values are scalars; a list or mapping is not a name part
        return Unknown(name=key)
    source = _jinja_source(value)
    return value if source is None else renderer.render(source, dict(earlier))


PARSER = ManifestParser(
    manifest_type="conda",
    key="conda-recipe",
    version=2,
    parse=parse,
    filenames=frozenset({"recipe.yaml"}),
)
