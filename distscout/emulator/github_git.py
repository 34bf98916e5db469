"""GitHub REST routes over a repository's files: contents, git trees, git blobs (upstream-apis.md §3.4-3.5).

Known refs are `HEAD`, the default branch, release tag names and the root tree's id; every ref names the one
snapshot a world holds.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from distscout.emulator.budget import Limits
from distscout.emulator.github_common import (
    RAW_MEDIA_TYPE,
    github_error,
    node_id,
    not_found,
    wants_raw,
    wrapped_base64,
)
from distscout.emulator.model import Repo
from distscout.emulator.replies import Call, Reply, json_reply, stable_id
from distscout.emulator.tree import TreeEntry

_INLINE_CONTENT_MAX = 1024 * 1024  # above 1 MB the JSON form carries no content (encoding "none")


def known_ref(repo: Repo, ref: str) -> bool:
    return ref in ("HEAD", repo.default_branch, repo.tree.root_sha) or any(
        r.tag_name == ref for r in repo.releases
    )


def contents(call: Call, repo: Repo, limits: Limits) -> Reply:
    """A file as JSON (base64 content) or raw bytes; a directory as an array, silently cut at the cap."""
    ref = call.query.get("ref") or repo.default_branch
    if repo.tree.is_empty:
        return github_error(404, "This repository is empty.")
    if not known_ref(repo, ref):
        return github_error(404, f"No commit found for the ref {ref}")
    entry = repo.tree.entry(call.params.get("path", "").strip("/"))
    if entry is None:
        return not_found()
    if entry.type == "tree":
        listing = repo.tree.children(entry.path)[: limits.contents_entry_cap]
        return json_reply([_content_entry(call.api_base, repo, child, ref) for child in listing])
    data = repo.tree.content(entry.path) or b""
    if wants_raw(call):
        return Reply(200, data, media_type=RAW_MEDIA_TYPE)
    inline = len(data) <= _INLINE_CONTENT_MAX
    return json_reply(
        {
            **_content_entry(call.api_base, repo, entry, ref),
            "content": wrapped_base64(data) if inline else "",
            "encoding": "base64" if inline else "none",
        }
    )


def tree(call: Call, repo: Repo, limits: Limits) -> Reply:
    """`{ref}` or `{ref}:{path}` or a tree id; any `recursive` value recurses; truncated above the cap."""
    if repo.tree.is_empty:
        return github_error(409, "Git Repository is empty.")
    ref, _, sub_path = call.params["ref"].partition(":")
    if known_ref(repo, ref):
        directory: str | None = sub_path.strip("/")
    else:
        directory = repo.tree.directory_for_sha(ref) if not sub_path else None
    listed = repo.tree.entry(directory) if directory is not None else None
    if listed is None or listed.type != "tree":
        if repo.tree.blob(ref) is not None or (listed is not None and listed.type == "blob"):
            return github_error(422, "Invalid object requested. SHA must identify a commit or a tree.")
        return not_found()
    entries = (
        repo.tree.descendants(listed.path) if "recursive" in call.query else repo.tree.children(listed.path)
    )
    prefix = listed.path + "/" if listed.path else ""
    return json_reply(
        {
            "sha": listed.sha,
            "url": _git_url(call.api_base, repo, listed),
            "tree": [
                _tree_entry(call.api_base, repo, entry, prefix) for entry in entries[: limits.tree_entry_cap]
            ],
            "truncated": len(entries) > limits.tree_entry_cap,
        }
    )


def blob(call: Call, repo: Repo, limits: Limits) -> Reply:
    sha = call.params["sha"]
    data = repo.tree.blob(sha)
    if data is None:
        return not_found()
    if wants_raw(call):
        return Reply(200, data, media_type=RAW_MEDIA_TYPE)
    return json_reply(
        {
            "sha": sha,
            "node_id": node_id("Blob", stable_id("blob", sha)),
            "size": len(data),
            "url": f"{call.api_base}/repos/{repo.full_name}/git/blobs/{sha}",
            "content": wrapped_base64(data),
            "encoding": "base64",
        }
    )


def _git_url(api: str, repo: Repo, entry: TreeEntry) -> str:
    return f"{api}/repos/{repo.full_name}/git/{entry.type}s/{entry.sha}"


def _tree_entry(api: str, repo: Repo, entry: TreeEntry, prefix: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "path": entry.path[len(prefix) :],
        "mode": entry.mode,
        "type": entry.type,
        "sha": entry.sha,
    }
    if entry.type == "blob":
        row["size"] = entry.size
    row["url"] = _git_url(api, repo, entry)
    return row


def _content_entry(api: str, repo: Repo, entry: TreeEntry, ref: str) -> dict[str, Any]:
    is_file = entry.type == "blob"
    path = quote(entry.path)
    self_url = f"{api}/repos/{repo.full_name}/contents/{path}?ref={quote(ref, safe='')}"
    html_url = f"{repo.url}/{'blob' if is_file else 'tree'}/{quote(ref, safe='')}/{path}"
    git_url = _git_url(api, repo, entry)
    return {
        "type": "file" if is_file else "dir",
        "name": entry.name,
        "path": entry.path,
        "sha": entry.sha,
        "size": entry.size,
        "url": self_url,
        "html_url": html_url,
        "git_url": git_url,
        "download_url": f"https://raw.githubusercontent.com/{repo.full_name}/{quote(ref)}/{path}"
        if is_file
        else None,
        "_links": {"self": self_url, "git": git_url, "html": html_url},
    }
