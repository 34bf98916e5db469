"""GitHub's house style (upstream-apis.md §3): error bodies and the repository and owner objects.

The objects carry every property GitHub's OpenAPI description requires of them (`simple-user`,
`minimal-repository`, `full-repository`; tests/contracts checks every answer against it), the hypermedia
URLs spelled as GitHub spells them.
"""

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
    """A `simple-user` (GitHub describes organizations as owners in the same shape, `type` aside)."""
    number = stable_id("owner", login.lower())
    url = f"{api}/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": node_id("User" if owner_type == "User" else "Organization", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "gravatar_id": "",
        "url": url,
        "html_url": f"https://github.com/{login}",
        "followers_url": url + "/followers",
        "following_url": url + "/following{/other_user}",
        "gists_url": url + "/gists{/gist_id}",
        "starred_url": url + "/starred{/owner}{/repo}",
        "subscriptions_url": url + "/subscriptions",
        "organizations_url": url + "/orgs",
        "repos_url": url + "/repos",
        "events_url": url + "/events{/privacy}",
        "received_events_url": url + "/received_events",
        "type": owner_type,
        "user_view_type": "public",
        "site_admin": False,
    }


# A repository's hypermedia links: the name under its API URL, then the URI template GitHub appends.
_REPO_LINKS = {
    "forks_url": "/forks",
    "keys_url": "/keys{/key_id}",
    "collaborators_url": "/collaborators{/collaborator}",
    "teams_url": "/teams",
    "hooks_url": "/hooks",
    "issue_events_url": "/issues/events{/number}",
    "events_url": "/events",
    "assignees_url": "/assignees{/user}",
    "branches_url": "/branches{/branch}",
    "tags_url": "/tags",
    "blobs_url": "/git/blobs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "trees_url": "/git/trees{/sha}",
    "statuses_url": "/statuses/{sha}",
    "languages_url": "/languages",
    "stargazers_url": "/stargazers",
    "contributors_url": "/contributors",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "commits_url": "/commits{/sha}",
    "git_commits_url": "/git/commits{/sha}",
    "comments_url": "/comments{/number}",
    "issue_comment_url": "/issues/comments{/number}",
    "contents_url": "/contents/{+path}",
    "compare_url": "/compare/{base}...{head}",
    "merges_url": "/merges",
    "archive_url": "/{archive_format}{/ref}",
    "downloads_url": "/downloads",
    "issues_url": "/issues{/number}",
    "pulls_url": "/pulls{/number}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "labels_url": "/labels{/name}",
    "releases_url": "/releases{/id}",
    "deployments_url": "/deployments",
}


def repo_json(repo: Repo, api: str, *, full: bool = False) -> dict[str, Any]:
    """A repository as listings show it (`minimal-repository`); `full`: as `GET /repos/{o}/{r}` does."""
    number = stable_id("repo", repo.key)
    url = f"{api}/repos/{repo.full_name}"
    newest = max((r.published_at for r in repo.releases if r.published_at), default=None)
    answer: dict[str, Any] = {
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
        **{name: url + link for name, link in _REPO_LINKS.items()},
        "git_url": f"git://github.com/{repo.full_name}.git",
        "ssh_url": f"git@github.com:{repo.full_name}.git",
        "clone_url": f"https://github.com/{repo.full_name}.git",
        "svn_url": repo.url,
        "mirror_url": None,
        "has_issues": True,
        "has_projects": True,
        "has_wiki": True,
        "has_pages": False,
        "has_discussions": False,
        "forks": 0,
        "open_issues": 0,
        "watchers": 0,
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
    if full:
        answer.update(network_count=0, subscribers_count=0)
    return answer
