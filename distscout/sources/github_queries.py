"""The GitHub GraphQL selections distscout sends (upstream-apis.md §3.7), one per question.

Each function returns the selection for ONE repository; `github_graphql.GraphQLBatcher` puts many of them
under aliases in a single query (`r0: repository(owner: "…", name: "…") { … }`), followed by
`rateLimit { cost remaining resetAt }`. The emulator answers exactly these shapes.

What every repository of a batch asks alike is a named fragment (`...RepositoryMetadata`, the tree's levels
`...TreeEntries1` … `...TreeEntries9`), defined once at the end of the query: a batch of 100 repositories'
trees is 100 short aliases and nine definitions, not 100 copies of a nine-level selection, for GitHub to read
and for the emulator too. `document` adds the definitions the aliases spread.

Cost, as GitHub counts it: one request per connection (a field with `first:`), times the `first:` of every
connection above it; the sum divided by 100, rounded, at least 1 point. So:
- `METADATA`: one `releases(first: 100)` connection per repository: 50 repositories = 50 requests = 1 point.
- `tree(...)`: `Tree.entries` is not a connection: 1 point per query, however deep and however many aliases.
- `blobs(...)`: plain `object(oid:)` lookups: 1 point per query.
- `releases(n)`: 1 request for the releases plus n for their assets: (1 + n) / 100 points per repository,
  asked only for repositories whose release list changed, with n = how many releases they have (≤ 100).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

TREE_DEPTH = 9  # nested `entries` levels: paths with up to 8 slashes (MEMBER_MAX_DEPTH)
MAX_RELEASES = 100  # the newest 100 releases, as the REST source reads
MAX_ASSETS = 100  # assets per release in one page; more → the REST source reads that repository

# The release list's fingerprint comes along with the metadata: a rescan whose newest releases kept their
# ids and update times reuses the stored answer instead of asking for the assets again.
_METADATA_FIELDS = """
nameWithOwner
isArchived
owner { __typename login }
defaultBranchRef { name target { ... on Commit { oid tree { oid } } } }
releases(first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
  totalCount
  nodes { databaseId tagName isDraft publishedAt updatedAt }
}
"""
_ENTRY_FIELDS = "path type oid size"


def _entries_fragment(level: int) -> str:
    """`TreeEntriesN`: a tree entry and, for a directory, its entries N - 1 levels deep."""
    deeper = f" object {{ ... on Tree {{ entries {{ ...TreeEntries{level - 1} }} }} }}" if level > 1 else ""
    return f"fragment TreeEntries{level} on TreeEntry {{ {_ENTRY_FIELDS}{deeper} }}"


# Every fragment a selection may spread, by name; each spreads only the ones defined before it.
FRAGMENTS = {
    "RepositoryMetadata": f"fragment RepositoryMetadata on Repository {{{_METADATA_FIELDS}}}",
    **{f"TreeEntries{level}": _entries_fragment(level) for level in range(1, TREE_DEPTH + 1)},
}
METADATA = "...RepositoryMetadata"
_SPREAD = re.compile(r"\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)")  # `... on Tree` too: `on` is no fragment
# a string literal spreads nothing, whatever it holds (a repository named `a...RepositoryMetadata`)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def literal(value: str) -> str:
    """A GraphQL string literal (its escapes are JSON's)."""
    return json.dumps(value)


def repository(owner: str, name: str, selection: str) -> str:
    return f"repository(owner: {literal(owner)}, name: {literal(name)}) {{{selection}}}"


def releases(count: int) -> str:
    """The newest `count` releases with their asset names (drafts included: interpretation drops them)."""
    return (
        f"releases(first: {count}, orderBy: {{field: CREATED_AT, direction: DESC}}) {{ nodes {{ "
        f"tagName isDraft publishedAt "
        f"releaseAssets(first: {MAX_ASSETS}) {{ pageInfo {{ hasNextPage }} nodes {{ name }} }} }} }}"
    )


def tree(tree_oid: str, depth: int = TREE_DEPTH) -> str:
    """The whole tree `depth` levels deep (1 to TREE_DEPTH), by the root tree's oid (a snapshot)."""
    if not 1 <= depth <= TREE_DEPTH:
        raise ValueError(f"a tree is read 1 to {TREE_DEPTH} levels deep, not {depth}")
    return f"object(oid: {literal(tree_oid)}) {{ ... on Tree {{ oid entries {{ ...TreeEntries{depth} }} }} }}"


def blobs(oids: Iterable[str]) -> str:
    """Blob texts by oid, aliased b0, b1, … in the order given."""
    return " ".join(
        f"b{i}: object(oid: {literal(oid)}) {{ ... on Blob {{ oid byteSize isBinary isTruncated text }} }}"
        for i, oid in enumerate(oids)
    )


RATE_LIMIT = "rateLimit { cost remaining resetAt }"


def document(aliased: Iterable[tuple[str, str]]) -> str:
    """One query: each (alias, field) pair as `alias: field`, then the rate-limit status, then the fragments
    the fields spread (GitHub refuses a fragment defined and not spread)."""
    body = " ".join(f"{alias}: {field}" for alias, field in aliased)
    return " ".join([f"query {{ {body} {RATE_LIMIT} }}", *_definitions(body)])


def _definitions(text: str) -> list[str]:
    """The definitions of the fragments `text` spreads, and of those they spread, each once."""
    wanted: dict[str, str] = {}
    pending = [_STRING.sub('""', text)]
    while pending:
        for name in _SPREAD.findall(pending.pop()):
            if name in FRAGMENTS and name not in wanted:
                wanted[name] = FRAGMENTS[name]
                pending.append(FRAGMENTS[name])
    return list(wanted.values())
