"""`distscout repos add | import | list`: which repositories the fleet tracks.

Input is checked in full before anything is written: one bad reference, one bad line of an import file, an
organization that cannot be listed, or (with `--check`) a repository GitHub answers 404 for, and nothing is
added. `--check` is the default where a person types the command (stdin and stderr a terminal); bulk
imports and scripts skip it unless asked, so a 10,000-line import spends no budget on it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from distscout.commands import tables
from distscout.commands.common import (
    EXIT_USAGE,
    JsonOption,
    WideOption,
    database,
    emit_json,
    err,
    fail,
    out,
    quiet_retries,
    settings,
)
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref

if TYPE_CHECKING:
    from distscout.config import Settings
    from distscout.forges import Forge
    from distscout.sources.github_org import OrgRepo
    from distscout.sources.repo_check import RepoCheck
    from distscout.upstreams import Upstreams

repos_app = typer.Typer(
    name="repos", help="Track repositories: add, import, list.", no_args_is_help=True, add_completion=False
)
_COMMENT = re.compile(r"(^|\s)#.*$")
CheckOption = Annotated[
    bool | None,
    typer.Option(
        "--check/--no-check",
        help="Ask GitHub that each repository exists before adding (default: when run at a terminal).",
        show_default=False,
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(repos_app, name="repos")


@repos_app.command("add")
def add(  # noqa: PLR0917 - typer reads each option from a parameter
    refs: Annotated[
        list[str] | None,
        typer.Argument(
            help="Repositories: https://github.com/owner/name, owner/name, or a GitLab project's URL "
            "(https://gitlab.com/group/sub/project, or under a configured gitlab_instances base)."
        ),
    ] = None,
    orgs: Annotated[
        list[str] | None,
        typer.Option("--org", help="Add every repository of this GitHub organization (repeat for several)."),
    ] = None,
    users: Annotated[
        list[str] | None,
        typer.Option("--user", help="Add every repository this GitHub user owns (repeat for several)."),
    ] = None,
    groups: Annotated[
        list[str] | None,
        typer.Option(
            "--group",
            help="Add every project of this GitLab group and its subgroups (path or URL; repeatable).",
        ),
    ] = None,
    check: CheckOption = None,
    as_json: JsonOption = False,
) -> None:
    """Track repositories given as URLs or owner/name (nothing is added if any of them is invalid)."""
    from distscout.sources.github_org import OrgListingError, parse_org  # noqa: PLC0415 - lazy: start-up
    from distscout.sources.gitlab_group import parse_group  # noqa: PLC0415 - lazy: start-up
    from distscout.store.repos import add_repos, set_archived  # noqa: PLC0415 - lazy: start-up

    if not refs and not orgs and not users and not groups:
        raise fail(
            "give repositories (URL or owner/name), --org ORG, --user USER or --group GROUP", EXIT_USAGE
        )
    current = settings()
    parsed = _parse_all(refs or [], lambda index, text: "", current)  # the error names the (masked) input
    owners: list[tuple[str, str]] = []
    for flag, names in (("--org", orgs), ("--user", users)):
        for name in _distinct(names):
            try:
                owners.append((flag, parse_org(name, "organization" if flag == "--org" else "user")))
            except OrgListingError as exc:
                raise fail(f"{flag}: {exc}", EXIT_USAGE) from None
    group_of = []
    for group in _distinct(groups):
        try:
            group_of.append(parse_group(group, current.forges()))
        except OrgListingError as exc:
            raise fail(f"--group: {exc}", EXIT_USAGE) from None
    checks = _check(current, parsed) if _checking(check) else None
    listed = _list_owners(current, owners) if owners else []
    for forge, group in group_of:
        listed += _list_group(current, forge, group)
    wanted = parsed + [r.ref for r in listed]
    with database(current) as engine, engine.begin() as connection:
        added, existing = add_repos(connection, wanted, _now())
        archived = [r.ref for r in listed if r.archived]
        set_archived(connection, archived, True)
        set_archived(connection, [r.ref for r in listed if not r.archived], False)
    _report(added, existing, archived if owners or group_of else None, as_json, checks)


def _distinct(values: list[str] | None) -> list[str]:
    """Each value once, in the order given: a repeated --org lists every organization, each once."""
    return list(dict.fromkeys(values or []))


@repos_app.command("import")
def import_(
    file: Annotated[str, typer.Argument(help="One repository per line; # comments; '-' reads stdin.")],
    check: Annotated[
        bool, typer.Option("--check", help="Ask GitHub that each repository exists first (one request each).")
    ] = False,
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
    current = settings()
    parsed = _parse_all(
        [entry for _, entry in numbered], lambda index, _text: f"{shown}, line {lines[index]}", current
    )
    checks = _check(current, parsed) if check else None
    from distscout.store.repos import add_repos  # noqa: PLC0415 - lazy: start-up

    with database(current) as engine, engine.begin() as connection:
        added, existing = add_repos(connection, parsed, _now())
    _report(added, existing, None, as_json, checks)


@repos_app.command("list")
def list_(
    as_json: JsonOption = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Show at most N repos.")] = None,
    wide: WideOption = False,
) -> None:
    """Every tracked repository with its last scan, completeness, failures and archived flag."""
    from distscout.store.repos import list_repos  # noqa: PLC0415 - lazy: start-up

    with database() as engine, engine.connect() as connection:
        tracked = list_repos(connection, limit)
    rows = [repo.as_dict() for repo in tracked]
    if as_json:
        emit_json(rows)
        return
    cells = [
        (
            row["repo"],
            _short(repo_time) if (repo_time := row["last_run"]) else "never",
            row["scan"],
            str(row["failed_attempts"]) if row["failed_attempts"] else "-",
            "yes" if row["archived"] else "",
        )
        for row in rows
    ]
    noun = "tracked repository" if len(rows) == 1 else "tracked repositories"
    title = f"{len(rows)} {noun}" + (f" (first {limit})" if limit else "")
    tables.print_table(out, title, LIST_COLUMNS, cells, wide=wide, notes=err)


LIST_COLUMNS = (
    tables.key("repo"),
    tables.short("last run", drop=1),
    tables.short("scan"),
    tables.short("failures", drop=2, justify="right"),
    tables.short("archived", drop=3),
)


def _parse_all(texts: Sequence[str], where: Callable[[int, str], str], current: Settings) -> list[RepoRef]:
    """Every text as a RepoRef, or a usage error naming the first bad one (and how many more there are).

    The parser's message quotes the input with any credentials masked; `where` may add a place (a line).
    """
    parsed, problems = [], []
    for index, text in enumerate(texts):
        try:
            parsed.append(parse_repo_ref(text, current.forges()))
        except RepoRefError as exc:
            place = where(index, text)
            problems.append(f"{place}: {exc}" if place else str(exc))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise fail(f"not a repository: {problems[0]}{more}; nothing was added", EXIT_USAGE)
    return parsed


def _list_owners(current: Settings, owners: list[tuple[str, str]]) -> list[OrgRepo]:
    """Every repository of each organization (`--org`) and user (`--user`), in the order given."""
    from distscout.sources.github_org import list_org_repos, list_user_repos  # noqa: PLC0415 - lazy: start-up

    async def listing(upstreams: Upstreams) -> list[OrgRepo]:
        found: list[OrgRepo] = []
        for flag, name in owners:
            lister = list_org_repos if flag == "--org" else list_user_repos
            found += await lister(upstreams.github, name)
        return found

    return _listed(current, listing)


def _list_group(current: Settings, forge: Forge, group: str) -> list[OrgRepo]:
    from distscout.sources.gitlab_group import list_group_projects  # noqa: PLC0415 - lazy: start-up

    return _listed(
        current, lambda upstreams: list_group_projects(upstreams.forge_client(forge), forge, group)
    )


def _listed(current: Settings, listing: Callable[[Upstreams], Awaitable[list[OrgRepo]]]) -> list[OrgRepo]:
    """An organization's or a group's repositories, all or nothing: a failed listing adds nothing."""
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.sources.github_org import OrgListingError  # noqa: PLC0415 - lazy: start-up
    from distscout.upstreams import build_upstreams  # noqa: PLC0415 - lazy: start-up

    quiet_retries()

    async def run() -> list[OrgRepo]:
        upstreams = build_upstreams(current)
        try:
            return await listing(upstreams)
        finally:
            await upstreams.aclose()

    try:
        return asyncio.run(run())
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


def _checking(check: bool | None) -> bool:
    """--check / --no-check as given; otherwise check when a person is at the terminal."""
    if check is not None:
        return check
    return sys.stdin.isatty() and sys.stderr.isatty()


def _check(current: Settings, refs: list[RepoRef]) -> list[RepoCheck]:
    """Each repository's state on GitHub; a usage-level failure (nothing added) when one is not found."""
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.sources.repo_check import RepoState, check_repos  # noqa: PLC0415 - lazy: start-up
    from distscout.upstreams import build_upstreams  # noqa: PLC0415 - lazy: start-up

    quiet_retries()

    async def checking() -> list[RepoCheck]:
        upstreams = build_upstreams(current, probe=True)
        try:
            return await check_repos(upstreams, current.forges(), refs)
        finally:
            await upstreams.aclose()

    checks = asyncio.run(checking()) if refs else []
    missing = [c.ref for c in checks if c.state is RepoState.NOT_FOUND]
    if missing:
        rest = ", ".join(ref.display for ref in missing[1:])
        more = f" (and {len(missing) - 1} more: {rest})" if len(missing) > 1 else ""
        raise fail(
            f"{missing[0].display}: {_forge_word(missing[0])} answers 404 — no such repository, or a "
            f"private one this token cannot see{more}; nothing was added (fix the name, or add it anyway "
            "with --no-check)"
        )
    for c in checks:
        if c.state is RepoState.RENAMED:
            err.print(
                f"warning: {c.ref.display} is now {c.detail} on {_forge_word(c.ref)}: tracked as given, "
                "scans follow the rename",
                markup=False,
                soft_wrap=True,
            )
        elif c.state is RepoState.UNCHECKED:
            err.print(
                f"warning: {c.ref.display}: could not ask {_forge_word(c.ref)} ({c.detail}); "
                "tracked unchecked",
                markup=False,
                soft_wrap=True,
            )
    return checks


def _forge_word(ref: RepoRef) -> str:
    return "GitHub" if ref.host == "github.com" else "GitLab"


def _report(
    added: Iterable[RepoRef],
    existing: Iterable[RepoRef],
    archived: list[RepoRef] | None,
    as_json: bool,
    checks: list[RepoCheck] | None = None,
) -> None:
    added_names = [r.display for r in added]
    existing_names = [r.display for r in existing]
    if as_json:
        result: dict[str, Any] = {"added": added_names, "already_tracked": existing_names}
        if archived is not None:
            result["archived"] = [r.display for r in archived]
        if checks is not None:
            result["checked"] = [c.as_dict() for c in checks]
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
