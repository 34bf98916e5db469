"""Generated worlds for benchmarks: many repositories shaped roughly like the corpus.

Mix: single-package repos of several ecosystems, monorepos (workspace root + members), repos without any
manifest, a few orphans, release assets and GitHub Packages — with a fixed seed, so runs compare.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

_SINGLE = {
    "npm": ("package.json", '{{"name": "{name}", "version": "1.0.0"}}'),
    "pypi": ("pyproject.toml", '[project]\nname = "{name}"\nversion = "1.0"\n'),
    "cargo": ("Cargo.toml", '[package]\nname = "{name}"\nversion = "0.1.0"\n'),
    "go": ("go.mod", "module github.com/{owner}/{repo}\n\ngo 1.22\n"),
    "composer": ("composer.json", '{{"name": "{owner}/{name}"}}'),
}
_FILLER = [
    "README.md",
    "LICENSE",
    ".gitignore",
    "src/main.txt",
    "src/util.txt",
    "docs/index.md",
    "tests/test_main.txt",
    ".github/workflows/ci.yml",
    "CHANGELOG.md",
    "Makefile",
]


def generate_world(count: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    repos, packages = [], []
    for index in range(count):
        owner, repo = f"org{index % 97}", f"repo-{index:05}"
        url = f"https://github.com/{owner}/{repo}"
        files: dict[str, str] = {}
        published: list[tuple[str, str]] = []
        shape = rng.random()
        if shape < 0.6:
            ecosystem = rng.choice(sorted(_SINGLE))
            filename, template = _SINGLE[ecosystem]
            name = f"pkg-{index}"
            files[filename] = template.format(name=name, owner=owner, repo=repo)
            published.append(
                (
                    ecosystem,
                    f"github.com/{owner}/{repo}"
                    if ecosystem == "go"
                    else f"{owner}/{name}"
                    if ecosystem == "composer"
                    else name,
                )
            )
        elif shape < 0.8:
            files["package.json"] = '{"name": "root", "private": true, "workspaces": ["packages/*"]}'
            for member in range(rng.randint(3, 8)):
                name = f"@org{index % 97}/m{index}-{member}"
                files[f"packages/m{member}/package.json"] = json.dumps({"name": name})
                published.append(("npm", name))
        if published and rng.random() < 0.12:
            published = published[1:]  # an orphan: declared, never released
        entry: dict[str, Any] = {
            "url": url,
            "paths": rng.sample(_FILLER, rng.randint(4, len(_FILLER))),
            "files": files,
        }
        if rng.random() < 0.25:
            entry["releases"] = [
                {
                    "tag_name": f"v1.{n}",
                    "published_at": f"202{n}-03-01T00:00:00Z",
                    "assets": [f"{repo}-1.{n}-linux-amd64.tar.gz", f"{repo}_1.{n}_amd64.deb"],
                }
                for n in range(rng.randint(1, 3))
            ]
        if rng.random() < 0.05:
            entry["github_packages"] = [{"name": repo, "package_type": "container"}]
        repos.append(entry)
        for ecosystem, name in published:
            packages.append(
                {
                    "ecosystem": ecosystem,
                    "name": name,
                    "repository_url": url,
                    "versions": [
                        {"version": "1.0.0", "published_at": "2023-05-01T00:00:00Z"},
                        {"version": "1.1.0", "published_at": "2025-02-01T00:00:00Z"},
                    ],
                }
            )
    return {"format": 1, "repos": repos, "packages": packages}


def write_world(directory: Path, count: int, seed: int = 7) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "world.json").write_text(json.dumps(generate_world(count, seed)))
    return directory
