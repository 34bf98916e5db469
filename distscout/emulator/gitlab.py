"""GitLab's REST API v4 as the emulator serves it (upstream-apis.md §4), under `/gitlab/api/v4`.

- `:id` is the numeric id or the URL-encoded full path (`group%2Fsub%2Fproject`); an old path is followed
  to the renamed project (GitLab keeps redirect routes), answered under its new `path_with_namespace`;
  a missing (or private) project is `404 {"message": "404 Project Not Found"}`.
- Lists page by offset with `x-page`, `x-per-page`, `x-next-page`, `x-prev-page`, `x-total`,
  `x-total-pages` and `Link` (default 20 a page, at most 100); the repository tree also pages by keyset
  (`pagination=keyset`: `Link rel="next"` with a `page_token`, no totals).
- Budgets per minute: 2,000 per token, 500 per address without one; every answer carries
  `RateLimit-Name/Limit/Observed/Remaining/Reset` (reset in epoch seconds); a spent budget is a 429 with
  `Retry-After`, `RateLimit-ResetTime` and the plain-text body "Retry later".
- Weak ETags, honoured by `If-None-Match`; a 304 is charged like any answer (GitLab does not say it is
  free: upstream-apis.md §4 assumes it counts).
- `POST /gitlab/api/graphql`: GraphQL, a project's blobs by path (gitlab_graphql.py), charged as a request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from email.utils import formatdate
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from distscout.emulator import gitlab_graphql
from distscout.emulator.budget import Budgets, Limits, Window
from distscout.emulator.faults import Injected
from distscout.emulator.model import Repo, World, gitlab_project_id
from distscout.emulator.replies import Call, Handler, Reply, Route, iso_millis, json_reply, page_window, route
from distscout.emulator.service import Matched, Service
from distscout.emulator.tree import TreeEntry

API = "/api/v4"
_PROJECT = API + "/projects/{id}"
_RETRY_LATER = b"Retry later\n"

ProjectHandler = Callable[[Call, Repo], Reply]


def gitlab_error(status: int, message: str) -> Reply:
    return json_reply({"message": message}, status)


class GitlabService(Service):
    name = "gitlab"
    etags: ClassVar = "weak"

    def __init__(self, world: World, limits: Limits) -> None:
        super().__init__(world, limits)
        self.budgets = Budgets(
            aligned_to_hour=False, period=max(1, self.limits.hour_seconds // 60)
        )  # a minute

    def build_routes(self) -> Iterable[Route]:
        scoped = self._project_scoped
        return (
            route("GET", _PROJECT, scoped(_project)),
            route("GET", _PROJECT + "/packages", scoped(_packages)),
            route("GET", _PROJECT + "/releases", scoped(_releases)),
            route("GET", _PROJECT + "/repository/tree", scoped(_tree)),
            route("GET", _PROJECT + "/repository/files/{file_path}/raw", scoped(_raw_file)),
            route("GET", API + "/groups/{id}/projects", self._group_projects),
            route("GET", API + "/projects", self._projects),
            route(
                "POST",
                gitlab_graphql.PATH,
                lambda call: gitlab_graphql.answer(call, self.world),
                cacheable=False,
            ),
        )

    def _by_id(self) -> list[Repo]:
        """Every project once (its former paths aside), in id order, as GitLab lists them."""
        return [repo for _, repo in sorted(self.world.gitlab_by_id.items())]

    def _projects(self, call: Call) -> Reply:
        """Every public project (one listing: `doctor` asks for a page of one)."""
        return _offset_page(call, [_project_json(repo) for repo in self._by_id()])

    def _group_projects(self, call: Call) -> Reply:
        """A group's projects (with `include_subgroups=true`, its subgroups' too); groups exist in a world
        as the namespaces of its projects."""
        group = call.params["id"].lower()
        nested = call.query.get("include_subgroups") == "true"
        inside = [r for r in self._by_id() if f"{r.owner.lower()}/".startswith(group + "/")]
        if not inside:
            return gitlab_error(404, "404 Group Not Found")
        chosen = inside if nested else [r for r in inside if r.owner.lower() == group]
        return _offset_page(call, [_project_json(repo) for repo in chosen])

    def _project_scoped(self, handler: ProjectHandler) -> Handler:
        def scoped(call: Call) -> Reply:
            wanted = call.params["id"]
            repo = (
                self.world.gitlab_by_id.get(int(wanted))
                if wanted.isdigit()
                else self.world.gitlab_projects.get(wanted.lower())
            )
            return handler(call, repo) if repo is not None else gitlab_error(404, "404 Project Not Found")

        return scoped

    def error(self, status: int, message: str) -> Reply:
        return gitlab_error(status, f"{status} {message}")

    def caller_budget(self, call: Call, now: float) -> Window | None:
        token = call.headers.get("authorization") or call.headers.get("private-token")
        if token:
            return self.budgets.window(f"token:{token}", self.limits.gitlab_token_per_minute, "token", now)
        return self.budgets.window(f"ip:{call.client}", self.limits.gitlab_anonymous_per_minute, "ip", now)

    def quota_headers(self, window: Window) -> tuple[tuple[str, str], ...]:
        name = "throttle_authenticated_api" if window.tier == "token" else "throttle_unauthenticated_api"
        return (
            ("ratelimit-name", name),
            ("ratelimit-limit", str(window.limit)),
            ("ratelimit-observed", str(min(window.used, window.limit))),
            ("ratelimit-remaining", str(window.remaining)),
            ("ratelimit-reset", str(window.reset_at)),
        )

    def serve(self, call: Call, matched: Matched, now: float) -> tuple[Reply, bool]:
        """A 304 is charged too: GitLab does not say it is free, so the emulator assumes it counts."""
        reply, charged = super().serve(call, matched, now)
        window = self.caller_budget(call, now) if reply.status == 304 else None
        if window is not None:
            window.used += 1
            charged = True
        return reply, charged

    def cost(self, reply: Reply, charged: bool) -> int:
        return int(charged)

    def over_quota(self, window: Window) -> Reply:
        return _retry_later(window.reset_at)

    def refusal(self, injected: Injected, window: Window | None) -> Reply:
        if injected.kind == "rate_limit":
            return _retry_later(math.ceil(injected.reset_at), retry_after=injected.retry_after_s)
        return self.error(injected.status, "Service Unavailable" if injected.kind == "outage" else "Error")


def _retry_later(reset_at: int, retry_after: float | None = None) -> Reply:
    headers = (
        ("retry-after", str(math.ceil(retry_after if retry_after is not None else 60))),
        ("ratelimit-resettime", formatdate(reset_at, usegmt=True)),
    )
    return Reply(429, _RETRY_LATER, headers, media_type="text/plain; charset=utf-8")


def _project(call: Call, repo: Repo) -> Reply:
    return json_reply(_project_json(repo))


def _project_json(repo: Repo) -> dict[str, Any]:
    namespace = repo.owner
    return {
        "id": gitlab_project_id(repo),
        "name": repo.name,
        "path": repo.name,
        "path_with_namespace": repo.full_name,
        "name_with_namespace": " / ".join(repo.full_name.split("/")),
        "namespace": {
            "name": namespace.rpartition("/")[2],
            "path": namespace.rpartition("/")[2],
            "kind": repo.owner_type.lower(),
            "full_path": namespace,
        },
        "default_branch": None if repo.tree.is_empty else repo.default_branch,
        "archived": repo.archived,
        "visibility": "public",
        "web_url": f"https://gitlab.com/{repo.full_name}",
        "empty_repo": repo.tree.is_empty,
    }


def _packages(call: Call, repo: Repo) -> Reply:
    wanted = call.query.get("package_type")
    items = [
        {
            "id": gitlab_project_id(repo) * 1000 + position,
            "name": package.name,
            "version": package.version,
            "package_type": package.package_type,
            "status": "default",
            "created_at": iso_millis(package.created_at) or "2024-01-01T00:00:00.000Z",
            "_links": {"web_path": f"/{repo.full_name}/-/packages/{position}"},
            "tags": [],
        }
        for position, package in enumerate(repo.gitlab_packages, 1)
        if wanted is None or package.package_type == wanted
    ]
    return _offset_page(call, items)


def _releases(call: Call, repo: Repo) -> Reply:
    items = []
    for release in repo.releases:
        if release.draft:  # GitLab has no drafts: a draft of the world is not published there
            continue
        released = iso_millis(release.published_at)
        links = [
            {
                "id": position,
                "name": asset,
                "url": f"https://gitlab.com/{repo.full_name}/-/releases/{release.tag_name}/downloads/{asset}",
                "direct_asset_url": f"https://gitlab.com/{repo.full_name}/-/releases/{release.tag_name}"
                f"/downloads/{asset}",
                "link_type": "package",
            }
            for position, asset in enumerate(release.assets, 1)
        ]
        items.append(
            {
                "tag_name": release.tag_name,
                "name": release.tag_name,
                "created_at": released,
                "released_at": released,
                "upcoming_release": False,
                "assets": {"count": len(links), "sources": [], "links": links},
            }
        )
    return _offset_page(call, items)


def _tree(call: Call, repo: Repo) -> Reply:
    directory = call.query.get("path", "").strip("/")
    recursive = call.query.get("recursive") == "true"
    entries = repo.tree.descendants(directory) if recursive else repo.tree.children(directory)
    if directory and repo.tree.entry(directory) is None:
        return gitlab_error(404, "404 Tree Not Found")
    items = [_tree_item(entry) for entry in entries]
    if call.query.get("pagination") != "keyset":
        return _offset_page(call, items)
    per_page, _ = page_window(call.query, 20, 100)
    token = call.query.get("page_token")
    start = 0
    if token is not None:  # the last path of the previous page (git order, as GitLab walks the tree)
        after = next((i for i, entry in enumerate(entries) if entry.path == token), None)
        if after is None:
            return gitlab_error(400, "400 Bad request - page_token is invalid")
        start = after + 1
    page = items[start : start + per_page]
    headers = []
    if start + per_page < len(items):
        kept = [(k, v) for k, v in call.query_items if k != "page_token"]
        following = urlencode([*kept, ("page_token", entries[start + per_page - 1].path)])
        headers.append(("link", f'<{call.api_base}{call.path}?{following}>; rel="next"'))
    return json_reply(page, headers=headers)


def _tree_item(entry: TreeEntry) -> dict[str, Any]:
    return {"id": entry.sha, "name": entry.name, "type": entry.type, "path": entry.path, "mode": entry.mode}


def _raw_file(call: Call, repo: Repo) -> Reply:
    content = repo.tree.content(call.params["file_path"])
    if content is None:
        return gitlab_error(404, "404 File Not Found")
    return Reply(200, content, media_type="text/plain; charset=utf-8")


def _offset_page(call: Call, items: Sequence[Any]) -> Reply:
    """One page of `items`, with GitLab's offset pagination headers (and totals: lists here are small)."""
    per_page, page = page_window(call.query, 20, 100)
    total_pages = max(1, -(-len(items) // per_page))
    chosen = items[(page - 1) * per_page : page * per_page]
    headers = [
        ("x-page", str(page)),
        ("x-per-page", str(per_page)),
        ("x-next-page", str(page + 1) if page < total_pages else ""),
        ("x-prev-page", str(page - 1) if page > 1 else ""),
        ("x-total", str(len(items))),
        ("x-total-pages", str(total_pages)),
    ]
    links = [(page + 1, "next")] if page < total_pages else []
    links += [(1, "first"), (total_pages, "last")]
    kept = [(k, v) for k, v in call.query_items if k not in ("page", "per_page")]
    base = f"{call.api_base}{quote(call.path, safe='/%')}?"
    headers.append(
        (
            "link",
            ", ".join(
                f'<{base}{urlencode([*kept, ("page", n), ("per_page", per_page)])}>; rel="{rel}"'
                for n, rel in links
            ),
        )
    )
    return json_reply(list(chosen), headers=headers)
