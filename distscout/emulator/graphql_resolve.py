"""Executing a validated GraphQL query over the world (upstream-apis.md §3.7).

Tree and blob oids are the ones the REST git routes serve (`tree.py`), so a client can mix the two APIs. A
repository that does not resolve answers `null` under its alias plus a `NOT_FOUND` error; the other aliases
still resolve. `Blob.text` is cut at 512,000 bytes (`isTruncated`) and is `null` for binaries (a NUL byte, or
not UTF-8).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any
from urllib.parse import quote

from distscout.emulator.github_common import node_id
from distscout.emulator.graphql_parse import (
    EnumValue,
    Field,
    FragmentDefinition,
    FragmentSpread,
    InlineFragment,
    Selection,
    Value,
)
from distscout.emulator.graphql_schema import INTERFACES, OBJECTS, SCALARS, FieldDef, possible_types
from distscout.emulator.model import Release, Repo, World
from distscout.emulator.replies import iso_seconds, stable_id
from distscout.emulator.tree import TreeEntry

TEXT_LIMIT = 512_000  # Blob.text is cut here
_UNDATED = "2015-01-01T00:00:00Z"  # createdAt/updatedAt of a release the world gives no date
_MODES = {"blob": 0o100644, "tree": 0o040000}

Path = list[str | int]


class ResolveError(Exception):
    """A field that resolves to null with an error entry (e.g. NOT_FOUND)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass(frozen=True, slots=True)
class RateStatus:
    cost: int
    limit: int
    node_count: int
    remaining: int
    used: int
    reset_at: int  # epoch seconds


@dataclass(slots=True)
class Context:
    world: World
    rate: RateStatus
    fragments: Mapping[str, FragmentDefinition] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # The fields collected from one list of selections for one type, by the list's id: every entry of a
    # tree, every release of a page is answered from the same list. The list is kept so its id stays its.
    collected: dict[tuple[int, str], tuple[Sequence[Selection], dict[str, list[Field]]]] = field(
        default_factory=dict
    )
    # The same, by the selections the list holds (each alias of a batch makes its own lists of one
    # fragment's fields); the selections are the document's, alive while it runs.
    by_content: dict[tuple[tuple[int, ...], str], dict[str, list[Field]]] = field(default_factory=dict)
    inner: dict[int, list[Selection]] = field(default_factory=dict)  # selections under collected fields


# -- what the resolvers hand each other ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class OwnerView:
    login: str
    owner_type: str


@dataclass(frozen=True, slots=True)
class CommitView:
    repo: Repo


@dataclass(frozen=True, slots=True)
class TreeView:
    repo: Repo
    directory: str  # its path in the repository ('' for the root)
    prefix: str  # what its entries' `path` starts with: the path it was reached by


@dataclass(frozen=True, slots=True)
class EntryView:
    repo: Repo
    entry: TreeEntry
    path: str


@dataclass(frozen=True, slots=True)
class BlobView:
    sha: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ReleaseView:
    repo: Repo
    release: Release


@dataclass(frozen=True, slots=True)
class AssetView:
    repo: Repo
    release: Release
    name: str


@dataclass(frozen=True, slots=True)
class Page:
    nodes: tuple[Any, ...]
    total: int
    start: int
    stop: int


_ROOT = object()


def execute(selections: tuple[Selection, ...], context: Context) -> dict[str, Any]:
    """The `data` of a validated query; errors of single fields go to `context.errors`."""
    return _object(selections, "Query", _ROOT, context, [])


def _object(
    selections: Sequence[Selection], type_name: str, value: Any, context: Context, path: Path
) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for key, fields in _collected(selections, type_name, context).items():
        first = fields[0]
        if first.name == "__typename":
            answer[key] = type_name
            continue
        here: Path = [*path, key]
        try:
            result = _RESOLVERS[type_name, first.name](value, first.arguments, context)
        except ResolveError as problem:
            context.errors.append(
                {
                    "type": problem.kind,
                    "path": here,
                    "locations": [{"line": first.line, "column": first.column}],
                    "message": problem.message,
                }
            )
            answer[key] = None
            continue
        inner = context.inner.get(id(fields))
        if inner is None:  # the fields are the collected ones, kept in context.collected: their id is theirs
            inner = context.inner[id(fields)] = [
                selection for each in fields for selection in each.selections
            ]
        answer[key] = _complete(result, OBJECTS[type_name][first.name], inner, context, here)
    return answer


