"""GitLab project metadata: archived flag, default branch, namespace kind, renames, and the numeric id.

`GET /projects/:id` with the URL-encoded full path. GitLab follows a renamed or moved project's old path to
the project and answers under its new `path_with_namespace`: the rename is read from there. A missing
project and a private one both answer 404 to a caller who may not see it: a miss ("not found").
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from distscout.captures import GITLAB_PROJECT, Capture
from distscout.forges import Forge
from distscout.http import Outcome
from distscout.repos import RepoRef
from distscout.results import RepoMetadata
from distscout.sources.base import capture_of
from distscout.upstreams import Upstreams

_OWNER_TYPES = {"group": "Group", "user": "User"}


def project_path(repo: RepoRef) -> str:
    """The project's API route: its full path as ONE encoded segment (`acme%2Ftools%2Fwidget`)."""
    return f"/projects/{quote(repo.full_name, safe='')}"


async def metadata_of(
    upstreams: Upstreams, forge: Forge, repo: RepoRef
) -> tuple[RepoMetadata | None, Outcome, str, Capture | None]:
    fetched = await upstreams.forge_client(forge).get(project_path(repo))
    if not fetched.ok:
        return None, fetched.outcome, fetched.error, None
    data = fetched.data
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None, Outcome.TRANSIENT, "project answer without an id", None
    current = _named(repo, data.get("path_with_namespace"))
    metadata = RepoMetadata(
        ref=current,
        archived=data.get("archived") is True,
        default_branch=str(data.get("default_branch") or "HEAD"),
        owner_type=_OWNER_TYPES.get(str(_namespace(data).get("kind"))),
        renamed_from=repo if current.key != repo.key else None,
        project_id=str(data["id"]),
        empty=data.get("empty_repo") is True,
    )
    return (
        metadata,
        fetched.outcome,
        "",
        capture_of(GITLAB_PROJECT, "gitlab.project", fetched, current.full_name),
    )


def _namespace(data: dict[str, Any]) -> dict[str, Any]:
    namespace = data.get("namespace")
    return namespace if isinstance(namespace, dict) else {}


def _named(repo: RepoRef, path: object) -> RepoRef:
    """The project under the path GitLab answered with (a rename or a move), or as asked."""
    if not isinstance(path, str) or "/" not in path:
        return repo
    namespace, _, name = path.rpartition("/")
    return RepoRef(repo.host, namespace, name)
