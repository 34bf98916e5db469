"""`distscout repos add | import | list`: which repositories the fleet tracks.

Input is checked in full before anything is written: one bad reference, one bad line of an import file, or
an organization that cannot be listed, and nothing is added.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from distscout.commands.common import EXIT_USAGE, JsonOption, database, emit_json, fail, out, settings
from distscout.config import Settings
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.sources.github_org import OrgListingError, OrgRepo, list_org_repos, parse_org
from distscout.store.repos import add_repos, list_repos, set_archived
from distscout.upstreams import build_upstreams

repos_app = typer.Typer(
    name="repos", help="Track repositories: add, import, list.", no_args_is_help=True, add_completion=False
)
_COMMENT = re.compile(r"(^|\s)#.*$")


def register(app: typer.Typer) -> None:
    app.add_typer(repos_app, name="repos")


@repos_app.command("add")
def add(
    refs: Annotated[
        list[str] | None,
        typer.Argument(help="Repositories: https://github.com/owner/name or owner/name."),
    ] = None,
    org: Annotated[
        str | None, typer.Option("--org", help="Add every repository of this GitHub organization.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Track repositories given as URLs or owner/name (nothing is added if any of them is invalid)."""
    if not refs and org is None:
        raise fail("give repositories (URL or owner/name) or --org ORG", EXIT_USAGE)
    parsed = _parse_all(refs or [], lambda index, text: "")  # the error names the (masked) input
    if org is not None:
        try:
            org = parse_org(org)
        except OrgListingError as exc:
            raise fail(f"--org: {exc}", EXIT_USAGE) from None
    current = settings()
    listed = _list_org(current, org) if org is not None else []
    wanted = parsed + [r.ref for r in listed]
    with database(current) as engine, engine.begin() as connection:
        added, existing = add_repos(connection, wanted, _now())
        archived = [r.ref for r in listed if r.archived]
        set_archived(connection, archived, True)
        set_archived(connection, [r.ref for r in listed if not r.archived], False)
    _report(added, existing, archived if org is not None else None, as_json)


@repos_app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="One repository per line; # comments; '-' reads stdin.")],
    as_json: JsonOption = False,
) -> None:
    """Track every repository listed in FILE (nothing is added if any line is invalid)."""
    text = _read(file)
    shown = "stdin" if file == "-" else file
    numbered = [
        (number, stripped)
        for number, line in enumerate(text.splitlines(), start=1)
        if (stripped := _COMMENT.sub("", line).strip())
    ]
    lines = {index: number for index, (number, _) in enumerate(numbered)}
    parsed = _parse_all(
        [entry for _, entry in numbered], lambda index, _text: f"{shown}, line {lines[index]}"
    )
    current = settings()
    with database(current) as engine, engine.begin() as connection:
        added, existing = add_repos(connection, parsed, _now())
    _report(added, existing, None, as_json)


@repos_app.command("list")
def list_(
    as_json: JsonOption = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most N repos.")] = None,
) -> None:
    """Every tracked repository with its last scan, completeness, failures and archived flag."""
    with database() as engine, engine.connect() as connection:
        tracked = list_repos(connection, limit)
    rows = [repo.as_dict() for repo in tracked]
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} tracked repositories" + (f" (first {limit})" if limit else ""))
    for column in ("repo", "last run", "scan", "failures", "archived"):
        table.add_column(column)
    for row in rows:
        failures = str(row["failed_attempts"]) if row["failed_attempts"] else "-"
        table.add_row(
            escape(row["repo"]),
            _short(repo_time) if (repo_time := row["last_run"]) else "never",
            row["scan"],
            failures,
            "yes" if row["archived"] else "",
        )
    out.print(table)


def _parse_all(texts: Sequence[str], where: Callable[[int, str], str]) -> list[RepoRef]:
    """Every text as a RepoRef, or a usage error naming the first bad one (and how many more there are).

    The parser's message quotes the input with any credentials masked; `where` may add a place (a line).
    """
    parsed, problems = [], []
    for index, text in enumerate(texts):
        try:
            parsed.append(parse_repo_ref(text))
        except RepoRefError as exc:
            place = where(index, text)
            problems.append(f"{place}: {exc}" if place else str(exc))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise fail(f"not a repository: {problems[0]}{more}; nothing was added", EXIT_USAGE)
    return parsed


def _list_org(current: Settings, org: str) -> list[OrgRepo]:
    async def listing() -> list[OrgRepo]:
        upstreams = build_upstreams(current)
        try:
            return await list_org_repos(upstreams.github, org)
        finally:
            await upstreams.aclose()

    try:
        return asyncio.run(listing())
    except OrgListingError as exc:
        raise fail(f"{exc}; nothing was added") from None


def _read(file: str) -> str:
    try:
        if file == "-":
            return sys.stdin.read()
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise fail(f"cannot read {file}: {reason}; nothing was added", EXIT_USAGE) from None


def _report(
    added: Iterable[RepoRef], existing: Iterable[RepoRef], archived: list[RepoRef] | None, as_json: bool
) -> None:
    added_names = [r.full_name for r in added]
    existing_names = [r.full_name for r in existing]
    if as_json:
        result: dict[str, Any] = {"added": added_names, "already_tracked": existing_names}
        if archived is not None:
            result["archived"] = [r.full_name for r in archived]
        emit_json(result)
        return
    line = f"added {len(added_names)}, already tracked {len(existing_names)}"
    if archived:
        line += f" ({len(archived)} archived: tracked, never scheduled)"
    out.print(line)


def _short(iso: str) -> str:
    """An ISO time for a table cell: to the minute, in UTC."""
    return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _now() -> datetime:
    return datetime.now(UTC)
