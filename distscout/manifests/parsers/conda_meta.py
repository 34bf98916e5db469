"""conda-build recipe (meta.yaml): `package.name` after rendering the Jinja template in a sandbox.

`{% set %}` variables, filters and expressions are rendered; conda-build's helpers
(`load_setup_py_data`, `compiler`, `pin_compatible`, `environ` ...) are stubs that never read files or
the environment, so a name built from them is reported as unsupported rather than guessed.
`# [selector]` comments are not evaluated: when selector lines give one key twice, the first wins.
A multi-output recipe without `package.name` is named by its first output. conda recipes carry no
no-publish signal.
"""

from __future__ import annotations

from typing import Any

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_yaml, table
from distscout.manifests.parsers._jinja import Renderer, TemplateFailed, TemplateInvalid, declared_name
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "meta.yaml") -> Declaration:
    try:
        rendered = Renderer().render(text)
    except TemplateInvalid as exc:
        return Declaration.malformed(str(exc))
    except TemplateFailed as exc:
        return Declaration.unsupported(f"cannot render the template: {exc}")
    try:
        document = load_yaml(first_of_selected_duplicates(rendered))
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    if document is None:
        return Declaration.no_name("empty recipe")
    if not isinstance(document, dict):
        return Declaration.malformed(f"{filename} is not a YAML mapping")
    field, name = _name_field(document)
    if name is None:
        return Declaration.no_name("no package.name and no named output")
    if not isinstance(name, str):
        return Declaration.no_name(f"{field} is not a string")
    return declared_name(field, name)


def _name_field(document: dict[str, Any]) -> tuple[str, object]:
    name = table(document, "package").get("name")
    if name is not None:
        return "package.name", name
    outputs = document.get("outputs")
    for output in outputs if isinstance(outputs, list) else ():
        if isinstance(output, dict) and output.get("name") is not None:
            return "outputs[].name", output["name"]
    return "package.name", None


def first_of_selected_duplicates(text: str) -> str:
    """Drop a key that repeats in its mapping on a `# [selector]` line, with the block under it.

    conda-build filters selector lines before YAML sees them, so a recipe may spell one key per
    platform (`name: a  # [win]` / `name: b  # [not win]`). Without evaluating selectors, YAML would
    keep the last; keeping the first is as good a guess and stays deterministic. Only lines carrying
    a selector are ever dropped.
    """
    kept: list[str] = []
    seen: dict[int, set[str]] = {}  # indentation column -> keys of the mapping open at that column
    skipping_under: int | None = None
    for line in text.split("\n"):
        content = line.lstrip(" ")
        column = len(line) - len(content)
        if skipping_under is not None and (
            not content or column > skipping_under or (column == skipping_under and content[:2] == "- ")
        ):
            continue  # the nested block of a dropped key
        skipping_under = None
        if not content or content.startswith("#"):
            kept.append(line)
            continue
        for deeper in [c for c in seen if c > column]:
            del seen[deeper]  # the mappings nested deeper than this line have ended
        dashes, key = _mapping_key(content)
        if key is not None:
            key_column = column + dashes
            if dashes:
                seen.pop(key_column, None)  # a list item opens a new mapping
            keys = seen.setdefault(key_column, set())
            if key in keys and _has_selector(content):
                skipping_under = key_column
                continue
            keys.add(key)
        kept.append(line)
    return "\n".join(kept)


def _mapping_key(content: str) -> tuple[int, str | None]:
    """The width of leading list dashes, and the block-mapping key after them (`- name: x`).

    Plain string scanning, no regex: rendered lines can be long and must stay linear.
    """
    start = 0
    while content.startswith("-", start) and content[start + 1 : start + 2] in ("", " "):
        start += 1
        while content.startswith(" ", start):
            start += 1
    colon = content.find(": ", start)
    if colon < 0 and content.endswith(":"):
        colon = len(content) - 1
    key = content[start:colon].rstrip() if colon >= 0 else ""
    if not key or "#" in key or key[0] in "{[&*!|>%@`":
        return start, None
    return start, key


def _has_selector(content: str) -> bool:
    """Whether the line ends in a conda-build selector comment: `# [win]`, `# py<38 [py<38]`."""
    stripped = content.rstrip()
    hash_at, bracket_at = stripped.find("#"), stripped.rfind("[")
    return stripped.endswith("]") and 0 <= hash_at < bracket_at and "]" not in stripped[bracket_at:-1]


PARSER = ManifestParser(
    manifest_type="conda",
    key="conda-meta",
    version=2,
    parse=parse,
    filenames=frozenset({"meta.yaml", "meta.yml"}),
)
