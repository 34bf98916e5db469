"""Captures → observations. Pure and versioned: the same captures always give the same rows, so a parser
or interpreter upgrade is a local reprocess from stored captures, never a refetch.

Each source's captures go to its interpreter (`distscout.interpreters`). Bump INTERPRETER_VERSION whenever
an interpreter's output can change for the same captures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from distscout import interpreters
from distscout.captures import Capture
from distscout.interpreters.base import NOISE_ECOSYSTEMS, Interpretation
from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import all_parsers
from distscout.observations import RegistryObservation

# 2: deps.dev enums left out read as their zero (unknown) value
# 3: GitHub Packages npm names carry their owner's scope (@owner/name), as npm.pkg.github.com serves them
# 4: declared names checked by their ecosystem's rules (manifests/names.py): a refused one is invalid_name;
#    a manifest that is not UTF-8 (nor UTF-16 with a BOM, nor in its declared XML encoding) is malformed
# 5: name rules from each registry's own rule (Go's CheckPath, CEP 26, .NET's \w …); control, format and
#    replacement characters refused everywhere
# 6: GitLab's sources; a forge registry's packages (GitHub Packages, GitLab's) carry their registry in the
#    purl's repository_url qualifier
# 7: orphan triage (distscout.triage): each orphan's verdict from the name lookup; a linked or unlinked name
#    is registry evidence of source name_lookup
INTERPRETER_VERSION = 7

__all__ = ["INTERPRETER_VERSION", "NOISE_ECOSYSTEMS", "Interpretation", "interpret", "interpreter_version"]


def interpreter_version() -> str:
    """The version of everything that turns captures into rows: the interpreters plus every parser."""
    parsers = ",".join(p.parser_version for p in all_parsers())
    return f"interpret/{INTERPRETER_VERSION};{parsers}"


def interpret(captures: Iterable[Capture], repo_full_name: str) -> Interpretation:
    """What one repository's captures stand for; `repo_full_name` is its stored owner/name."""
    by_source: dict[str, list[Capture]] = defaultdict(list)
    for capture in captures:
        by_source[capture.source].append(capture)
    registry: list[RegistryObservation] = []
    manifests: list[Declaration] = []
    for interpreter in interpreters.INTERPRETERS:  # read at call time: the list is the registry
        found = interpreter.interpret(by_source[interpreter.source], repo_full_name)
        registry += found.registry
        manifests += found.manifests
    return Interpretation(tuple(registry), tuple(manifests))
