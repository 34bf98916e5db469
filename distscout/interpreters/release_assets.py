"""Release assets: the ecosystem a release's files belong to, told by their extension (a wheel, a gem …).

Shown as published, but no registry release: an asset never confirms nor refutes an orphan.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from distscout.captures import Capture
from distscout.interpreters.base import Interpretation, Interpreter, as_dict, as_list, json_of, time_of
from distscout.observations import RegistryObservation

RELEASE_ASSETS = "github_release_asset"
GITLAB_RELEASE_ASSETS = "gitlab_release_asset"
ASSET_ECOSYSTEMS = {
    ".whl": "pypi",
    ".gem": "rubygems",
    ".jar": "maven",
    ".war": "maven",
    ".ear": "maven",
    ".nupkg": "nuget",
    ".crate": "cargo",
    ".deb": "deb",
    ".rpm": "rpm",
    ".apk": "apk",
}


_VERSIONED = re.compile(r"^(?P<name>.+?)[-_.]v?\d")


def asset_package_name(filename: str, ecosystem: str) -> str:
    """The package a release asset stands for, as far as its file name tells."""
    stem = filename.rsplit(".", 1)[0]
    if ecosystem == "pypi":
        return stem.split("-", 1)[0]  # PEP 427: {distribution}-{version}-…
    if ecosystem == "deb":
        return stem.split("_", 1)[0]  # {name}_{version}_{arch}.deb
    match = _VERSIONED.match(stem)
    return match.group("name") if match else stem


_RELEASE_KINDS = frozenset({"github.releases", "github.graphql.releases", "gitlab.releases"})


def _releases(capture: Capture) -> list[dict[str, Any]]:
    """Releases in GitHub REST's spelling, from a REST list, a GraphQL `releases { nodes }` answer, or
    GitLab's list (its asset links; GitLab has no drafts, and `released_at` is its publication)."""
    if capture.kind == "github.releases":
        return list(map(as_dict, as_list(json_of(capture))))
    if capture.kind == "gitlab.releases":
        return [
            {
                "published_at": release.get("released_at"),
                "assets": as_list(as_dict(release.get("assets")).get("links")),
            }
            for release in map(as_dict, as_list(json_of(capture)))
        ]
    nodes = as_list(as_dict(as_dict(json_of(capture)).get("releases")).get("nodes"))
    return [
        {
            "draft": node.get("isDraft"),
            "published_at": node.get("publishedAt"),
            "assets": as_list(as_dict(node.get("releaseAssets")).get("nodes")),
        }
        for node in map(as_dict, nodes)
    ]


def interpret_release_assets(
    captures: Sequence[Capture], source: str = RELEASE_ASSETS
) -> list[RegistryObservation]:
    seen: dict[str, list[tuple[datetime | None, str]]] = defaultdict(list)
    for capture in captures:
        if capture.kind not in _RELEASE_KINDS or capture.status != 200:
            continue
        for release in _releases(capture):
            if release.get("draft"):
                continue
            published = time_of(release.get("published_at"))
            per_release: dict[str, str] = {}
            for asset in map(as_dict, as_list(release.get("assets"))):
                name = str(asset.get("name", ""))
                suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
                if (ecosystem := ASSET_ECOSYSTEMS.get(suffix)) is not None:
                    per_release.setdefault(ecosystem, asset_package_name(name, ecosystem))
            for ecosystem, package in per_release.items():
                seen[ecosystem].append((published, package))
    rows = []
    for ecosystem, releases in sorted(seen.items()):
        dates = sorted(d for d, _ in releases if d is not None)
        newest = max(releases, key=lambda r: (r[0] is not None, r[0] or datetime.min.replace(tzinfo=None)))
        rows.append(
            RegistryObservation(
                ecosystem=ecosystem,
                package_name=newest[1],
                source=source,
                version_count=len(releases),
                first_published_at=dates[0] if dates else None,
                latest_published_at=dates[-1] if dates else None,
            )
        )
    return rows


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_release_assets(captures)))


def _interpret_gitlab(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(registry=tuple(interpret_release_assets(captures, GITLAB_RELEASE_ASSETS)))


INTERPRETER = Interpreter(RELEASE_ASSETS, _interpret)
GITLAB_INTERPRETER = Interpreter(GITLAB_RELEASE_ASSETS, _interpret_gitlab)
