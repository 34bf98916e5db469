"""The name lookup: the registries' word on each orphan's declared name (issue 18).

Its captures are read by `distscout.triage`, not here: a verdict depends on the other sources' rows (which
names are orphans at all) and on the repository's identity, so it is derived beside them in
`distscout.rows`. Its rows (a `linked` or `unlinked` name) are registry evidence, source "name_lookup".
"""

from __future__ import annotations

from collections.abc import Sequence

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter

NAME_LOOKUP = "name_lookup"

# Capture kinds: deps.dev GetPackage and GetVersion, ecosyste.ms's registry and per-registry package.
DEPSDEV_PACKAGE = "names.depsdev.package"
DEPSDEV_VERSION = "names.depsdev.version"
ECOSYSTEMS_REGISTRY = "names.ecosystems.registry"
ECOSYSTEMS_PACKAGE = "names.ecosystems.package"


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation()  # see the module's docstring: distscout.triage reads these captures


INTERPRETER = Interpreter(NAME_LOOKUP, _interpret, registry=True, gates_orphans=False)
