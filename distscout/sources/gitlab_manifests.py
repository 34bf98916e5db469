"""The repository's own manifests, read through GitLab's REST API.

The recursive tree, page by page (keyset pagination: `Link rel="next"` carries the `page_token`), then the
planned manifests through the raw-file route, the path URL-encoded as one segment. The same plan as on
GitHub (`distscout.manifests.walk`). GitLab's listing gives no sizes: a file too large to parse is known
once read, and recorded by its size only. A failed page or read makes the source `transient`. A file read
once is cached by its blob id (its content): a rescan of an unchanged repository reads no file again.

Where it pays — two files or more — the files come through GraphQL, `blobs(paths:)` for up to 50 paths a
request, instead of one raw-file request each. A file GraphQL calls binary is read raw (the exact bytes); a
batch GraphQL cannot answer (an error, an older instance) is read raw, file by file.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

from distscout.captures import Capture, utc_now
from distscout.forges import GITLAB
from distscout.http import CachedAnswer, Outcome, UpstreamClient
from distscout.interpreters.manifests import MANIFESTS
from distscout.manifests.registry import MAX_MANIFEST_BYTES
from distscout.manifests.walk import WalkMode
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source, capture_of
from distscout.sources.github_manifests import Walker, read_planned
from distscout.sources.gitlab_lists import next_link_param

MAX_TREE_PAGES = 500  # 50,000 entries: beyond that the listing is called incomplete, not cut silently
BLOB_BATCH = 50  # paths one GraphQL request asks for (GitLab bounds a query's complexity: moderate batches)
_BLOBS = (
    "query($project: ID!, $ref: String, $paths: [String!]!) { project(fullPath: $project) { repository "
    "{ blobs(ref: $ref, paths: $paths) { nodes { path size rawTextBlob } } } } }"
)


@dataclass
class GitlabWalker(Walker):
    FILE_KIND: ClassVar[str] = "gitlab.file"
    CONTEXT_KIND: ClassVar[str] = "gitlab.context"
    TOO_LARGE_KIND: ClassVar[str] = "gitlab.file_too_large"
    graphql: UpstreamClient | None = None  # the instance's GraphQL, when configured
    full_path: str = ""  # the project's, as GraphQL names it

    async def list_tree(self) -> None:
        token: str | None = None
        for _ in range(MAX_TREE_PAGES):
            params = {"recursive": "true", "per_page": "100", "pagination": "keyset", "ref": self.ref}
            if token is not None:
                params["page_token"] = token
            fetched = await self.client.get(f"{self.base}/repository/tree", params=params)
            if not self._record(fetched, "gitlab.tree", token or "/") or not isinstance(fetched.data, list):
                return
            for item in fetched.data:
                if (
                    isinstance(item, dict)
                    and item.get("type") == "blob"
                    and isinstance(item.get("path"), str)
                ):
                    self.sizes[item["path"]] = 0  # unknown until read
                    self.shas[item["path"]] = str(item.get("id", ""))
            token = next_link_param(fetched.headers.get("link", ""), "page_token")
            if token is None:
                return
        self.outcomes.append(Outcome.TRANSIENT)
        self.errors.append(f"tree listing longer than {MAX_TREE_PAGES} pages")

    async def read_many(self, paths: Iterable[str], kind: str) -> dict[str, str | None]:
        texts: dict[str, str | None] = {}
        pending = []
        for path in paths:
            handled, text = self.known(path, kind)
            if handled:
                texts[path] = text
            else:
                pending.append(path)
        cached = await self._cached_blobs(pending)
        for path, body in cached.items():
            texts[path] = self._keep(path, kind, body, f"(cache) blob {self.shas[path]}", from_cache=True)
        pending = [path for path in pending if path not in cached]
        if self.graphql is None or len(pending) < 2:  # one file: the raw route costs the same
            texts.update({path: await self.read(path, kind) for path in pending})
            return texts
        for start in range(0, len(pending), BLOB_BATCH):
            texts.update(await self._read_batch(self.graphql, pending[start : start + BLOB_BATCH], kind))
        return texts

    async def _read_batch(
        self, graphql: UpstreamClient, paths: list[str], kind: str
    ) -> dict[str, str | None]:
        variables = {"project": self.full_path, "ref": self.ref, "paths": paths}
        fetched = await graphql.request(
            "POST", "/graphql", json_body={"query": _BLOBS, "variables": variables}
        )
        nodes = _blob_nodes(fetched.data) if fetched.ok else None
        if nodes is None:  # GraphQL could not answer: the raw route, file by file
            return {path: await self.read(path, kind) for path in paths}
        texts: dict[str, str | None] = {}
        for path in paths:
            node = nodes.get(path)
            size = node.get("size") if node is not None else None
            size = int(size) if isinstance(size, (int, str)) and str(size).isdigit() else None
            text = node.get("rawTextBlob") if node is not None else None
            if node is None:  # listed a moment ago: a blob GraphQL does not find is a failed read
                self.failed(path, Outcome.TRANSIENT, "listed, but GraphQL has no such blob")
                texts[path] = None
            elif size is not None and size > MAX_MANIFEST_BYTES:
                self.outcomes.append(Outcome.OK)
                self.too_large(path, size, "(graphql)")
                texts[path] = None
            elif not isinstance(text, str):  # binary, GitLab says: the exact bytes, by the raw route
                texts[path] = await self.read(path, kind)
            else:
                request = f"POST /api/graphql blobs({self.full_path}@{self.ref}: {path})"
                texts[path] = self._keep(path, kind, text.encode("utf-8"), request, from_cache=False)
        return texts

    async def _cached_blobs(self, paths: list[str]) -> dict[str, bytes]:
        """Files whose blob (by its id in the listing: its content) was read before, in any scan: a rescan
        of an unchanged repository reads no file. Looked up together (a store cache asks once)."""
        keyed = [(path, f"gitlab:blob:{sha}") for path in paths if (sha := self.shas.get(path))]
        found = await asyncio.gather(*(self.client.cache.lookup(key) for _, key in keyed))
        return {
            path: answer.body for (path, _), answer in zip(keyed, found, strict=True) if answer is not None
        }

    def _keep(self, path: str, kind: str, body: bytes, request: str, *, from_cache: bool) -> str:
        """A file read (or found in the cache): its capture, and its blob cached by id for later scans."""
        if not from_cache:
            self._cache_blob(path, body)
        capture = Capture(MANIFESTS, kind, request, 200, body, utc_now(), subject=path, from_cache=from_cache)
        self.remember(path, capture)
        return body.decode("utf-8", "replace")

    def _cache_blob(self, path: str, body: bytes) -> None:
        if sha := self.shas.get(path):  # a blob id names its content: cached for good
            self.client.cache.store(f"gitlab:blob:{sha}", CachedAnswer(sha, body, "text/plain"))

    async def read(self, path: str, kind: str) -> str | None:
        handled, text = self.known(path, kind)
        if handled:
            return text
        fetched = await self.client.get(
            f"{self.base}/repository/files/{quote(path, safe='')}/raw",
            params={"ref": self.ref},
            expect_json=False,
        )
        if not fetched.ok:  # listed a moment ago, so even a 404 now is a failed read, not "no file"
            failure = fetched.outcome if not fetched.outcome.is_answer else Outcome.TRANSIENT
            self.failed(path, failure, fetched.error or "not read")
            return None
        if len(fetched.body) > MAX_MANIFEST_BYTES:
            self.outcomes.append(Outcome.OK)
            self.too_large(path, len(fetched.body), "(read)")
            return None
        self._cache_blob(path, fetched.body)
        self.remember(path, capture_of(MANIFESTS, kind, fetched, subject=path))
        return fetched.body.decode("utf-8", "replace")


def _blob_nodes(answer: object) -> dict[str, dict[str, object]] | None:
    """The blobs of a GraphQL answer by path; None when it carries none (an error, no such project)."""
    data = answer.get("data") if isinstance(answer, dict) else None
    for step in ("project", "repository", "blobs"):
        data = data.get(step) if isinstance(data, dict) else None
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if not isinstance(nodes, list):
        return None
    return {n["path"]: n for n in nodes if isinstance(n, dict) and isinstance(n.get("path"), str)}


async def _collect(context: ScanContext) -> SourceResult:
    metadata = context.metadata
    if metadata is None or metadata.empty or not metadata.project_id:
        return SourceResult(MANIFESTS, Outcome.MISS)  # an empty repository: no files, GitLab says so
    client = context.upstreams.forge_client(context.forge)
    walker = GitlabWalker(client, f"/projects/{metadata.project_id}", metadata.default_branch)
    walker.graphql = context.upstreams.forge_graphql(context.forge)
    walker.full_path = metadata.ref.full_name
    await walker.list_tree()
    return await read_planned(walker, WalkMode.DEEP)


SOURCE = Source(MANIFESTS, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
