"""pyproject.toml: PEP 621 `[project].name`, else `[tool.poetry].name` (or legacy flit metadata).

No-publish signals, as each tool spells them: Poetry `package-mode = false`, uv `package = false`,
PDM `distribution = false`, and the PyPI classifier `Private :: Do Not Upload` (PyPI refuses uploads
that carry it).
"""

from __future__ import annotations

from typing import Any

from distscout.manifests.declaration import Declaration
from distscout.manifests.formats import ManifestError, load_toml, string, table
from distscout.manifests.registry import ManifestParser

_PRIVATE_CLASSIFIER = "private :: do not upload"


def parse(text: str, filename: str = "pyproject.toml") -> Declaration:
    try:
        document = load_toml(text)
    except ManifestError as exc:
        return Declaration.malformed(str(exc))
    tool = table(document, "tool")
    project, poetry = table(document, "project"), table(tool, "poetry")
    flit_metadata = table(table(tool, "flit"), "metadata")
    name = (
        string(project.get("name"))
        or string(poetry.get("name"))
        or string(flit_metadata.get("dist-name"))
        or string(flit_metadata.get("module"))
    )
    opt_out = _no_publish_reason(tool, project, poetry)
    if name is None:
        if opt_out:
            return Declaration.no_name(opt_out)
        return Declaration.no_name("no [project] or [tool.poetry] name")
    if opt_out:
        return Declaration.named(name, intent=False, reason=opt_out)
    return Declaration.named(name)


def _no_publish_reason(tool: dict[str, Any], project: dict[str, Any], poetry: dict[str, Any]) -> str | None:
    if poetry.get("package-mode") is False:
        return "[tool.poetry] package-mode = false"
    if table(tool, "uv").get("package") is False:
        return "[tool.uv] package = false"
    if table(tool, "pdm").get("distribution") is False:
        return "[tool.pdm] distribution = false"
    for classifiers in (project.get("classifiers"), poetry.get("classifiers")):
        if isinstance(classifiers, list) and any(
            isinstance(c, str) and c.strip().lower() == _PRIVATE_CLASSIFIER for c in classifiers
        ):
            return "classifier Private :: Do Not Upload"
    return None


PARSER = ManifestParser(
    manifest_type="pypi", key="pyproject", version=1, parse=parse, filenames=frozenset({"pyproject.toml"})
)
