"""Which files of a repository to read: a plan made from a tree listing (a list of paths).

- **baseline**: the seed system's plan — manifests at the root and in every first-level directory,
  bounded to 50 directories.
- **deep** (default): manifests down to a bounded depth, plus every member that a workspace declaration
  names at any depth (Cargo members, npm/yarn/pnpm/lerna workspaces, Maven modules, Gradle includes,
  cabal.project, Dart workspaces, go.work, uv workspaces, .sln solutions), so `crates/*/Cargo.toml`,
  `packages/*/package.json` or `src/X/X.csproj` are found. The whole plan is bounded in count.

Vendored and hidden directories (node_modules, vendor, .git …) never hold the repo's own packages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from distscout.manifests.registry import ContextReader, context_files, is_manifest
from distscout.manifests.workspaces import member_patterns, reader_for

BASELINE_MAX_DIRECTORIES = 50
DEEP_MAX_DEPTH = 3  # directories below the root, searched without any workspace declaration
MEMBER_MAX_DEPTH = 8  # how deep a declared workspace member may sit
WORKSPACE_FILE_MAX_DEPTH = 1  # where workspace declarations are read from
MAX_MANIFESTS = 1000

VENDORED_DIRECTORIES = frozenset(
    {
        "node_modules",
        "bower_components",
        "jspm_packages",
        "vendor",
        "third_party",
        "third-party",
        "thirdparty",
        "site-packages",
        "__pycache__",
        "venv",
        "Pods",
        "Carthage",
        "_build",
        "deps",
    }
)


class WalkMode(StrEnum):
    BASELINE = "baseline"
    DEEP = "deep"


@dataclass(frozen=True, slots=True)
class WalkPlan:
    mode: WalkMode
    manifests: tuple[str, ...]  # manifest files to read and parse
    context: tuple[str, ...]  # other files that parsers' resolvers may ask for
    workspace_files: tuple[str, ...]  # workspace declarations read while planning
    omitted: int  # manifests beyond the bounds, not planned


def is_skipped_directory(name: str) -> bool:
    return name.startswith(".") or name in VENDORED_DIRECTORIES


def plan_walk(
    paths: Iterable[str], mode: WalkMode = WalkMode.DEEP, read: ContextReader | None = None
) -> WalkPlan:
    """Plan the reads for a tree listing. `read` (deep mode) fetches workspace declarations."""
    listing = sorted({p.strip("/").removeprefix("./") for p in paths if _eligible(p)})
    candidates = [p for p in listing if is_manifest(p)]
    root_context = tuple(p for p in listing if "/" not in p and p in context_files())
    workspace_files: tuple[str, ...] = ()
    if mode is WalkMode.BASELINE:
        chosen = _baseline(listing, candidates)
    else:
        chosen, workspace_files = _deep(listing, candidates, read)
    ordered = sorted(chosen, key=lambda p: (p.count("/"), p))
    return WalkPlan(
        mode=mode,
        manifests=tuple(ordered[:MAX_MANIFESTS]),
        context=root_context,
        workspace_files=workspace_files,
        omitted=max(0, len(ordered) - MAX_MANIFESTS) + (len(candidates) - len(chosen)),
    )


def _eligible(path: str) -> bool:
    parts = path.strip("/").removeprefix("./").split("/")
    return bool(parts[-1]) and not any(is_skipped_directory(part) for part in parts[:-1])


def _baseline(listing: list[str], candidates: list[str]) -> set[str]:
    first_level = sorted({p.split("/", 1)[0] for p in listing if "/" in p})[:BASELINE_MAX_DIRECTORIES]
    allowed = set(first_level)
    return {p for p in candidates if p.count("/") == 0 or (p.count("/") == 1 and p.split("/")[0] in allowed)}


def workspace_declarations(paths: Iterable[str]) -> tuple[str, ...]:
    """The workspace files a deep plan of this listing reads: fetch them first when reads are remote."""
    return tuple(
        p
        for p in sorted({p.strip("/").removeprefix("./") for p in paths if _eligible(p)})
        if p.count("/") <= WORKSPACE_FILE_MAX_DEPTH and reader_for(p.rsplit("/", 1)[-1]) is not None
    )


def _deep(
    listing: list[str], candidates: list[str], read: ContextReader | None
) -> tuple[set[str], tuple[str, ...]]:
    chosen = {p for p in candidates if p.count("/") <= DEEP_MAX_DEPTH}
    workspace_files = workspace_declarations(listing)
    if read is None:
        return chosen, ()
    include: list[re.Pattern[str]] = []
    exclude: list[re.Pattern[str]] = []
    for path in workspace_files:
        text = read(path)
        if text is None:
            continue
        base = path.rsplit("/", 1)[0] if "/" in path else ""
        for pattern in member_patterns(path.rsplit("/", 1)[-1], text):
            negated = pattern.startswith("!")
            compiled = _member_regex(base, pattern.removeprefix("!"))
            if compiled is not None:
                (exclude if negated else include).append(compiled)
    for path in candidates:
        if path in chosen or path.count("/") > MEMBER_MAX_DEPTH:
            continue
        directory = path.rsplit("/", 1)[0] if "/" in path else ""
        if any(r.fullmatch(directory) or r.fullmatch(path) for r in include) and not any(
            r.fullmatch(directory) for r in exclude
        ):
            chosen.add(path)
    return chosen, workspace_files


def _member_regex(base: str, pattern: str) -> re.Pattern[str] | None:
    """A regex over repo-relative directory paths for one member glob declared in directory `base`."""
    parts = [p for p in pattern.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None  # outside this workspace's tree: not ours to plan
    parts = ([*base.split("/")] if base else []) + parts
    regex = ""
    for index, part in enumerate(parts):
        separator = "/" if index else ""
        if part == "**":
            regex += "(?:/[^/]+)*" if index else "(?:[^/]+(?:/[^/]+)*)?"
            continue
        regex += separator + "".join(
            "[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch) for ch in part
        )
    return re.compile(regex.removeprefix("/"))
