"""Workspace declarations: the files that say where a monorepo keeps its packages.

Each reader turns one file into member patterns relative to that file's directory
(`packages/*`, `crates/cli`, `!**/test/**`). The walk planner uses them to find member manifests at any
depth. Readers are pure and tolerant: a file they cannot read declares no members.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from distscout.manifests.formats import (
    ManifestError,
    child,
    load_json,
    load_toml,
    load_yaml,
    local_name,
    parse_xml,
    table,
)


@dataclass(frozen=True, slots=True)
class WorkspaceReader:
    filenames: frozenset[str]
    members: Callable[[str], list[str]]
    suffixes: tuple[str, ...] = ()

    def claims(self, filename: str) -> bool:
        return filename in self.filenames or (
            bool(self.suffixes) and filename.lower().endswith(self.suffixes)
        )


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _npm(text: str) -> list[str]:
    document = load_json(text)
    if not isinstance(document, dict):
        return []
    workspaces = document.get("workspaces")
    if isinstance(workspaces, dict):  # yarn classic: {"packages": [...], "nohoist": [...]}
        workspaces = workspaces.get("packages")
    return _strings(workspaces)


def _yaml_list(key: str) -> Callable[[str], list[str]]:
    def read(text: str) -> list[str]:
        document = load_yaml(text)
        return _strings(document.get(key)) if isinstance(document, dict) else []

    return read


def _lerna(text: str) -> list[str]:
    document = load_json(text)
    if not isinstance(document, dict):
        return []
    # Lerna's default when `packages` is absent.
    return _strings(document.get("packages")) if "packages" in document else ["packages/*"]


def _cargo(text: str) -> list[str]:
    workspace = table(load_toml(text), "workspace")
    return _strings(workspace.get("members")) + ["!" + e for e in _strings(workspace.get("exclude"))]


def _uv(text: str) -> list[str]:
    workspace = table(table(table(load_toml(text), "tool"), "uv"), "workspace")
    return _strings(workspace.get("members")) + ["!" + e for e in _strings(workspace.get("exclude"))]


def _maven(text: str) -> list[str]:
    project = parse_xml(text)
    found: list[str] = []
    for container in [project, *_descendants(project, "profile")]:
        modules = child(container, "modules")
        if modules is not None:
            found += [
                m.text.strip() for m in modules if local_name(m) == "module" and m.text and m.text.strip()
            ]
    return [module for module in found if module]


def _descendants(element: Any, name: str) -> list[Any]:
    return [node for node in element.iter() if local_name(node) == name]


_GRADLE_INCLUDE = re.compile(r"""^\s*include\b[ \t(]*([^\n]*)""", re.MULTILINE)
_QUOTED = re.compile(r"""["']([^"'\n]+)["']""")


def _gradle(text: str) -> list[str]:
    members = []
    for line in _GRADLE_INCLUDE.findall(text):
        for project_path in _QUOTED.findall(line):
            members.append(project_path.strip(":").replace(":", "/"))
    return [m for m in members if m]


def _cabal_project(text: str) -> list[str]:
    members: list[str] = []
    in_packages = False
    for raw in text.splitlines():
        line = raw.split("--", 1)[0].rstrip()
        field = re.match(r"^(packages|optional-packages)\s*:(.*)$", line, re.IGNORECASE)
        if field:
            in_packages = True
            members += field.group(2).split()
        elif in_packages and line[:1].isspace() and line.strip():
            members += line.split()
        else:
            in_packages = False
    return [m for m in members if "://" not in m]


_GO_USE = re.compile(r"^\s*use\s*(?:\(([^)]*)\)|(\S+))", re.MULTILINE)


def _go_work(text: str) -> list[str]:
    members = []
    for block, single in _GO_USE.findall(text):
        for line in (block or single).split("\n"):
            entry = line.split("//", 1)[0].strip().strip('"')
            if entry:
                members.append(entry)
    return members


_SLN_PROJECT = re.compile(r'^Project\("[^"]*"\)\s*=\s*"[^"]*",\s*"([^"]+)"', re.MULTILINE)


def _solution(text: str) -> list[str]:
    if text.lstrip().startswith("<"):  # .slnx: <Solution><Project Path="..."/></Solution>
        return [p.replace("\\", "/") for p in re.findall(r'<Project\s[^>]*Path="([^"]+)"', text)]
    return [p.replace("\\", "/") for p in _SLN_PROJECT.findall(text) if "." in p.rsplit("/", 1)[-1]]


READERS: tuple[WorkspaceReader, ...] = (
    WorkspaceReader(frozenset({"package.json"}), _npm),
    WorkspaceReader(frozenset({"pnpm-workspace.yaml", "pnpm-workspace.yml"}), _yaml_list("packages")),
    WorkspaceReader(frozenset({"lerna.json"}), _lerna),
    WorkspaceReader(frozenset({"Cargo.toml"}), _cargo),
    WorkspaceReader(frozenset({"pyproject.toml"}), _uv),
    WorkspaceReader(frozenset({"pom.xml"}), _maven),
    WorkspaceReader(frozenset({"settings.gradle", "settings.gradle.kts"}), _gradle),
    WorkspaceReader(frozenset({"cabal.project"}), _cabal_project),
    WorkspaceReader(frozenset({"pubspec.yaml"}), _yaml_list("workspace")),
    WorkspaceReader(frozenset({"go.work"}), _go_work),
    WorkspaceReader(frozenset(), _solution, suffixes=(".sln", ".slnx")),
)


def reader_for(filename: str) -> WorkspaceReader | None:
    return next((reader for reader in READERS if reader.claims(filename)), None)


def member_patterns(filename: str, text: str) -> list[str]:
    """Member patterns declared by one workspace file; [] when it declares none or cannot be read."""
    reader = reader_for(filename)
    if reader is None:
        return []
    try:
        return reader.members(text)
    except (ManifestError, ValueError, TypeError, AttributeError, RecursionError):
        return []
