"""Every project of a GitLab group, its subgroups' included:
`GET /groups/:id/projects?include_subgroups=true`.

Used by `distscout repos add --group`. All or nothing, as `--org` is: a missing group or a page that fails
ends in `OrgListingError`, so half a group is never tracked by accident. Pages follow the `Link` header.
"""

from __future__ import annotations

from urllib.parse import quote

from distscout.forges import GITLAB, Forge, forge_for
from distscout.http import Outcome, UpstreamClient
from distscout.repos import RepoRef, RepoRefError, url_parts
from distscout.sources.github_org import OrgListingError, OrgNotFoundError, OrgRepo
from distscout.sources.gitlab_lists import next_link_param

MAX_PAGES = 2000


def parse_group(text: str, forges: tuple[Forge, ...]) -> tuple[Forge, str]:
    """`acme/tools`, `gitlab.com/acme/tools` or a group URL on a configured GitLab → (forge, full path)."""
    raw = text.strip().rstrip("/")
    try:
        netloc, segments = url_parts(raw, default_host="gitlab.com")
    except RepoRefError as exc:
        raise OrgListingError(str(exc)) from None
    forge = forge_for([f for f in forges if f.kind == GITLAB], netloc, segments)
    if forge is None:
        raise OrgListingError(
            f"{raw[:100]!r} is not a group on a known GitLab (gitlab.com or gitlab_instances)"
        )
    below = segments[len(forge.prefix) :]
    below = below[: below.index("-")] if "-" in below else below
    if not below:
        raise OrgListingError(f"{raw[:100]!r}: no group named")
    try:
        namespace, _ = forge.split([*below, "x"])  # a group's path is checked as a project's namespace
    except ValueError as exc:
        raise OrgListingError(f"{raw[:100]!r}: {exc}") from None
    return forge, namespace


async def list_group_projects(client: UpstreamClient, forge: Forge, group: str) -> list[OrgRepo]:
    """Every project of `group` and its subgroups; archived ones are flagged."""
    path = f"/groups/{quote(group, safe='')}/projects"
    found: list[OrgRepo] = []
    page = "1"
    for _ in range(MAX_PAGES):
        params = {"include_subgroups": "true", "per_page": "100", "page": page, "order_by": "id"}
        fetched = await client.get(path, params=params)
        if fetched.outcome is Outcome.MISS:
            raise OrgNotFoundError(f"GitLab group {group!r} not found on {forge.host}")
        if not fetched.ok or not isinstance(fetched.data, list):
            why = fetched.error or ("the answer is not a list" if fetched.ok else str(fetched.outcome))
            raise OrgListingError(f"listing the projects of {group!r} failed: {why}")
        found += [_project(item, forge, group) for item in fetched.data]
        page = next_link_param(fetched.headers.get("link", ""), "page") or ""
        if not page:
            return found
    raise OrgListingError(f"listing the projects of {group!r} stopped: more than {MAX_PAGES} pages")


def _project(item: object, forge: Forge, group: str) -> OrgRepo:
    path = item.get("path_with_namespace") if isinstance(item, dict) else None
    if not isinstance(path, str) or "/" not in path:
        raise OrgListingError(
            f"listing the projects of {group!r} failed: an entry has no path_with_namespace"
        )
    namespace, _, name = path.rpartition("/")
    return OrgRepo(
        RepoRef(forge.host, namespace, name), archived=isinstance(item, dict) and item.get("archived") is True
    )
