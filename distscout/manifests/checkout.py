"""Read manifests from a local checkout: the same plan and parsers as a remote scan, on disk.

The checkout is untrusted input: symbolic links are never followed (a link to /etc/passwd named
package.json stays unread), only regular files are opened (a FIFO named package.json would block a read
forever; a device could be endless) — the others are skipped and counted — reads are capped, and the
listing itself is bounded.
"""

from __future__ import annotations

import os
import stat
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
    special_files: int = 0  # FIFOs, sockets and devices skipped (never opened)


def list_checkout(root: Path, limit: int = MAX_LISTED_FILES) -> tuple[list[str], bool, int]:
    """Repo-relative paths of regular files under `root`, pruning vendored and hidden directories; whether
    the listing stopped at `limit`; how many special files (FIFOs, sockets, devices) were skipped."""
    paths: list[str] = []
    special = 0
    for directory, subdirectories, files in os.walk(root, followlinks=False):
        subdirectories[:] = sorted(d for d in subdirectories if not is_skipped_directory(d))
        relative = os.path.relpath(directory, root)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in sorted(files):
            try:
                mode = os.lstat(os.path.join(directory, name)).st_mode
            except OSError:
                continue
            if stat.S_ISLNK(mode):
                continue
            if not stat.S_ISREG(mode):
                special += 1
                continue
            paths.append(prefix + name)
            if len(paths) >= limit:
                return paths, True, special
    return paths, False, special


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def read_file(root: Path, relative: str, max_bytes: int = MAX_MANIFEST_BYTES) -> bytes | None:
    """At most `max_bytes + 1` bytes of a regular file inside `root` (one more shows it is too large).

    Opened without following a link and without blocking, then checked again on the open descriptor:
    a file swapped for a FIFO or a link between the listing and the read is still refused."""
    target = root / relative
    try:
        if target.is_symlink() or not target.resolve().is_relative_to(root.resolve()):
            return None
        descriptor = os.open(target, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        os.set_blocking(descriptor, True)  # a regular file: ordinary reads from here
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read(max_bytes + 1)
    except OSError:
        return None
    finally:
        os.close(descriptor)


def scan_checkout(root: Path, mode: WalkMode = WalkMode.DEEP) -> CheckoutScan:
    if not root.exists():
        raise CheckoutError(f"{root}: no such directory")
    if not root.is_dir():
        raise CheckoutError(f"{root}: not a directory")
    if not os.access(root, os.R_OK | os.X_OK):
        raise CheckoutError(f"{root}: permission denied")
    paths, truncated, special = list_checkout(root)

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
    return CheckoutScan(
        plan=plan, declarations=tuple(declarations), listing_truncated=truncated, special_files=special
    )
