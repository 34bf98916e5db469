"""The GitHub REST API as the emulator serves it (upstream-apis.md §3), and `POST /graphql` (§3.7).

Every answer carries the `x-ratelimit-*` headers of the caller's primary budget: per Authorization header
value (5,000/h), or per client address without one (60/h). A 304 and `/rate_limit` are free; an exhausted
budget answers 403 with `x-ratelimit-remaining: 0`. Renamed repositories answer 301 on every
`/repos/{old}/...` route, to the same route under the new name. GraphQL has its own budget per token, in
points (github_graphql.py), reported with `x-ratelimit-resource: graphql`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import ClassVar

from distscout.emulator import github_git, github_graphql, github_repos
from distscout.emulator.budget import Limits, Window
from distscout.emulator.faults import Injected
from distscout.emulator.github_common import github_error, not_found
from distscout.emulator.model import Repo
from distscout.emulator.replies import Call, Handler, Reply, Route, json_reply, route
from distscout.emulator.service import Matched, Service

API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
_RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
_NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
    "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
)
_REDIRECT_DOCS = "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"

RepoHandler = Callable[[Call, Repo], Reply]


class GithubService(Service):
    name = "github"
    etags: ClassVar = "strong"
    reports_points: ClassVar = True

    def build_routes(self) -> Iterable[Route]:
        world, limits, scoped = self.world, self.limits, self._repo_scoped

        def with_limits(handler: Callable[[Call, Repo, Limits], Reply]) -> RepoHandler:
            return lambda call, repo: handler(call, repo, limits)

        return (
            route("GET", "/rate_limit", self._rate_limit, cacheable=False, free=True),
            route(
                "POST",
                github_graphql.PATH,
                lambda call: github_graphql.answer(call, world, call.quota, limits),
                cacheable=False,
            ),
            route("GET", "/repos/{owner}/{repo}", scoped(github_repos.repository)),
            route("GET", "/repos/{owner}/{repo}/releases", scoped(github_repos.releases)),
            route("GET", "/repos/{owner}/{repo}/contents", scoped(with_limits(github_git.contents))),
            route(
                "GET",
                "/repos/{owner}/{repo}/contents/{path}",
                scoped(with_limits(github_git.contents)),
                rest="path",
            ),
            route(
                "GET",
                "/repos/{owner}/{repo}/git/trees/{ref}",
                scoped(with_limits(github_git.tree)),
                rest="ref",
            ),
            route("GET", "/repos/{owner}/{repo}/git/blobs/{sha}", scoped(with_limits(github_git.blob))),
            route(
                "GET",
                "/users/{owner}/packages",
                lambda call: github_repos.owner_packages(call, world, "User"),
            ),
            route(
                "GET",
                "/orgs/{owner}/packages",
                lambda call: github_repos.owner_packages(call, world, "Organization"),
            ),
            route("GET", "/orgs/{owner}/repos", lambda call: github_repos.org_repos(call, world)),
        )

    def _repo_scoped(self, handler: RepoHandler) -> Handler:
        def scoped(call: Call) -> Reply:
            key = f"{call.params['owner']}/{call.params['repo']}".lower()
            repo = self.world.repos_by_key.get(key)
            if repo is not None:
                return handler(call, repo)
            moved = self.world.renamed_from.get(key)
            return _moved(call, moved) if moved is not None else not_found()

        return scoped

    def serve(self, call: Call, matched: Matched, now: float) -> tuple[Reply, bool]:
        """GraphQL answers are charged in points by their handler, never answer 304, and carry no ETag."""
        if matched is None or matched[0].template != github_graphql.PATH:
            return super().serve(call, matched, now)
        window = self.caller_budget(call, now)
        early = self.admit(call)
        if early is not None:
            return self.decorate(early, window), False
        reply = matched[0].handler(replace(call, quota=window))
        return self.decorate(reply, window), reply.points > 0

    def error(self, status: int, message: str) -> Reply:
        return github_error(status, message)

    def admit(self, call: Call) -> Reply | None:
        if not call.headers.get("user-agent", "").strip():
            return Reply(403, _NO_USER_AGENT.encode(), media_type="text/plain; charset=utf-8")
        version = call.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            return github_error(400, f"API version {version!r} is not supported.")
        return None

    def caller_budget(self, call: Call, now: float) -> Window | None:
        if github_graphql.is_graphql(call):
            key = github_graphql.budget_key(call)
            if key is None:
                return None
            limit = self.limits.github_graphql_points_per_hour
            return self.budgets.window(key, limit, github_graphql.TIER, now)
        token = call.headers.get("authorization")
        if token:
            return self.budgets.window(f"token:{token}", self.limits.github_token_per_hour, "token", now)
        return self.budgets.window(
            f"ip:{call.client}", self.limits.github_anonymous_per_hour, "anonymous", now
        )

    def quota_headers(self, window: Window) -> tuple[tuple[str, str], ...]:
        return (
            ("x-ratelimit-limit", str(window.limit)),
            ("x-ratelimit-remaining", str(window.remaining)),
            ("x-ratelimit-used", str(min(window.used, window.limit))),
            ("x-ratelimit-reset", str(window.reset_at)),
            ("x-ratelimit-resource", "graphql" if window.tier == github_graphql.TIER else "core"),
        )

    def over_quota(self, window: Window) -> Reply:
        who = "this token" if window.tier == "token" else "your address"
        return github_error(403, f"API rate limit exceeded for {who}.", _RATE_DOCS)

    def refusal(self, injected: Injected, window: Window | None) -> Reply:
        if injected.kind == "rate_limit":
            reply = github_error(injected.status, "You have exceeded a secondary rate limit.", _RATE_DOCS)
            retry_after = str(math.ceil(injected.retry_after_s))
            return Reply(reply.status, reply.body, (("retry-after", retry_after),))
        return github_error(
            injected.status, "Service Unavailable" if injected.kind == "outage" else "Server Error"
        )

    def cost(self, reply: Reply, charged: bool) -> int:
        """A charged REST answer costs 1; a GraphQL answer its points."""
        return reply.points or int(charged)

    def _rate_limit(self, call: Call) -> Reply:
        window = call.quota
        if window is None:  # unreachable: every GitHub caller has a budget
            return self.error(500, "no rate-limit window")
        core = {
            "limit": window.limit,
            "used": window.used,
            "remaining": window.remaining,
            "reset": window.reset_at,
        }
        return json_reply(
            {"resources": {"core": core, "graphql": self._graphql_status(call, window)}, "rate": core}
        )

    def _graphql_status(self, call: Call, core: Window) -> dict[str, int]:
        """The caller's GraphQL budget as /rate_limit reports it (none for anonymous callers)."""
        limit = self.limits.github_graphql_points_per_hour if core.tier == "token" else 0
        key = github_graphql.budget_key(call)
        points = self.budgets.peek(key) if key is not None and core.tier == "token" else None
        if points is None:  # no GraphQL request yet (or a stale window, renewed by the next one)
            return {"limit": limit, "used": 0, "remaining": limit, "reset": core.reset_at}
        return {
            "limit": points.limit,
            "used": points.used,
            "remaining": points.remaining,
            "reset": points.reset_at,
        }


def _moved(call: Call, repo: Repo) -> Reply:
    rest = call.path.split("/", 4)[4:]  # what follows /repos/{owner}/{repo}
    location = f"{call.api_base}/repos/{repo.full_name}" + "".join("/" + part for part in rest)
    if call.query_string:
        location += "?" + call.query_string
    reply = json_reply(
        {"message": "Moved Permanently", "url": location, "documentation_url": _REDIRECT_DOCS}, 301
    )
    return Reply(301, reply.body, (("location", location),))