def _complete(result: Any, definition: FieldDef, inner: list[Selection], context: Context, path: Path) -> Any:
    if result is None or definition.type in SCALARS:
        return result
    if definition.is_list:
        return [_one(item, definition.type, inner, context, [*path, i]) for i, item in enumerate(result)]
    return _one(result, definition.type, inner, context, path)


def _one(value: Any, static_type: str, inner: list[Selection], context: Context, path: Path) -> Any:
    concrete = _type_of(value) if static_type in INTERFACES else static_type
    return _object(inner, concrete, value, context, path)


def _collected(selections: Sequence[Selection], type_name: str, context: Context) -> dict[str, list[Field]]:
    known = context.collected.get((id(selections), type_name))
    if known is not None:
        return known[1]
    content = (tuple(map(id, selections)), type_name)
    grouped = context.by_content.get(content)
    if grouped is None:
        grouped = context.by_content[content] = {}
        _collect(selections, type_name, context.fragments, grouped, set())
    context.collected[id(selections), type_name] = (selections, grouped)
    return grouped


def _collect(
    selections: Sequence[Selection],
    type_name: str,
    fragments: Mapping[str, FragmentDefinition],
    grouped: dict[str, list[Field]],
    spread: set[str],
) -> None:
    """Fields by response key, fragments that apply to `type_name` merged in, a named one once (GraphQL's
    CollectFields)."""
    for selection in selections:
        if isinstance(selection, FragmentSpread):
            fragment = fragments[selection.name]
            if selection.name not in spread and type_name in possible_types(fragment.type_condition):
                spread.add(selection.name)
                _collect(fragment.selections, type_name, fragments, grouped, spread)
        elif isinstance(selection, InlineFragment):
            condition = selection.type_condition
            if condition is None or type_name in possible_types(condition):
                _collect(selection.selections, type_name, fragments, grouped, spread)
        else:
            grouped.setdefault(selection.key, []).append(selection)


def _type_of(value: Any) -> str:
    if isinstance(value, OwnerView):
        return value.owner_type
    return {CommitView: "Commit", TreeView: "Tree", BlobView: "Blob"}[type(value)]


# -- resolvers -----------------------------------------------------------------------------------------------
Args = Mapping[str, Value]
Resolver = Callable[[Any, Args, Context], Any]


def _repository(_: object, args: Args, context: Context) -> Repo:
    owner, name = str(args["owner"]), str(args["name"])
    key = f"{owner}/{name}".lower()
    repo = context.world.repos_by_key.get(key)
    if repo is None and args.get("followRenames", True) is not False:
        repo = context.world.renamed_from.get(key)
    if repo is None:
        raise ResolveError("NOT_FOUND", f"Could not resolve to a Repository with the name '{owner}/{name}'.")
    return repo


def commit_oid(repo: Repo) -> str:
    """The one commit a world's repository has: derived from its name and root tree."""
    seed = f"commit\x00{repo.key}\x00{repo.tree.root_sha}".encode()
    return hashlib.sha1(seed, usedforsecurity=False).hexdigest()


def _git_object(repo: Repo, args: Args, _: Context) -> CommitView | TreeView | BlobView | None:
    if repo.tree.is_empty:
        return None
    oid, expression = args.get("oid"), args.get("expression")
    if isinstance(oid, str):
        return _by_oid(repo, oid)
    if not isinstance(expression, str):
        return None
    revision, colon, path = expression.partition(":")
    if not _known_revision(repo, revision):
        return None
    if not colon:
        return CommitView(repo)
    path = path.strip("/")
    entry = repo.tree.entry(path)
    if entry is None:
        return None
    if entry.type == "tree":
        return TreeView(repo, path, path + "/" if path else "")
    return BlobView(entry.sha, repo.tree.content(path) or b"")


def _by_oid(repo: Repo, oid: str) -> CommitView | TreeView | BlobView | None:
    data = repo.tree.blob(oid)
    if data is not None:
        return BlobView(oid, data)
    directory = repo.tree.directory_for_sha(oid)
    if directory is not None:
        return TreeView(repo, directory, "")
    return CommitView(repo) if oid == commit_oid(repo) else None


