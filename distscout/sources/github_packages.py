"""GitHub Packages: the owner's packages of each type, filtered to this repository.

There is no per-repository endpoint: list the owner's packages (user route, or org route) and keep those
whose `repository.full_name` is this repo. 404 means "no such owner here" (the other route answers).
GitHub Packages takes classic tokens with `read:packages` only: a 401, or a 403 that is no rate limit, is
`not_visible` — the evidence was never seen, which is not "no packages" — with the token's scopes named.
"""

from __future__ import annotations

from dataclasses import replace

from distscout.forges import GITHUB
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.interpreters.github_packages import GITHUB_PACKAGES
from distscout.repos import RepoRef
from distscout.results import SourceResult, worst
from distscout.sources.base import ScanContext, Source, capture_of

PACKAGE_TYPES = ("npm", "maven", "rubygems", "docker", "nuget", "container")
_EMPTY = frozenset({404})
_REFUSED = frozenset({401, 403})  # a rate-limited 403 is transient before it gets here
MAX_PAGES = 10
# One owner's listing serves all its repositories scanned within ten minutes, in every process of a fleet.
OWNER_LISTING_MEMO = 600.0


async def collect(client: UpstreamClient, repo: RepoRef, owner_type: str | None = None) -> SourceResult:
    routes = {"User": ("users",), "Organization": ("orgs",)}.get(owner_type or "", ("users", "orgs"))
    captures, outcomes, errors = [], [], []
    for package_type in PACKAGE_TYPES:
        for route in routes:
            pages = await _list_packages(client, f"/{route}/{repo.owner}/packages", package_type)
            outcome = worst([p.outcome for p in pages])
            captures += [
                capture_of(GITHUB_PACKAGES, "github.packages", p, subject=package_type)
                for p in pages
                if p.outcome.is_answer
            ]
            errors += [p.error for p in pages if not p.outcome.is_answer]
            if outcome is not Outcome.MISS:  # the user route answered: no need to ask the org route
                break
        outcomes.append(outcome)
    return SourceResult(GITHUB_PACKAGES, worst(outcomes), tuple(captures), detail="; ".join(errors))


def not_visible_reason(fetched: Fetched) -> str:
    """Why GitHub Packages refused, in the operator's terms: which token, which scopes, what to do."""
    scopes = fetched.headers.get("x-oauth-scopes")
    if fetched.status == 401:
        held = "no token (or a token GitHub refused)"
    elif scopes is None:
        held = "a token that names no scopes (fine-grained or an app token)"
    else:
        held = f"a classic token with scopes [{scopes.strip() or 'none'}]"
    return (
        f"GitHub Packages: not visible with this token ({fetched.status} with {held}); "
        "it needs a classic token with read:packages"
    )


async def _list_packages(client: UpstreamClient, path: str, package_type: str) -> list[Fetched]:
    """Every page of one listing; the last one tells how it ended. A listing longer than MAX_PAGES ends in a
    failure, not an answer: a package past the cap would otherwise read as "not published" (design §2)."""
    pages: list[Fetched] = []
    for page in range(1, MAX_PAGES + 1):
        fetched = await client.get(
            path,
            params={"package_type": package_type, "per_page": "100", "page": str(page)},
            miss_statuses=_EMPTY,
            memo_seconds=OWNER_LISTING_MEMO,
            scope="read:packages",  # a pool of tokens sends it with one that can see Packages
        )
        if fetched.ok and not isinstance(fetched.data, list):
            fetched = Fetched(Outcome.TRANSIENT, url=fetched.url, status=fetched.status, error="not a list")
        elif fetched.outcome is Outcome.PERMANENT and fetched.status in _REFUSED:
            fetched = replace(fetched, outcome=Outcome.NOT_VISIBLE, error=not_visible_reason(fetched))
        pages.append(fetched)
        if not fetched.ok or 'rel="next"' not in fetched.headers.get("link", ""):
            return pages
    # As GitLab's lister (gitlab_lists.py): the pages read stay captured, the listing is not an answer.
    error = f"more than {MAX_PAGES} pages of {package_type} packages at {path}"
    pages.append(Fetched(Outcome.TRANSIENT, url=path, error=error))
    return pages


async def _collect(context: ScanContext) -> SourceResult:
    owner_type = context.metadata.owner_type if context.metadata is not None else None
    return await collect(context.upstreams.github, context.repo, owner_type)


SOURCE = Source(GITHUB_PACKAGES, "github", _collect, needs_metadata=True, forges=frozenset({GITHUB}))
