"""Captures: the raw upstream answers and manifest bodies behind every stored row — committed input.

Everything downstream (rows, reports, exports) is derived from captures by versioned code, so a parser
upgrade is a local reprocess, never a refetch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

# Repository metadata from the forge: archived, default branch, renames (not evidence itself). The
# evidence sources' names are their interpreters' (`distscout.interpreters`).
GITHUB_REPO = "github_repo"
GITLAB_PROJECT = "gitlab_project"


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
