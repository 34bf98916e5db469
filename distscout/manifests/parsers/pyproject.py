"""pyproject.toml: PEP 621 `[project].name`, else `[tool.poetry].name` (or legacy flit metadata).

No-publish signals, as each tool spells them: Poetry `package-mode = false`, uv `package = false`,
PDM `distribution = false`, and any `Private ::` classifier such as `Private :: Do Not Upload` (PyPI
refuses uploads that carry one), in `[project]`, `[tool.poetry]` or legacy flit metadata.
"""

from __future__ import annotations

from typing import Any

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_toml, string, table
from distscout.manifests.parsers._pypi_classifiers import private_classifier
from distscout.manifests.registry import ManifestParser


def parse(text: str, filename: str = "pyproject.toml") -> Declaration:
    try:
        document = load_toml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    tool = table(document, "tool")
    project, poetry = table(document, "project"), table(tool, "poetry")
    flit_metadata = table(table(tool, "flit"), "metadata")
    named = (
        ("[project] name", string(project.get("name"))),
        ("[tool.poetry] name", string(poetry.get("name"))),
        ("[tool.flit.metadata] dist-name", string(flit_metadata.get("dist-name"))),
        ("[tool.flit.metadata] module", string(flit_metadata.get("module"))),
    )
    field, name = next(((field, name) for field, name in named if name is not None), ("", None))
    opt_out = _no_publish_reason(tool, project, poetry, flit_metadata)
    if name is None:
        if opt_out:
            return Declaration.no_name(opt_out)
        return Declaration.no_name("no [project] or [tool.poetry] name")
    if opt_out:
        return Declaration.named(name, intent=False, reason=opt_out)
    return Declaration.named(name, reason=f"{field}, not opted out of publishing")


def _no_publish_reason(
    tool: dict[str, Any], project: dict[str, Any], poetry: dict[str, Any], flit_metadata: dict[str, Any]
) -> str | None:
    if poetry.get("package-mode") is False:
        return "[tool.poetry] package-mode = false"
    if table(tool, "uv").get("package") is False:
        return "[tool.uv] package = false"
    if table(tool, "pdm").get("distribution") is False:
        return "[tool.pdm] distribution = false"
    return private_classifier(_classifiers(project, poetry, flit_metadata))


def _classifiers(*metadata_tables: dict[str, Any]) -> list[str]:
    """The string classifiers of each table (a value of the wrong type is no classifier)."""
    found: list[str] = []
    for metadata in metadata_tables:
        listed = metadata.get("classifiers")
        if isinstance(listed, list):
            found.extend(value for value in listed if isinstance(value, str))
    return found


PARSER = ManifestParser(
    manifest_type="pypi", key="pyproject", version=3, parse=parse, filenames=frozenset({"pyproject.toml"})
)
