"""The repository's own manifests, read through GitLab's REST API.

The recursive tree, page by page (keyset pagination: `Link rel="next"` carries the `page_token`), then the
planned manifests through the raw-file route, the path URL-encoded as one segment. The same plan as on
GitHub (`distscout.manifests.walk`). GitLab's listing gives no sizes: a file too large to parse is known
once read, and recorded by its size only. A failed page or read makes the source `transient`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import quote

from distscout.forges import GITLAB
from distscout.http import Outcome
from distscout.interpreters.manifests import MANIFESTS
from distscout.manifests.registry import MAX_MANIFEST_BYTES
from distscout.manifests.walk import WalkMode
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source, capture_of
from distscout.sources.github_manifests import Walker, read_planned
from distscout.sources.gitlab_packages import next_link_param

MAX_TREE_PAGES = 500  # 50,000 entries: beyond that the listing is called incomplete, not cut silently


@dataclass
class GitlabWalker(Walker):
    FILE_KIND: ClassVar[str] = "gitlab.file"
    CONTEXT_KIND: ClassVar[str] = "gitlab.context"
    TOO_LARGE_KIND: ClassVar[str] = "gitlab.file_too_large"

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
        self.remember(path, capture_of(MANIFESTS, kind, fetched, subject=path))
        return fetched.body.decode("utf-8", "replace")


async def _collect(context: ScanContext) -> SourceResult:
    metadata = context.metadata
    if metadata is None or metadata.empty or not metadata.project_id:
        return SourceResult(MANIFESTS, Outcome.MISS)  # an empty repository: no files, GitLab says so
    client = context.upstreams.forge_client(context.forge)
    walker = GitlabWalker(client, f"/projects/{metadata.project_id}", metadata.default_branch)
    await walker.list_tree()
    return await read_planned(walker, WalkMode.DEEP)


SOURCE = Source(MANIFESTS, "gitlab", _collect, needs_metadata=True, forges=frozenset({GITLAB}))
