"""GitHub release assets: the file extensions of the newest 100 releases' assets (.whl → pypi, …)."""

from __future__ import annotations

from distscout.captures import RELEASE_ASSETS
from distscout.http import Outcome, UpstreamClient
from distscout.interpret import interpret_release_assets
from distscout.repos import RepoRef
from distscout.sources.base import SourceResult, capture_of


async def collect(client: UpstreamClient, repo: RepoRef) -> SourceResult:
    fetched = await client.get(f"/repos/{repo.owner}/{repo.name}/releases", params={"per_page": "100"})
    if not fetched.outcome.is_answer:
        return SourceResult(RELEASE_ASSETS, fetched.outcome, detail=fetched.error)
    if fetched.ok and not isinstance(fetched.data, list):
        return SourceResult(RELEASE_ASSETS, Outcome.TRANSIENT, detail="releases answer is not a list")
    captures = (capture_of(RELEASE_ASSETS, "github.releases", fetched),)
    return SourceResult(
        RELEASE_ASSETS, fetched.outcome, captures, tuple(interpret_release_assets(list(captures)))
    )
