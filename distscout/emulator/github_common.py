"""GitHub's house style (upstream-apis.md §3): error bodies and the repository and owner objects."""

from __future__ import annotations

import base64
from typing import Any

from distscout.emulator.model import Repo
from distscout.emulator.replies import Call, Reply, json_reply, stable_id

DOCS = "https://docs.github.com/rest"
RAW_MEDIA_TYPE = "application/vnd.github.raw"
_FIXED_CREATED = "2015-01-01T00:00:00Z"
_FIXED_UPDATED = "2025-01-01T00:00:00Z"


def github_error(status: int, message: str, documentation_url: str = DOCS) -> Reply:
    return json_reply(
        {"message": message, "documentation_url": documentation_url, "status": str(status)}, status
    )


def not_found() -> Reply:
    return github_error(404, "Not Found")


def wants_raw(call: Call) -> bool:
    """Did the caller ask for raw bytes (application/vnd.github.raw, …raw+json, …v3.raw)?"""
    accept = call.headers.get("accept", "")
    return "vnd.github.raw" in accept or "vnd.github.v3.raw" in accept


def wrapped_base64(content: bytes) -> str:
    """Base64 wrapped every 60 characters, newline-terminated, as GitHub sends file content."""
    encoded = base64.b64encode(content).decode("ascii")
    return "".join(encoded[i : i + 60] + "\n" for i in range(0, len(encoded), 60))


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0:{kind}{number}".encode()).decode("ascii").rstrip("=")


def owner_json(login: str, owner_type: str, api: str) -> dict[str, Any]:
    number = stable_id("owner", login.lower())
    return {
        "login": login,
        "id": number,
        "node_id": node_id("User" if owner_type == "User" else "Organization", number),
        "type": owner_type,
        "site_admin": False,
        "url": f"{api}/users/{login}",
        "html_url": f"https://github.com/{login}",
    }


def repo_json(repo: Repo, api: str) -> dict[str, Any]:
    number = stable_id("repo", repo.key)
    url = f"{api}/repos/{repo.full_name}"
    newest = max((r.published_at for r in repo.releases if r.published_at), default=None)
    return {
        "id": number,
        "node_id": node_id("Repository", number),
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": owner_json(repo.owner, repo.owner_type, api),
        "html_url": repo.url,
        "description": None,
        "fork": False,
        "url": url,
        "releases_url": url + "/releases{/id}",
        "contents_url": url + "/contents/{+path}",
        "trees_url": url + "/git/trees{/sha}",
        "blobs_url": url + "/git/blobs{/sha}",
        "created_at": _FIXED_CREATED,
        "updated_at": _FIXED_UPDATED,
        "pushed_at": newest.strftime("%Y-%m-%dT%H:%M:%SZ") if newest else _FIXED_UPDATED,
        "homepage": None,
        "size": repo.tree.total_size // 1024,
        "stargazers_count": 0,
        "watchers_count": 0,
        "forks_count": 0,
        "open_issues_count": 0,
        "language": None,
        "license": None,
        "topics": [],
        "archived": repo.archived,
        "disabled": False,
        "is_template": False,
        "visibility": "public",
        "default_branch": repo.default_branch,
    }
