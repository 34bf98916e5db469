"""A world's on-disk repository files: `repos/<host>/<owner>/<name>/...`, as in a checkout.

GitLab's nest (`repos/gitlab.com/<group>/<subgroup>/<project>/`): where a project's folder ends is known
only from world.json, so those are read per project (`gitlab_disk_files`), not found by walking.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from distscout.emulator.checks import FormatError

HOST = "github.com"
GITLAB = "gitlab.com"


class WorldError(FormatError):
    """A world that does not follow the world format; the message names the file and the field."""


def disk_files(root: Path) -> dict[str, dict[str, bytes]]:
    """Files under repos/<host>/<owner>/<name>/ by lower-cased owner/name; symlinks and .git are skipped."""
    return {label.lower(): _files_under(repo_dir) for repo_dir, label in _repo_dirs(root / "repos")}


def gitlab_disk_files(root: Path, namespace: str, name: str) -> dict[str, bytes] | None:
    """A GitLab project's files under repos/gitlab.com/<namespace>/<name>/, or None when it has none."""
    folder = root / "repos" / GITLAB / namespace / name
    if folder.is_symlink() or not folder.is_dir():
        return None
    return _files_under(folder)


def _files_under(repo_dir: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder, subdirs, names in os.walk(repo_dir):
        subdirs[:] = [d for d in subdirs if d != ".git" and not (Path(folder) / d).is_symlink()]
        for file_name in names:
            full = Path(folder) / file_name
            if not full.is_symlink() and full.is_file():
                files[full.relative_to(repo_dir).as_posix()] = full.read_bytes()
    return files


def _repo_dirs(repos_root: Path) -> Iterator[tuple[Path, str]]:
    if not repos_root.is_dir():
        return
    for host in _visible(repos_root):
        if host.name == GITLAB and host.is_dir():
            continue  # read per project
        if host.name != HOST or not host.is_dir():
            raise WorldError(f"repos/{host.name}: expected a folder named {HOST} or {GITLAB}")
        for owner in _visible(host):
            for repo_dir in _visible(owner) if owner.is_dir() else [owner]:
                if not repo_dir.is_dir():
                    raise WorldError(
                        f"{repo_dir.relative_to(repos_root.parent)}: expected repos/{HOST}/<owner>/<name>/"
                    )
                yield repo_dir, f"{owner.name}/{repo_dir.name}"


def _visible(folder: Path) -> list[Path]:
    return sorted(child for child in folder.iterdir() if not child.name.startswith("."))
