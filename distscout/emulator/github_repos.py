"""GitHub REST routes about repositories and owners: a repo, its releases, an owner's packages and repos."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from distscout.emulator.github_common import github_error, node_id, not_found, owner_json, repo_json
from distscout.emulator.model import GITHUB_PACKAGE_TYPES, GithubPackage, Release, Repo, World
from distscout.emulator.replies import (
    Call,
    Reply,
    iso_seconds,
    json_reply,
    link_header,
    page_window,
    stable_id,
)

T = TypeVar("T")
_PACKAGES_DOCS = "https://docs.github.com/rest/packages/packages"
_UNDATED = "2015-01-01T00:00:00Z"  # created_at of a release the world gives no date (as GraphQL answers)


def repository(call: Call, repo: Repo) -> Reply:
    return json_reply(repo_json(repo, call.api_base, full=True))


def releases(call: Call, repo: Repo) -> Reply:
    """Newest first (the world's order), paginated by per_page (max 100) and page, with a Link header."""
    return _paginated(call, repo.releases, lambda release: _release_json(call.api_base, repo, release))


def org_repos(call: Call, world: World) -> Reply:
    owner = world.owners.get(call.params["owner"].lower())
    if owner is None or owner.owner_type != "Organization":
        return not_found()
    return _paginated(call, owner.repos, lambda repo: repo_json(repo, call.api_base))


def user_repos(call: Call, world: World) -> Reply:
    """`/users/{u}/repos`: GitHub answers it for a user and an organization alike (public repositories);
    `type=member` lists those the user is a member of, which a world does not model: none."""
    owner = world.owners.get(call.params["owner"].lower())
    if owner is None:
        return not_found()
    chosen = owner.repos if call.query.get("type", "owner") in ("owner", "all") else ()
    return _paginated(call, chosen, lambda repo: repo_json(repo, call.api_base))


def owner_packages(call: Call, world: World, owner_type: str) -> Reply:
    """`/users/{u}/packages` answers for users only, `/orgs/{o}/packages` for organizations only."""
    package_type = call.query.get("package_type")
    if package_type not in GITHUB_PACKAGE_TYPES:
        message = "package_type is required" if not package_type else f"Invalid package_type {package_type!r}"
        return github_error(400, message, _PACKAGES_DOCS)
    owner = world.owners.get(call.params["owner"].lower())
    if owner is None or owner.owner_type != owner_type:
        return github_error(404, "Not Found", _PACKAGES_DOCS)
    found: list[tuple[Repo, GithubPackage]] = []
    if call.query.get("visibility", "public") == "public":  # everything in a world is public
        found = [(r, p) for r in owner.repos for p in r.github_packages if p.package_type == package_type]
    return _paginated(call, found, lambda item: _package_json(call.api_base, *item))


def _paginated(call: Call, items: Sequence[T], render: Callable[[T], dict[str, Any]]) -> Reply:
    per_page, page = page_window(call.query, 30, 100)
    link = link_header(call, page, per_page, len(items))
    chosen = items[(page - 1) * per_page : page * per_page]
    return json_reply([render(item) for item in chosen], headers=[("link", link)] if link else [])


def _release_json(api: str, repo: Repo, release: Release) -> dict[str, Any]:
    number = stable_id("release", repo.key, release.tag_name)
    url = f"{api}/repos/{repo.full_name}/releases/{number}"
    tag = quote(release.tag_name, safe="")
    when = iso_seconds(release.published_at)
    return {
        "url": url,
        "html_url": f"{repo.url}/releases/tag/{tag}",
        "assets_url": f"{url}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{number}/assets{{?name,label}}",
        "tarball_url": f"{api}/repos/{repo.full_name}/tarball/{tag}",
        "zipball_url": f"{api}/repos/{repo.full_name}/zipball/{tag}",
        "id": number,
        "node_id": node_id("Release", number),
        "tag_name": release.tag_name,
        "target_commitish": repo.default_branch,
        "name": release.tag_name,
        "body": "",
        "draft": release.draft,
        "prerelease": release.prerelease,
        "created_at": when or _UNDATED,  # GitHub dates every release; a draft is not yet published
        "published_at": when,
        "author": owner_json(repo.owner, repo.owner_type, api),
        "assets": [_asset_json(api, repo, release, name, when) for name in release.assets],
    }


def _asset_json(api: str, repo: Repo, release: Release, name: str, when: str | None) -> dict[str, Any]:
    number = stable_id("asset", repo.key, release.tag_name, name)
    seed = f"{repo.key}/{release.tag_name}/{name}".encode()
    return {
        "url": f"{api}/repos/{repo.full_name}/releases/assets/{number}",
        "browser_download_url": f"{repo.url}/releases/download/{quote(release.tag_name)}/{quote(name)}",
        "id": number,
        "node_id": node_id("ReleaseAsset", number),
        "name": name,
        "label": None,
        "state": "uploaded",
        "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
        "size": 1024 + number % (32 * 1024 * 1024),
        "digest": "sha256:" + hashlib.sha256(seed).hexdigest(),
        "download_count": 0,
        "created_at": when or _UNDATED,
        "updated_at": when or _UNDATED,
        "uploader": owner_json(repo.owner, repo.owner_type, api),
    }


def _package_json(api: str, repo: Repo, package: GithubPackage) -> dict[str, Any]:
    number = stable_id("package", repo.owner.lower(), package.package_type, package.name)
    scope = "users" if repo.owner_type == "User" else "orgs"
    return {
        "id": number,
        "name": package.name,
        "package_type": package.package_type,
        "owner": owner_json(repo.owner, repo.owner_type, api),
        "version_count": max(1, len(repo.releases)),
        "visibility": "public",
        "url": f"{api}/{scope}/{repo.owner}/packages/{package.package_type}/{quote(package.name, safe='')}",
        "html_url": f"https://github.com/{scope}/{repo.owner}/packages/{package.package_type}/package/{package.name}",
        "created_at": "2024-01-15T10:30:00Z",
        "updated_at": "2025-03-02T17:05:00Z",
        "repository": repo_json(repo, api),
    }
