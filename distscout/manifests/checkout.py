"""Read manifests from a local checkout: the same plan and parsers as a remote scan, on disk.

The checkout is untrusted input: symbolic links are never followed (a link to /etc/passwd named
package.json stays unread), reads are capped, and the listing itself is bounded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from distscout.manifests.declaration import Declaration
from distscout.manifests.registry import MAX_MANIFEST_BYTES, decode_text, read_manifest, unreadable_manifest
from distscout.manifests.walk import WalkMode, WalkPlan, is_skipped_directory, plan_walk

MAX_LISTED_FILES = 500_000


class CheckoutError(Exception):
    """The path cannot be read as a checkout; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class CheckoutScan:
    plan: WalkPlan
    declarations: tuple[Declaration, ...]
    listing_truncated: bool


def list_checkout(root: Path, limit: int = MAX_LISTED_FILES) -> tuple[list[str], bool]:
    """Repo-relative paths of regular files under `root`, pruning vendored and hidden directories."""
    paths: list[str] = []
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not is_skipped_directory(d))
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in sorted(files):
            if not os.path.islink(os.path.join(directory, name)):
                paths.append(prefix + name)
                if len(paths) >= limit:
                    return paths, True
    return paths, False


def read_file(root: Path, relative: str, max_bytes: int = MAX_MANIFEST_BYTES) -> bytes | None:
    """At most `max_bytes + 1` bytes of a regular file inside `root` (one more shows it is too large)."""
    target = root / relative
    try:
        if target.is_symlink() or not target.resolve().is_relative_to(root.resolve()):
            return None
        with target.open("rb") as handle:
            return handle.read(max_bytes + 1)
    except OSError:
        return None


def scan_checkout(root: Path, mode: WalkMode = WalkMode.DEEP) -> CheckoutScan:
    if not root.exists():
        raise CheckoutError(f"{root}: no such directory")
    if not root.is_dir():
        raise CheckoutError(f"{root}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise CheckoutError(f"{root}: permission denied")
    paths, truncated = list_checkout(root)

    def read_text(relative: str) -> str | None:
        data = read_file(root, relative)
        return None if data is None or len(data) > MAX_MANIFEST_BYTES else decode_text(data)

    plan = plan_walk(paths, mode, read_text)
    context_cache: dict[str, str | None] = {}

    def context(relative: str) -> str | None:
        if relative not in context_cache:
            context_cache[relative] = read_text(relative)
        return context_cache[relative]

    declarations = []
    for relative in plan.manifests:
        data = read_file(root, relative)
        if data is None:
            declaration = unreadable_manifest(relative, "could not read the file")
        else:
            declaration = read_manifest(relative, data, context=context)
        if declaration is not None:
            declarations.append(declaration)
    return CheckoutScan(plan=plan, declarations=tuple(declarations), listing_truncated=truncated)
