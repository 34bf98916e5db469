"""Captures: the raw upstream answers and manifest bodies behind every stored row — committed input.

Everything downstream (rows, reports, exports) is derived from captures by versioned code, so a parser
upgrade is a local reprocess, never a refetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

# The evidence sources (design §2): the `source` a capture, a registry row or a manifest row carries.
DEPSDEV = "deps.dev"
ECOSYSTEMS = "ecosyste.ms"
RELEASE_ASSETS = "github_release_asset"
GITHUB_PACKAGES = "github_packages"
MANIFESTS = "manifest"
GITHUB_REPO = "github_repo"  # repository metadata: archived, default branch, renames (not evidence itself)
EVIDENCE_SOURCES = (DEPSDEV, ECOSYSTEMS, RELEASE_ASSETS, GITHUB_PACKAGES, MANIFESTS)
# Package registries: a release asset on GitHub is shown, but it is not a registry release.
REGISTRY_SOURCES = (DEPSDEV, ECOSYSTEMS, GITHUB_PACKAGES)


@dataclass(frozen=True, slots=True)
class Capture:
    source: str  # which evidence source collected it: deps.dev, ecosyste.ms, github_release_asset, …
    kind: str  # what the body is, for the interpreter: "depsdev.packageversions", "github.file", …
    request: str  # "GET /v3/projects/…" (redacted): the question this body answers
    status: int
    body: bytes
    fetched_at: datetime
    subject: str = ""  # what the capture is about: a package name, a manifest path
    from_cache: bool = False  # a 304 answered from the previous body

    @property
    def digest(self) -> str:
        """Content address of the body: identical answers are stored once."""
        return hashlib.sha256(self.body).hexdigest()


def utc_now() -> datetime:
    return datetime.now(UTC)
