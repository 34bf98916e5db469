"""The corpus world's GitLab twin: every repository moved to gitlab.com — every other one into a subgroup —
with its files, releases, packages (their `repository_url` rewritten) and GitHub Packages as GitLab's
package registry. Built in memory from the corpus where it lies (tests and bench/ read it)."""

from __future__ import annotations

import copy
from typing import Any

# GitHub Packages' types as GitLab package types (a container image has none: GitLab keeps those apart)
_PACKAGE_TYPES = {"npm": "npm", "maven": "maven", "rubygems": "rubygems", "nuget": "nuget"}
_OWNER_TYPES = {"Organization": "Group", "User": "User"}


def gitlab_url(github_url: str, position: int) -> str:
    """`https://github.com/o/r` on gitlab.com: `o/r`, or `o/mirror/r` for odd positions (a subgroup)."""
    owner, name = github_url.removeprefix("https://github.com/").split("/")
    return (
        f"https://gitlab.com/{owner}/mirror/{name}" if position % 2 else f"https://gitlab.com/{owner}/{name}"
    )


def gitlab_twin(world: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The twin world, and each GitHub URL's GitLab URL (lower-cased GitHub URL -> GitLab URL)."""
    twin = copy.deepcopy(world)
    moved = {repo["url"].lower(): gitlab_url(repo["url"], i) for i, repo in enumerate(twin["repos"])}
    for i, repo in enumerate(twin["repos"]):  # packages may still name a repository's former URL
        moved.update({old.lower(): gitlab_url(old, i) for old in repo.get("renamed_from", [])})
    for i, repo in enumerate(twin["repos"]):
        repo["url"] = moved[repo["url"].lower()]
        if "renamed_from" in repo:
            repo["renamed_from"] = [gitlab_url(old, i) for old in repo["renamed_from"]]
        if "owner_type" in repo:
            repo["owner_type"] = _OWNER_TYPES[repo["owner_type"]]
        listed = repo.pop("github_packages", [])
        kept = [p for p in listed if p["package_type"] in _PACKAGE_TYPES]
        if kept:
            repo["gitlab_packages"] = [
                {"name": p["name"], "package_type": _PACKAGE_TYPES[p["package_type"]]} for p in kept
            ]
    for package in twin["packages"]:
        url = package["repository_url"]
        package["repository_url"] = moved.get(url.lower(), url)
    return twin, moved
