"""GitHub repository metadata: archived flag, default branch, owner type, and renames.

Through REST (`GET /repos/{owner}/{name}`, a 301 followed on a rename) or, batched, through GraphQL — which
also brings the root tree's oid and the newest releases' ids and update times: what later sources need
to tell whether anything changed since the last scan.
"""

from __future__ import annotations

from typing import Any

from distscout.captures import GITHUB_REPO, Capture, utc_now
from distscout.forges import Forge
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.results import RepoMetadata
from distscout.sources import github_queries
from distscout.sources.ahead import METADATA, result_of
from distscout.sources.base import capture_of
from distscout.sources.github_graphql import Answer, GraphQLBatcher, capture_body
from distscout.upstreams import Upstreams


async def metadata_of(
    upstreams: Upstreams, forge: Forge, repo: RepoRef
) -> tuple[RepoMetadata | None, Outcome, str, Capture | None]:
    """The repository's metadata: through batched GraphQL when configured, REST otherwise or as fallback."""
    if (batcher := upstreams.graphql) is not None:
        early = upstreams.ahead.take(repo, METADATA)  # asked when it was claimed (`github_ahead`)
        answered: MetadataAnswer | None = await result_of(early) if early is not None else None
        metadata, answer, capture = answered or await fetch_metadata_graphql(batcher, repo)
        if answer.outcome is not Outcome.PERMANENT:
            return metadata, answer.outcome, answer.error, capture
    metadata, fetched, capture = await fetch_metadata(upstreams.github, repo)
    return metadata, fetched.outcome, fetched.error, capture


async def fetch_metadata(
    client: UpstreamClient, repo: RepoRef
) -> tuple[RepoMetadata | None, Fetched, Capture | None]:
    fetched = await client.get(f"/repos/{repo.owner}/{repo.name}")
    if not fetched.ok or not isinstance(fetched.data, dict):
        return None, fetched, None
    data = fetched.data
    current = _named(repo, data.get("full_name"))
    owner = data.get("owner")
    metadata = RepoMetadata(
        ref=current,
        archived=data.get("archived") is True,
        default_branch=str(data.get("default_branch") or "HEAD"),
        owner_type=_owner_type(owner.get("type") if isinstance(owner, dict) else None),
        renamed_from=repo if current.key != repo.key else None,
    )
    return metadata, fetched, capture_of(GITHUB_REPO, "github.repo", fetched, subject=current.full_name)


def metadata_field(repo: RepoRef) -> str:
    return github_queries.repository(repo.owner, repo.name, github_queries.METADATA)


MetadataAnswer = tuple[RepoMetadata | None, Answer, Capture | None]


async def fetch_metadata_graphql(batcher: GraphQLBatcher, repo: RepoRef) -> MetadataAnswer:
    answer = await batcher.ask("metadata", metadata_field(repo))
    if not answer.ok or not isinstance(answer.data, dict):
        return None, answer, None
    data: dict[str, Any] = answer.data
    current = _named(repo, data.get("nameWithOwner"))
    owner = data.get("owner")
    branch = data.get("defaultBranchRef") if isinstance(data.get("defaultBranchRef"), dict) else None
    if branch is not None and _tree_oid(branch) is None:  # a branch without its tree: not "empty", unread
        return None, Answer(Outcome.TRANSIENT, error="default branch answered without its tree"), None
    metadata = RepoMetadata(
        ref=current,
        archived=data.get("isArchived") is True,
        default_branch=str(branch.get("name") or "HEAD") if branch else "HEAD",
        owner_type=_owner_type(owner.get("__typename") if isinstance(owner, dict) else None),
        renamed_from=repo if current.key != repo.key else None,
        tree_oid=_tree_oid(branch),
        releases=data.get("releases"),
    )
    capture = Capture(
        GITHUB_REPO,
        "github.graphql.repository",
        f"POST /graphql repository({repo.full_name}) metadata",
        200,
        capture_body(data),
        utc_now(),
        subject=current.full_name,
    )
    return metadata, answer, capture


def _named(repo: RepoRef, full_name: object) -> RepoRef:
    """The repository under the name GitHub answered with (a rename), or as asked when that is unusable."""
    try:
        return parse_repo_ref(f"{repo.host}/{full_name or repo.full_name}")
    except RepoRefError:
        return repo


def _owner_type(value: object) -> str | None:
    return str(value) if value in ("User", "Organization") else None


def _tree_oid(branch: dict[str, Any] | None) -> str | None:
    target = branch.get("target") if branch else None
    tree = target.get("tree") if isinstance(target, dict) else None
    oid = tree.get("oid") if isinstance(tree, dict) else None
    return oid if isinstance(oid, str) and oid else None
