"""The GitHub REST API as the emulator serves it (upstream-apis.md §3), and `POST /graphql` (§3.7).

Every answer carries the `x-ratelimit-*` headers of the caller's primary budget: per Authorization header
value (5,000/h), or per client address without one (60/h). A 304 and `/rate_limit` are free; an exhausted
budget answers 403 with `x-ratelimit-remaining: 0`. Renamed repositories answer 301 on every
`/repos/{old}/...` route, to the same route under the new name. GraphQL has its own budget per token, in
points (github_graphql.py), reported with `x-ratelimit-resource: graphql`.

The token quirks (quirks.py, `GithubQuirks`), as GitHub behaves for the kind of token a deployment has:
- a classic token's answers (REST and GraphQL) name its scopes in `X-OAuth-Scopes`, and REST answers the
  scopes the route checks for in `X-Accepted-OAuth-Scopes`; a fine-grained token gets neither, and a caller
  without a token neither;
- a token that cannot read packages (fine-grained, or classic without `read:packages`) is answered 403 by
  the owners' Packages listings, charged and with the rate-limit headers like any answer;
- every answer's `Date` is the emulator's clock plus `clock_skew_s` (RFC 7231);
- GraphQL's secondary-limit refusal is a 403, or a 200 whose `errors` say so with
  `graphql_secondary_limit_status: 200` (upstream-apis.md §3.7: "200 or 403").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from email.utils import formatdate
from typing import ClassVar

from distscout.emulator import github_git, github_graphql, github_repos
from distscout.emulator.budget import Limits, PointsPerMinute, Window
from distscout.emulator.faults import Injected
from distscout.emulator.github_common import github_error, not_found
from distscout.emulator.model import Repo, World
from distscout.emulator.quirks import GithubQuirks
from distscout.emulator.replies import Call, Handler, Reply, Route, json_reply, route
from distscout.emulator.service import Matched, Service

API_VERSIONS = frozenset({"2022-11-28", "2026-03-10"})
_RATE_DOCS = "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
_NO_USER_AGENT = (
    "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
    "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required)."
)
_SECONDARY_LIMITED = "You have exceeded a secondary rate limit. Please wait a few minutes."
_REDIRECT_DOCS = "https://docs.github.com/rest/guides/best-practices-for-using-the-rest-api#follow-redirects"
_PACKAGES_DOCS = "https://docs.github.com/rest/packages/packages"
_NO_PACKAGES_SCOPE = "You need at least read:packages scope to list packages."
PACKAGE_LISTINGS = frozenset({"/users/{owner}/packages", "/orgs/{owner}/packages"})
# What each route checks a classic token for (`X-Accepted-OAuth-Scopes`): public repository data needs no
# scope, so only the Packages listings name one; an unmatched route accepts none either.
_ACCEPTED_SCOPES = {"/users/{owner}/packages": "read:packages", "/orgs/{owner}/packages": "read:packages"}

RepoHandler = Callable[[Call, Repo], Reply]


class GithubService(Service):
    name = "github"
    etags: ClassVar = "strong"
    reports_points: ClassVar = True

    def __init__(self, world: World, limits: Limits) -> None:
        super().__init__(world, limits)
        self.per_minute = PointsPerMinute(minute=limits.hour_seconds / 60)  # GitHub's secondary limit

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
            route("GET", "/users/{owner}/repos", lambda call: github_repos.user_repos(call, world)),
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

    @property
    def github_quirks(self) -> GithubQuirks:
        quirks = self.quirks
        return quirks if isinstance(quirks, GithubQuirks) else GithubQuirks()

    def serve(self, call: Call, matched: Matched, now: float) -> tuple[Reply, bool]:
        """GraphQL answers are charged in points by their handler, never answer 304, and carry no ETag."""
        if matched is None or matched[0].template != github_graphql.PATH:
            reply, charged = super().serve(call, matched, now)
            return self._stamped(reply, call, matched, now), charged
        window = self.caller_budget(call, now)
        early = self.admit(call) or self.secondary_limit(call, matched, now)
        if early is not None:
            return self._stamped(self.decorate(early, window), call, matched, now), False
        reply = matched[0].handler(replace(call, quota=window))
        return self._stamped(self.decorate(reply, window), call, matched, now), reply.points > 0

    def refuse(self, injected: Injected, call: Call, now: float) -> Reply:
        matched = self.routes.match(call.method, call.path)
        return self._stamped(super().refuse(injected, call, now), call, matched, now)

    def _render(self, call: Call, matched: Matched) -> Reply:
        """A token that cannot read packages is refused by the Packages listings (never cached: the same
        request line without a token is answered)."""
        listing = matched is not None and matched[0].template in PACKAGE_LISTINGS
        if listing and _token(call) and not self.github_quirks.can_read_packages:
            return github_error(403, _NO_PACKAGES_SCOPE, _PACKAGES_DOCS)
        return super()._render(call, matched)

    def _stamped(self, reply: Reply, call: Call, matched: Matched, now: float) -> Reply:
        """What every GitHub answer carries whatever its route: `Date`, and a classic token's scopes."""
        quirks = self.github_quirks
        headers = [("date", formatdate(now + quirks.clock_skew_s, usegmt=True))]
        if _token(call) and quirks.token_kind == "classic":  # noqa: S105 - a kind of token, not one
            headers.append(("x-oauth-scopes", ", ".join(quirks.token_scopes)))
            if not github_graphql.is_graphql(call):
                template = matched[0].template if matched is not None else ""
                headers.append(("x-accepted-oauth-scopes", _ACCEPTED_SCOPES.get(template, "")))
        return replace(reply, headers=reply.headers + tuple(headers))

    def error(self, status: int, message: str) -> Reply:
        return github_error(status, message)

    def admit(self, call: Call) -> Reply | None:
        if not call.headers.get("user-agent", "").strip():
            return Reply(403, _NO_USER_AGENT.encode(), media_type="text/plain; charset=utf-8")
        version = call.headers.get("x-github-api-version")
        if version is not None and version not in API_VERSIONS:
            return github_error(400, f"API version {version!r} is not supported.")
        credentials = call.headers.get("authorization", "").split()  # "Bearer <token>" or "token <token>"
        if len(credentials) == 2 and credentials[1] in self.github_quirks.revoked_tokens:
            return github_error(401, "Bad credentials", "https://docs.github.com/rest")
        return None

    def secondary_limit(self, call: Call, matched: Matched, now: float) -> Reply | None:
        """Over 900 points a minute to one REST endpoint, or 2,000 to GraphQL, per token: refused, without
        `retry-after` (GitHub says one only sometimes; the caller then waits at least a minute). GraphQL's
        refusal is a 403, or with the `graphql_secondary_limit_status` quirk a 200 whose `errors` say it."""
        caller = call.headers.get("authorization", "").strip() or f"ip:{call.client}"
        if github_graphql.is_graphql(call):
            key, points, limit = f"{caller} graphql", 1, self.limits.github_graphql_points_per_minute
        else:
            endpoint = f"{call.method} {matched[0].template}" if matched else "unmatched"
            points = 1 if call.method in ("GET", "HEAD", "OPTIONS") else 5
            key, limit = f"{caller} {endpoint}", self.limits.github_rest_points_per_minute
        if self.per_minute.admit(key, points, limit, now):
            return None
        if github_graphql.is_graphql(call) and self.github_quirks.graphql_secondary_limit_status == 200:
            return json_reply({"errors": [{"message": _SECONDARY_LIMITED}]})
        return github_error(403, _SECONDARY_LIMITED, _RATE_DOCS)

    def reset(self) -> None:
        super().reset()
        self.per_minute.clear()

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
        # GitHub's search budget is per minute (30 with a token, 10 without); the emulator serves no search.
        searches = 30 if window.tier == "token" else 10
        search = {"limit": searches, "used": 0, "remaining": searches, "reset": window.reset_at}
        resources = {"core": core, "graphql": self._graphql_status(call, window), "search": search}
        return json_reply({"resources": resources, "rate": core})

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


def _token(call: Call) -> bool:
    return bool(call.headers.get("authorization", "").strip())


def _moved(call: Call, repo: Repo) -> Reply:
    rest = call.path.split("/", 4)[4:]  # what follows /repos/{owner}/{repo}
    location = f"{call.api_base}/repos/{repo.full_name}" + "".join("/" + part for part in rest)
    if call.query_string:
        location += "?" + call.query_string
    reply = json_reply(
        {"message": "Moved Permanently", "url": location, "documentation_url": _REDIRECT_DOCS}, 301
    )
    return Reply(301, reply.body, (("location", location),))
