"""The shared corpus (real manifests with expected answers), read where it lies: never copied here."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(os.environ.get("DISTSCOUT_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus"))


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