def _known_revision(repo: Repo, revision: str) -> bool:
    branch = revision.removeprefix("refs/heads/")
    tag = revision.removeprefix("refs/tags/")
    return (
        revision in ("HEAD", repo.tree.root_sha, commit_oid(repo))
        or branch == repo.default_branch
        or any(release.tag_name == tag for release in repo.releases)
    )


def _entry_object(view: EntryView, _: Args, __: Context) -> TreeView | BlobView:
    entry = view.entry
    if entry.type == "tree":
        return TreeView(view.repo, entry.path, view.path + "/")
    return BlobView(entry.sha, view.repo.tree.blob(entry.sha) or b"")


def _blob_text(blob: BlobView) -> tuple[bool, str | None]:
    """(isBinary, text)."""
    if b"\x00" in blob.data:
        return True, None
    try:
        blob.data.decode("utf-8")
    except UnicodeDecodeError:
        return True, None
    return False, blob.data[:TEXT_LIMIT].decode("utf-8", "ignore")  # a cut character is dropped


def _page(items: Sequence[Any], args: Args) -> Page:
    start, stop = 0, len(items)
    after, before = args.get("after"), args.get("before")
    if isinstance(after, str):
        start = min(stop, _cursor_index(after) + 1)
    if isinstance(before, str):
        stop = max(start, min(stop, _cursor_index(before)))
    first, last = args.get("first"), args.get("last")
    if isinstance(first, int):
        stop = min(stop, start + first)
    if isinstance(last, int):
        start = max(start, stop - last)
    return Page(tuple(items[start:stop]), len(items), start, stop)


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode("ascii")


def _cursor_index(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor, validate=True).decode("ascii")
        prefix, _, number = text.rpartition(":")
        if prefix == "cursor:v2" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError):
        pass
    raise ResolveError("INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor.")


def _releases(repo: Repo, args: Args, _: Context) -> Page:
    releases = list(repo.releases)  # newest first
    order = args.get("orderBy")
    if isinstance(order, Mapping):
        by_name = order.get("field") == EnumValue("NAME")
        if by_name:
            releases.sort(key=lambda release: release.tag_name, reverse=True)
        if order.get("direction") == EnumValue("ASC"):
            releases.reverse()
    return _page([ReleaseView(repo, release) for release in releases], args)


def _assets(view: ReleaseView, args: Args, _: Context) -> Page:
    wanted = args.get("name")
    names = [name for name in view.release.assets if wanted is None or name == wanted]
    return _page([AssetView(view.repo, view.release, name) for name in names], args)


def _release_id(view: ReleaseView) -> int:
    return stable_id("release", view.repo.key, view.release.tag_name)


def _page_info(page: Page, _: Args, __: Context) -> dict[str, Any]:
    return {
        "hasNextPage": page.stop < page.total,
        "hasPreviousPage": page.start > 0,
        "startCursor": _cursor(page.start) if page.nodes else None,
        "endCursor": _cursor(page.stop - 1) if page.nodes else None,
    }


def _epoch_iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _plain(read: Callable[[Any], Any]) -> Resolver:
    return lambda value, args, context: read(value)


def _owner_fields() -> dict[str, Resolver]:
    return {
        "id": _plain(lambda o: node_id(o.owner_type, stable_id("owner", o.login.lower()))),
        "login": _plain(lambda o: o.login),
        "url": _plain(lambda o: f"https://github.com/{o.login}"),
    }


def _git_fields(oid: Callable[[Any], str]) -> dict[str, Resolver]:
    return {"oid": _plain(oid), "abbreviatedOid": _plain(lambda value: oid(value)[:7])}


def _tree_oid(view: TreeView) -> str:
    entry = view.repo.tree.entry(view.directory)
    return entry.sha if entry is not None else ""


