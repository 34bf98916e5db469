"""The repository's manifests through batched GraphQL: the tree by its oid, then blob texts by oid.

The metadata query brought the root tree's oid. A tree (and a blob) named by its oid never changes, so
both are cached under the oid: a rescan of an unchanged repository reads its manifests without a single
request, and a changed one asks only for the tree and the blobs it has not seen. Nine nested levels of
`Tree.entries` cost 1 point per query, and so do up to 100 blobs. What GraphQL cannot serve (a text
truncated at 512,000 bytes, a binary, a query GitHub rejects) is read through REST, as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from distscout.captures import Capture, utc_now
from distscout.forges import GITHUB
from distscout.http import CachedAnswer, Outcome, UpstreamClient
from distscout.interpreters.manifests import MANIFESTS
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef
from distscout.results import SourceResult
from distscout.sources import github_queries
from distscout.sources.base import ScanContext, Source
from distscout.sources.github_graphql import GraphQLBatcher, capture_body
from distscout.sources.github_manifests import Walker, read_planned
from distscout.sources.github_manifests import collect as walk_rest

BLOBS_PER_QUESTION = 100


async def collect(
    batcher: GraphQLBatcher, rest: UpstreamClient, repo: RepoRef, ref: str, tree_oid: str
) -> SourceResult:
    base = f"/repos/{repo.owner}/{repo.name}"
    walker = GraphQLWalker(rest, base, ref, batcher=batcher, repo=repo, tree_oid=tree_oid)
    await walker.list_tree()
    return await read_planned(walker, WalkMode.DEEP)


@dataclass(kw_only=True)
class GraphQLWalker(Walker):
    """The REST walker (its bookkeeping, and its reads as the fallback) with GraphQL listing and reads."""

    batcher: GraphQLBatcher
    repo: RepoRef
    tree_oid: str

    async def list_tree(self) -> None:
        batcher, repo = self.batcher, self.repo
        key = f"github-graphql:tree:{self.tree_oid}"
        cached = await batcher.client.cache.lookup(key)
        if cached is not None:
            body, from_cache = cached.body, True
        else:
            field = github_queries.repository(repo.owner, repo.name, github_queries.tree(self.tree_oid))
            answer = await batcher.ask("tree", field)
            if answer.outcome is Outcome.PERMANENT:  # GraphQL refused the question: REST can answer it
                await super().list_tree()
                return
            if not answer.ok:
                self.failed("/", _failure(answer.outcome), answer.error or "tree not listed")
                return
            body, from_cache = capture_body(answer.data), False
            batcher.client.cache.store(key, CachedAnswer(self.tree_oid, body, "application/json"))
        self.outcomes.append(Outcome.OK)
        self.captures.append(
            Capture(
                MANIFESTS,
                "github.graphql.tree",
                f"POST /graphql repository({repo.full_name}) tree({self.tree_oid})",
                200,
                body,
                utc_now(),
                subject=self.tree_oid,
                from_cache=from_cache,
            )
        )
        self._add(list(_flatten(json.loads(body))), prefix="")

    async def read_many(self, paths: Iterable[str], kind: str) -> dict[str, str | None]:
        texts: dict[str, str | None] = {}
        wanted: dict[str, list[str]] = {}  # blob oid -> the paths that hold it
        paths = list(paths)
        # looked up before `known()`, which records as it answers: an oid it handles is simply not used
        cached_blobs = await self._cached_blobs({oid for path in paths if (oid := self.shas.get(path))})
        for path in paths:
            handled, text = self.known(path, kind)
            if handled:
                texts[path] = text
            elif (oid := self.shas.get(path)) and (cached := cached_blobs.get(oid)) is not None:
                texts[path] = self._keep(path, kind, oid, cached, from_cache=True)
            elif oid:
                wanted.setdefault(oid, []).append(path)
            else:
                texts[path] = await self.read(path, kind)
        found, failures = await self._ask_blobs(list(wanted))
        for oid, paths_of_oid in wanted.items():
            for path in paths_of_oid:
                handled, text = self.known(path, kind)  # an earlier path of the same blob, kept just now
                if handled:
                    texts[path] = text
                elif oid in failures:  # GitHub is failing: no second try through REST now
                    self.failed(path, *failures[oid])
                    texts[path] = None
                elif (text := found.get(oid)) is not None:
                    texts[path] = self._keep(path, kind, oid, text.encode(), from_cache=False)
                else:
                    texts[path] = await self.read(path, kind)  # REST: truncated, binary, or failed
        return texts

    async def _cached_blobs(self, oids: set[str]) -> dict[str, bytes]:
        """The blobs already cached, looked up together (a store-backed cache asks once for them all)."""
        cache = self.batcher.client.cache
        ordered = sorted(oids)
        found = await asyncio.gather(*(cache.lookup(f"github-graphql:blob:{oid}") for oid in ordered))
        return {oid: cached.body for oid, cached in zip(ordered, found, strict=True) if cached is not None}

    def _keep(self, path: str, kind: str, oid: str, body: bytes, from_cache: bool) -> str:
        if not from_cache:
            self.batcher.client.cache.store(
                f"github-graphql:blob:{oid}", CachedAnswer(oid, body, "text/plain")
            )
        capture = Capture(
            MANIFESTS,
            kind,
            f"POST /graphql repository({self.repo.full_name}) blob({oid})",
            200,
            body,
            utc_now(),
            subject=path,
            from_cache=from_cache,
        )
        self.remember(path, capture)
        return body.decode("utf-8", "replace")

    async def _ask_blobs(self, oids: list[str]) -> tuple[dict[str, str], dict[str, tuple[Outcome, str]]]:
        """Texts GraphQL served whole, and blobs whose query failed (outcome, error).

        A blob in neither (truncated, binary, or a query GitHub rejected) is read through REST.
        """
        if not oids:
            return {}, {}
        batcher, repo = self.batcher, self.repo
        chunks = [oids[i : i + BLOBS_PER_QUESTION] for i in range(0, len(oids), BLOBS_PER_QUESTION)]
        answers = await asyncio.gather(
            *(
                batcher.ask(
                    "blobs",
                    github_queries.repository(repo.owner, repo.name, github_queries.blobs(chunk)),
                    weight=len(chunk),
                )
                for chunk in chunks
            )
        )
        texts: dict[str, str] = {}
        failures: dict[str, tuple[Outcome, str]] = {}
        for chunk, answer in zip(chunks, answers, strict=True):
            if not answer.ok and answer.outcome is not Outcome.PERMANENT:
                failure = (_failure(answer.outcome), answer.error or "blob not read")
                failures.update((oid, failure) for oid in chunk)
            data = answer.data if answer.ok and isinstance(answer.data, dict) else {}
            for i, oid in enumerate(chunk):
                blob = data.get(f"b{i}")
                if isinstance(blob, dict) and _whole_text(blob):
                    texts[oid] = str(blob["text"])
        return texts, failures


def _failure(outcome: Outcome) -> Outcome:
    """A tree or blob listed a moment ago that cannot be read now is a failed read, never "no such file"."""
    return Outcome.TRANSIENT if outcome is Outcome.MISS else outcome


def _whole_text(blob: dict[str, Any]) -> bool:
    return isinstance(blob.get("text"), str) and not blob.get("isTruncated") and not blob.get("isBinary")


def _flatten(answer: Any) -> Iterator[dict[str, object]]:
    """Nested `entries` as REST tree entries (path, type, sha, size), every level."""
    root = answer.get("object") if isinstance(answer, dict) else None
    stack = [root.get("entries")] if isinstance(root, dict) else []
    while stack:
        entries = stack.pop()
        for entry in entries if isinstance(entries, list) else []:
            if not isinstance(entry, dict):
                continue
            yield {
                "path": entry.get("path"),
                "type": entry.get("type"),
                "sha": entry.get("oid", ""),
                "size": entry.get("size") or 0,
            }
            child = entry.get("object")
            if isinstance(child, dict) and "entries" in child:
                stack.append(child.get("entries"))


async def _collect(context: ScanContext) -> SourceResult:
    """The default branch's manifests: through GraphQL when the metadata came that way, REST otherwise."""
    metadata = context.metadata
    branch = metadata.default_branch if metadata is not None else "HEAD"
    if (batcher := context.batched()) is not None and metadata is not None:
        if metadata.tree_oid is None:  # GraphQL's word for an empty repository (REST: 409)
            return SourceResult(MANIFESTS, Outcome.MISS)
        return await collect(batcher, context.upstreams.github, context.repo, branch, metadata.tree_oid)
    return await walk_rest(context.upstreams.github, context.repo, branch, WalkMode.DEEP)


SOURCE = Source(
    MANIFESTS, "github", _collect, needs_metadata=True, forges=frozenset({GITHUB}), runs_ahead=True
)
