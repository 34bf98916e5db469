"""The shared corpus (real manifests with expected answers), read where it lies: never copied here."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[1]  # this checkout


def _find_corpus() -> Path:
    """`$DISTSCOUT_CORPUS`; else `../shared/corpus` beside this checkout; else beside the checkout it was
    cloned from (a fresh clone elsewhere, as CI makes, still reads the corpus where it lies)."""
    if configured := os.environ.get("DISTSCOUT_CORPUS"):
        return Path(configured)
    beside = _ROOT.parent / "shared" / "corpus"
    if beside.is_dir():
        return beside
    git = shutil.which("git")
    origin = (
        subprocess.run(
            [git, "-C", str(_ROOT), "config", "--get", "remote.origin.url"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if git
        else ""
    )
    if origin and Path(origin).is_dir():
        cloned_from = Path(origin).resolve().parent / "shared" / "corpus"
        if cloned_from.is_dir():
            return cloned_from
    return beside  # missing: the error names where it was expected


CORPUS = _find_corpus()


@dataclass(frozen=True)
class CorpusRepo:
    url: str
    files: dict[str, str]  # path -> content; listing-only paths have empty content
    expected: dict[str, Any]

    @property
    def slug(self) -> str:
        return self.url.removeprefix("https://github.com/")

    def materialize(self, root: Path) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        for relative, content in self.files.items():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content.encode("utf-8", "surrogatepass"))
        return root


@cache
def world() -> dict[str, Any]:
    path = CORPUS / "world" / "world.json"
    if not path.is_file():
        raise FileNotFoundError(f"the shared corpus is missing: {path} (set DISTSCOUT_CORPUS)")
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@cache
def expected() -> dict[str, Any]:
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))["repos"]  # type: ignore[no-any-return]


def repos() -> Iterator[CorpusRepo]:
    for repo in world()["repos"]:
        files = dict.fromkeys(repo.get("paths", []), "")
        files.update(repo.get("files", {}))
        yield CorpusRepo(url=repo["url"], files=files, expected=expected()[repo["url"]])