_BY_TYPE: dict[str, dict[str, Resolver]] = {
    "Query": {
        "repository": _repository,
        "rateLimit": lambda _, __, context: context.rate,
    },
    "RateLimit": {
        "cost": _plain(lambda rate: rate.cost),
        "limit": _plain(lambda rate: rate.limit),
        "nodeCount": _plain(lambda rate: rate.node_count),
        "remaining": _plain(lambda rate: rate.remaining),
        "used": _plain(lambda rate: rate.used),
        "resetAt": _plain(lambda rate: _epoch_iso(rate.reset_at)),
    },
    "Repository": {
        "id": _plain(lambda repo: node_id("Repository", stable_id("repo", repo.key))),
        "databaseId": _plain(lambda repo: stable_id("repo", repo.key)),
        "name": _plain(lambda repo: repo.name),
        "nameWithOwner": _plain(lambda repo: repo.full_name),
        "url": _plain(lambda repo: repo.url),
        "isArchived": _plain(lambda repo: repo.archived),
        "isEmpty": _plain(lambda repo: repo.tree.is_empty),
        "isFork": _plain(lambda repo: False),
        "isPrivate": _plain(lambda repo: False),
        "owner": _plain(lambda repo: OwnerView(repo.owner, repo.owner_type)),
        "defaultBranchRef": _plain(lambda repo: None if repo.tree.is_empty else repo),
        "releases": _releases,
        "object": _git_object,
    },
    "User": _owner_fields(),
    "Organization": _owner_fields(),
    "Ref": {  # the value is the repository: its default branch is its one ref
        "name": _plain(lambda repo: repo.default_branch),
        "prefix": _plain(lambda repo: "refs/heads/"),
        "target": _plain(CommitView),
    },
    "Commit": {
        **_git_fields(lambda commit: commit_oid(commit.repo)),
        "tree": _plain(lambda commit: TreeView(commit.repo, "", "")),
    },
    "Tree": {
        **_git_fields(_tree_oid),
        "entries": _plain(
            lambda tree: [
                EntryView(tree.repo, entry, tree.prefix + entry.name)
                for entry in tree.repo.tree.children(tree.directory)
            ]
        ),
    },
    "TreeEntry": {
        "name": _plain(lambda view: view.entry.name),
        "path": _plain(lambda view: view.path),
        "type": _plain(lambda view: view.entry.type),
        "mode": _plain(lambda view: _MODES[view.entry.type]),
        "oid": _plain(lambda view: view.entry.sha),
        "size": _plain(lambda view: view.entry.size),
        "object": _entry_object,
    },
    "Blob": {
        **_git_fields(lambda blob: blob.sha),
        "byteSize": _plain(lambda blob: len(blob.data)),
        "isBinary": _plain(lambda blob: _blob_text(blob)[0]),
        "isTruncated": _plain(lambda blob: len(blob.data) > TEXT_LIMIT),
        "text": _plain(lambda blob: _blob_text(blob)[1]),
    },
    "ReleaseConnection": {
        "totalCount": _plain(lambda page: page.total),
        "nodes": _plain(lambda page: page.nodes),
        "pageInfo": _page_info,
    },
    "Release": {
        "id": _plain(lambda view: node_id("Release", _release_id(view))),
        "databaseId": _plain(_release_id),
        "name": _plain(lambda view: view.release.tag_name),
        "tagName": _plain(lambda view: view.release.tag_name),
        "isDraft": _plain(lambda view: view.release.draft),
        "isPrerelease": _plain(lambda view: view.release.prerelease),
        "createdAt": _plain(lambda view: iso_seconds(view.release.published_at) or _UNDATED),
        "publishedAt": _plain(
            lambda view: None if view.release.draft else iso_seconds(view.release.published_at)
        ),
        "updatedAt": _plain(lambda view: iso_seconds(view.release.published_at) or _UNDATED),
        "url": _plain(lambda view: f"{view.repo.url}/releases/tag/{quote(view.release.tag_name, safe='')}"),
        "releaseAssets": _assets,
    },
    "ReleaseAssetConnection": {
        "totalCount": _plain(lambda page: page.total),
        "nodes": _plain(lambda page: page.nodes),
        "pageInfo": _page_info,
    },
    "ReleaseAsset": {
        "id": _plain(
            lambda asset: node_id(
                "ReleaseAsset", stable_id("asset", asset.repo.key, asset.release.tag_name, asset.name)
            )
        ),
        "name": _plain(lambda asset: asset.name),
        "downloadUrl": _plain(
            lambda asset: (
                f"{asset.repo.url}/releases/download/{quote(asset.release.tag_name)}/{quote(asset.name)}"
            )
        ),
    },
    "PageInfo": {name: _plain(itemgetter(name)) for name in OBJECTS["PageInfo"]},
}
_RESOLVERS: dict[tuple[str, str], Resolver] = {
    (type_name, name): resolver for type_name, fields in _BY_TYPE.items() for name, resolver in fields.items()
}


def resolved_fields() -> set[tuple[str, str]]:
    """(type, field) pairs with a resolver: the schema's object fields exactly (checked by the tests)."""
    return set(_RESOLVERS)
