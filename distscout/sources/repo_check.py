"""`repos add --check`: ask the forge (GitHub, GitLab) whether each repository exists before it is tracked.

A typo in a fleet file is otherwise noticed only when a scan calls the repository "not found". One REST
metadata request each (renames followed), a few at a time, one attempt, never waiting out a rate limit:
a check that cannot answer says so and the repository is tracked as asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from distscout.forges import Forge, forge_of
from distscout.http.outcome import Outcome
from distscout.repos import RepoRef
from distscout.sources.github_repo import fetch_metadata
from distscout.sources.registry import metadata_of
from distscout.upstreams import Upstreams

CONCURRENCY = 8


class RepoState(StrEnum):
    EXISTS = "exists"
    RENAMED = "renamed"  # GitHub redirected to another name (`detail`); scans follow the redirect
    NOT_FOUND = "not_found"  # 404: no such repository, or a private one this token cannot see
    UNCHECKED = "unchecked"  # no answer to rely on (`detail` says why): tracked as asked


@dataclass(frozen=True)
class RepoCheck:
    ref: RepoRef
    state: RepoState
    detail: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"repo": self.ref.display, "state": self.state.value, "detail": self.detail}


async def check_repos(
    upstreams: Upstreams, forges: Sequence[Forge], refs: Sequence[RepoRef]
) -> list[RepoCheck]:
    """Each repository's state on its forge, in the order given (GitHub through REST: one request)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(ref: RepoRef) -> RepoCheck:
        forge = forge_of(forges, ref.host)
        if forge is None:
            return RepoCheck(ref, RepoState.UNCHECKED, f"{ref.host} is not a configured forge")
        async with gate:
            if forge.host == "github.com":
                metadata, fetched, _ = await fetch_metadata(upstreams.github, ref)
                outcome, error = (
                    fetched.outcome,
                    fetched.error or (f"HTTP {fetched.status}" if fetched.status else ""),
                )
            else:
                metadata, outcome, error, _ = await metadata_of(forge.kind)(upstreams, forge, ref)
        if metadata is not None:
            if metadata.ref.key != ref.key:
                return RepoCheck(ref, RepoState.RENAMED, metadata.ref.display)
            return RepoCheck(ref, RepoState.EXISTS)
        if outcome is Outcome.MISS:
            return RepoCheck(ref, RepoState.NOT_FOUND)
        return RepoCheck(ref, RepoState.UNCHECKED, error or outcome.value)

    return list(await asyncio.gather(*(one(ref) for ref in refs)))
