"""Print the lower bound that pyproject.toml sets on one dependency (`>=X`): the oldest version it allows."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def lower_bound(package: str, pyproject: Path) -> str:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if canonicalize_name(requirement.name) != canonicalize_name(package):
            continue
        bounds = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(bounds) != 1:
            raise SystemExit(f"lower_bound: {line!r} has no single '>=' bound")
        return bounds[0]
    raise SystemExit(f"lower_bound: {package} is not a dependency in {pyproject}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: lower_bound.py PACKAGE")
    print(lower_bound(sys.argv[1], Path(__file__).resolve().parent.parent / "pyproject.toml"))
