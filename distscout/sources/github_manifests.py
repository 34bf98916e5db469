"""The repository's own manifests, read through the GitHub REST API.

- deep (default): one recursive tree listing (walked sub-tree by sub-tree when GitHub truncates it), the
  workspace declarations it names, then the planned manifests by blob SHA.
- baseline: the seed's plan — the root listing, every first-level directory listing (Contents API), then
  each manifest's contents. A Contents listing silently stops at 1,000 entries: at that size the tree API
  is asked instead.

A listing or file read that fails makes the source `transient`: a partial manifest snapshot is never
presented as complete. An empty repository (409) is a miss.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import ClassVar
from urllib.parse import quote

from distscout.captures import Capture, utc_now
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.interpreters.manifests import MANIFESTS
from distscout.manifests.registry import MAX_MANIFEST_BYTES
from distscout.manifests.walk import (
    BASELINE_MAX_DIRECTORIES,
    MEMBER_MAX_DEPTH,
    WalkMode,
    is_skipped_directory,
    plan_walk,
    workspace_declarations,
)
from distscout.repos import RepoRef
from distscout.results import SourceResult, worst
from distscout.sources.base import capture_of

CONTENTS_LISTING_CAP = 1000  # GitHub's silent cap on a Contents directory listing
MAX_SUBTREE_CALLS = 200  # bound on the walk of a truncated tree
_EMPTY_OR_GONE = frozenset({404, 409})


async def collect(
    client: UpstreamClient, repo: RepoRef, ref: str = "HEAD", mode: WalkMode = WalkMode.DEEP
) -> SourceResult:
    walker = Walker(client, f"/repos/{repo.owner}/{repo.name}", ref)
    await (walker.list_tree() if mode is WalkMode.DEEP else walker.list_baseline())
    return await read_planned(walker, mode)


async def read_planned(walker: Walker, mode: WalkMode) -> SourceResult:
    """Given the listing: read the workspace declarations, plan the walk, read what the plan chose."""
    if walker.outcomes and walker.outcomes[0] is Outcome.MISS:  # 404 repo, or 409: empty repository
        return SourceResult(MANIFESTS, Outcome.MISS, tuple(walker.captures))
    if not walker.sizes and worst(walker.outcomes) is not Outcome.OK:
        return walker.result()
    declarations = workspace_declarations(walker.sizes) if mode is WalkMode.DEEP else ()
    texts = await walker.read_many(declarations, kind=walker.CONTEXT_KIND)
    plan = plan_walk(walker.sizes, mode, texts.get)
    texts.update(await walker.read_many([p for p in plan.context if p not in texts], walker.CONTEXT_KIND))
    await walker.read_many(plan.manifests, kind=walker.FILE_KIND)
    notes = (f"{plan.omitted} manifests beyond the plan's bounds",) if plan.omitted else ()
    return walker.result(notes)


@dataclass
class Walker:
    # what its captures are, for the interpreter (a GitLab walker spells them gitlab.*)
    FILE_KIND: ClassVar[str] = "github.file"
    CONTEXT_KIND: ClassVar[str] = "github.context"
    TOO_LARGE_KIND: ClassVar[str] = "github.file_too_large"

    client: UpstreamClient
    base: str  # /repos/{owner}/{name}
    ref: str
    sizes: dict[str, int] = field(default_factory=dict)  # every blob's path -> size
    shas: dict[str, str] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    captures: list[Capture] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    files_read: dict[str, int] = field(default_factory=dict)  # path -> index of its capture
    bodies_by_sha: dict[str, bytes] = field(default_factory=dict)  # blob SHA -> content already read
    _path_of: dict[str, str] = field(default_factory=dict)  # blob SHA -> the path it was read under

    def result(self, notes: tuple[str, ...] = ()) -> SourceResult:
        return SourceResult(
            MANIFESTS,
            worst(self.outcomes),
            tuple(self.captures),
            notes=notes,
            detail="; ".join(self.errors),
        )

    def _record(self, fetched: Fetched, kind: str, subject: str) -> bool:
        self.outcomes.append(fetched.outcome)
        if fetched.outcome.is_answer:
            self.captures.append(capture_of(MANIFESTS, kind, fetched, subject=subject))
            return fetched.ok
        self.errors.append(f"{subject}: {fetched.error or fetched.outcome}")
        return False

    async def list_tree(self) -> None:
        fetched = await self.client.get(
            f"{self.base}/git/trees/{quote(self.ref, safe='')}",
            params={"recursive": "1"},
            miss_statuses=_EMPTY_OR_GONE,
        )
        if not self._record(fetched, "github.tree", self.ref) or not isinstance(fetched.data, dict):
            return
        if fetched.data.get("truncated"):
            await self._walk_subtrees(str(fetched.data.get("sha", self.ref)))
        else:
            self._add(fetched.data.get("tree"), prefix="")

    async def _walk_subtrees(self, root_sha: str) -> None:
        """GitHub truncated the recursive listing: walk it one non-recursive tree at a time, bounded."""
        queue, calls = [("", root_sha)], 0
        while queue and calls < MAX_SUBTREE_CALLS:
            prefix, sha = queue.pop(0)
            calls += 1
            fetched = await self.client.get(f"{self.base}/git/trees/{sha}")
            if not self._record(fetched, "github.tree", prefix or "/") or not isinstance(fetched.data, dict):
                continue
            if fetched.data.get("truncated"):  # even one directory is too large to list: say so
                self.outcomes.append(Outcome.TRANSIENT)
                self.errors.append(f"{prefix or '/'}: tree listing truncated")
            for entry in _entries(fetched.data.get("tree")):
                path = prefix + entry["path"]
                wanted = entry["type"] == "tree" and not is_skipped_directory(entry["path"])
                if wanted and path.count("/") < MEMBER_MAX_DEPTH:
                    queue.append((path + "/", entry["sha"]))
            self._add(fetched.data.get("tree"), prefix)
        if queue:
            self.outcomes.append(Outcome.TRANSIENT)
            self.errors.append(f"tree too large: {len(queue)} sub-trees not listed")

    async def list_baseline(self) -> None:
        # The root through the Trees API, not silently capped at 1,000 entries as a Contents listing is
        # (and documented: GitHub's description has no Contents route without a path).
        root = await self.client.get(
            f"{self.base}/git/trees/{quote(self.ref, safe='')}", miss_statuses=_EMPTY_OR_GONE
        )
        if not self._record(root, "github.tree", "/") or not isinstance(root.data, dict):
            return
        if root.data.get("truncated"):
            await self.list_tree()
            return
        self._add(root.data.get("tree"), prefix="")
        directories = sorted(e["path"] for e in _entries(root.data.get("tree")) if e["type"] == "tree")
        for directory in directories[:BASELINE_MAX_DIRECTORIES]:
            fetched = await self.client.get(
                f"{self.base}/contents/{quote(directory)}", params={"ref": self.ref}
            )
            if not self._record(fetched, "github.contents", directory) or not isinstance(fetched.data, list):
                continue
            if len(fetched.data) >= CONTENTS_LISTING_CAP:
                await self.list_tree()
                return
            self._add(fetched.data, prefix="")

    def _add(self, raw: object, prefix: str) -> None:
        for entry in _entries(raw):
            if entry["type"] == "blob":
                path = prefix + entry["path"]
                self.sizes[path] = int(entry["size"]) if entry["size"].isdigit() else 0
                self.shas[path] = entry["sha"]

    async def read_many(self, paths: Iterable[str], kind: str) -> dict[str, str | None]:
        """Read files one by one (a subclass batches them); each text, None when it could not be read."""
        return {path: await self.read(path, kind) for path in paths}

    async def read(self, path: str, kind: str) -> str | None:
        """Read one file into a capture of its decoded body; None when it could not be read."""
        handled, text = self.known(path, kind)
        if handled:
            return text
        sha = self.shas.get(path)
        if sha:
            fetched = await self.client.get(
                f"{self.base}/git/blobs/{sha}", immutable=True
            )  # by SHA: never changes
        else:
            fetched = await self.client.get(f"{self.base}/contents/{quote(path)}", params={"ref": self.ref})
        content = _decoded(fetched)
        if content is None:
            # Listed a moment ago, so even a 404 now is a failed read, not "no file".
            self.failed(
                path,
                fetched.outcome if not fetched.outcome.is_answer else Outcome.TRANSIENT,
                fetched.error or "undecodable content",
            )
            return None
        self.remember(path, capture_of(MANIFESTS, kind, fetched, subject=path, body=content))
        return content.decode("utf-8", "replace")

    def known(self, path: str, kind: str) -> tuple[bool, str | None]:
        """Answer a read without a request when possible: (True, text) if handled, else (False, None).

        A file read once (a workspace declaration that is also a manifest) is not fetched again; a
        manifest read earlier as context is re-labelled, so it is parsed as a manifest. A file the listing
        says is too large is recorded as such; the same content under another path is read once.
        """
        if (index := self.files_read.get(path)) is not None:
            earlier = self.captures[index]
            if kind == self.FILE_KIND:
                self.captures[index] = replace(earlier, kind=kind)
            return True, earlier.body.decode("utf-8", "replace")
        if self.sizes.get(path, 0) > MAX_MANIFEST_BYTES:  # the listing says so: no need to spend a request
            self.too_large(path, self.sizes[path], "(listing)")
            return True, None
        sha = self.shas.get(path)
        if sha and sha in self.bodies_by_sha:  # the same content under another path: read once
            body = self.bodies_by_sha[sha]
            self.files_read[path] = len(self.captures)
            self.captures.append(
                replace(self.captures[self.files_read[self._path_of[sha]]], kind=kind, subject=path)
            )
            self.outcomes.append(Outcome.OK)
            return True, body.decode("utf-8", "replace")
        return False, None

    def too_large(self, path: str, size: int, how: str) -> None:
        """A file too large to parse, recorded with its size (never its body)."""
        body = json.dumps({"size": size}).encode()
        self.captures.append(
            Capture(MANIFESTS, self.TOO_LARGE_KIND, f"{how} {path}", 200, body, utc_now(), subject=path)
        )

    def remember(self, path: str, capture: Capture) -> None:
        """A file read: its capture, kept under its path and (for reuse) its blob SHA."""
        self.outcomes.append(Outcome.OK)
        self.files_read[path] = len(self.captures)
        self.captures.append(capture)
        if sha := self.shas.get(path):
            self.bodies_by_sha[sha], self._path_of[sha] = capture.body, path

    def failed(self, path: str, outcome: Outcome, error: str) -> None:
        self.outcomes.append(outcome)
        self.errors.append(f"{path}: {error}")


def _entries(raw: object) -> list[dict[str, str]]:
    """Tree or Contents entries as path/type/sha/size, Contents' "dir"/"file" spelled as tree/blob."""
    entries = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict) and isinstance(item.get("path"), str):
            kind = {"dir": "tree", "file": "blob"}.get(str(item.get("type")), str(item.get("type")))
            size = str(item.get("size", 0))
            entries.append(
                {"path": item["path"], "type": kind, "sha": str(item.get("sha", "")), "size": size}
            )
    return entries


def _decoded(fetched: Fetched) -> bytes | None:
    if not fetched.ok or not isinstance(fetched.data, dict):
        return None
    content, encoding = fetched.data.get("content"), fetched.data.get("encoding", "base64")
    if not isinstance(content, str) or encoding != "base64":
        return None
    try:
        return base64.b64decode(content, validate=False)
    except ValueError:
        return None
