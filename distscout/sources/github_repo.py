"""GitHub repository metadata: archived flag, default branch, owner type, and renames (301 followed)."""

from __future__ import annotations

from dataclasses import dataclass

from distscout.captures import GITHUB_REPO, Capture
from distscout.http import Fetched, UpstreamClient
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.sources.base import capture_of


@dataclass(frozen=True)
class RepoMetadata:
    ref: RepoRef  # the current name (after a rename)
    archived: bool
    default_branch: str
    owner_type: str | None  # "User" | "Organization"
    renamed_from: RepoRef | None  # the name we asked for, when GitHub redirected us


async def fetch_metadata(
    client: UpstreamClient, repo: RepoRef
) -> tuple[RepoMetadata | None, Fetched, Capture | None]:
    fetched = await client.get(f"/repos/{repo.owner}/{repo.name}")
    if not fetched.ok or not isinstance(fetched.data, dict):
        return None, fetched, None
    data = fetched.data
    try:
        current = parse_repo_ref(f"{repo.host}/{data.get('full_name') or repo.full_name}")
    except RepoRefError:
        current = repo
    renamed = repo if current.key != repo.key else None
    raw_owner = data.get("owner")
    owner: dict[str, object] = raw_owner if isinstance(raw_owner, dict) else {}
    owner_type = owner.get("type")
    metadata = RepoMetadata(
        ref=current,
        archived=data.get("archived") is True,
        default_branch=str(data.get("default_branch") or "HEAD"),
        owner_type=str(owner_type) if owner_type in ("User", "Organization") else None,
        renamed_from=renamed,
    )
    return metadata, fetched, capture_of(GITHUB_REPO, "github.repo", fetched, subject=current.full_name)
