"""Every repository of a GitHub organization (`GET /orgs/{org}/repos`) or user (`GET /users/{user}/repos`,
`type=owner`: the repositories the user owns, not those they are a member of — GitHub's default), following
the Link header's next pages.

Used by `distscout repos add --org` and `--user`. The listing is all or nothing: a missing owner or any page
that fails ends in `OrgListingError`, so a caller never tracks half an organization by accident. An
organization that GitHub does not know as one but lists as a user is named as such (`OrgIsUserError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from distscout.http import Outcome, UpstreamClient
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref

PER_PAGE = 100
MAX_PAGES = 2000  # 200,000 repositories: far beyond any real organization, but a bound on a looping server
# GitHub logins: alphanumerics and single hyphens, at most 39 characters (a little leniency: `_` and `.`).
_ORG = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,98})$")
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class OrgListingError(Exception):
    """The organization's repositories could not be listed; the message is meant for the user."""


class OrgNotFoundError(OrgListingError):
    """GitHub has no organization of that name (a user account is not an organization either)."""


class OrgIsUserError(OrgNotFoundError):
    """The name is a GitHub user account, not an organization (`--user` lists its repositories)."""


@dataclass(frozen=True)
class OrgRepo:
    ref: RepoRef
    archived: bool


def parse_org(text: str, kind: str = "organization") -> str:
    """`acme`, `github.com/acme` or `https://github.com/acme` → `acme`; anything else → OrgListingError."""
    raw = text.strip().rstrip("/")
    candidate = re.sub(r"^(?:https?://)?(?:www\.)?github\.com/", "", raw, flags=re.IGNORECASE)
    if not _ORG.match(candidate) or ".." in candidate:
        raise OrgListingError(f"{raw[:100]!r} is not a GitHub {kind} name")
    return candidate


async def list_org_repos(client: UpstreamClient, org: str, *, max_pages: int = MAX_PAGES) -> list[OrgRepo]:
    """Every repository of `org`, in GitHub's order; archived ones are flagged. A name GitHub knows as a
    user, not an organization, is an OrgIsUserError saying so."""
    name = parse_org(org)
    try:
        return await _listing(client, f"/orgs/{name}/repos", {}, name, max_pages)
    except OrgNotFoundError:
        if await _is_user(client, name):
            raise OrgIsUserError(
                f"{name!r} is a GitHub user, not an organization: add its repositories with --user {name}"
            ) from None
        raise OrgNotFoundError(f"GitHub organization {name!r} not found") from None


async def list_user_repos(client: UpstreamClient, user: str, *, max_pages: int = MAX_PAGES) -> list[OrgRepo]:
    """Every repository `user` owns (`type=owner`), in GitHub's order; archived ones are flagged."""
    name = parse_org(user, "user")
    try:
        return await _listing(client, f"/users/{name}/repos", {"type": "owner"}, name, max_pages)
    except OrgNotFoundError:
        raise OrgNotFoundError(f"GitHub user {name!r} not found") from None


async def _is_user(client: UpstreamClient, name: str) -> bool:
    """Whether GitHub lists repositories for `name` as a user (one request, one repository's worth)."""
    fetched = await client.get(f"/users/{name}/repos", params={"type": "owner", "per_page": "1"})
    return fetched.ok


async def _listing(
    client: UpstreamClient, path: str, query: dict[str, str], name: str, max_pages: int
) -> list[OrgRepo]:
    params = query | {"per_page": str(PER_PAGE)}
    found: list[OrgRepo] = []
    seen_pages: set[str] = set()
    for _ in range(max_pages):
        fetched = await client.get(path, params=params)
        if fetched.outcome is Outcome.MISS:
            raise OrgNotFoundError(f"{name!r} not found")
        if not fetched.ok:
            why = fetched.error or str(fetched.outcome)
            raise OrgListingError(f"listing the repositories of {name!r} failed: {why} ({fetched.outcome})")
        if not isinstance(fetched.data, list):
            raise OrgListingError(f"listing the repositories of {name!r} failed: the answer is not a list")
        found += [_repo(item, name) for item in fetched.data]
        following = _next_page(client, fetched.headers.get("link", ""))
        if following is None:
            return found
        key = following[0] + "?" + "&".join(f"{k}={v}" for k, v in sorted(following[1].items()))
        if key in seen_pages:
            raise OrgListingError(f"listing the repositories of {name!r} failed: the pages loop")
        seen_pages.add(key)
        path, params = following
    raise OrgListingError(f"listing the repositories of {name!r} stopped: more than {max_pages} pages")


def _repo(item: object, org: str) -> OrgRepo:
    full_name = item.get("full_name") if isinstance(item, dict) else None
    if not isinstance(full_name, str):
        raise OrgListingError(f"listing the repositories of {org!r} failed: an entry has no full_name")
    try:
        ref = parse_repo_ref(f"github.com/{full_name}")
    except RepoRefError as exc:
        raise OrgListingError(f"listing the repositories of {org!r} failed: {exc}") from None
    return OrgRepo(ref=ref, archived=isinstance(item, dict) and item.get("archived") is True)


def _next_page(client: UpstreamClient, link: str) -> tuple[str, dict[str, str]] | None:
    """The next page as (path relative to the API base, query); never a URL outside the API base.

    GitHub's next links are absolute (and may use another path, such as `/organizations/{id}/repos`). The
    client sends its token with every request, so a link to another origin is refused, not followed.
    """
    found = _NEXT.search(link)
    if found is None:
        return None
    target, base = urlsplit(found.group(1)), urlsplit(client.config.base_url.rstrip("/"))
    same_origin = (target.scheme, target.netloc.lower()) == (base.scheme, base.netloc.lower())
    if not same_origin or not target.path.startswith(base.path + "/"):
        raise OrgListingError("GitHub's next-page link points outside the configured API base URL")
    return target.path[len(base.path) :], dict(parse_qsl(target.query))
