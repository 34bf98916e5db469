"""`distscout stats`: the fleet rollup, orphans, unclaimed packages, and one repository's drill-down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from distscout.commands import tables
from distscout.commands.common import (
    EXIT_USAGE,
    JsonOption,
    WideOption,
    count,
    database,
    emit_json,
    err,
    fail,
    out,
    settings,
)
from distscout.commands.tables import Column, key, short, text
from distscout.ecosystems import PackageRefError, parse_package_ref
from distscout.repos import RepoRefError, parse_repo_ref

if TYPE_CHECKING:
    from sqlalchemy import Connection

# distscout.triage.VERDICTS, spelled out so that parsing the command line needs no triage (a test holds it)
VERDICTS = ("unregistered", "taken", "unlinked", "linked", "unknown", "invalid-name")

_LABELS = {
    "total": "tracked repositories",
    "scanned": "scanned",
    "with_registry": "with registry evidence",
    "with_manifest": "with a manifest",
    "orphans": "with an orphan manifest",
    "orphans_unconfirmed": "with an unconfirmed orphan (a registry never answered)",
    "unclaimed": "unclaimed (registry, no manifest)",
    "manifests_unknown": "manifests unknown (no manifest walk answered yet)",
    "not_found": "not found (GitHub answers 404)",
    "archived": "archived",
    "partial": "last scan partial",
    "failing": "failing",
    "packages_not_visible": "GitHub Packages: not visible with this token",
    "orphan_manifests": "orphan manifests (manifests)",
    "orphans_unregistered": "  unregistered: the name is free (manifests)",
    "orphans_taken": "  taken: the name links elsewhere (manifests)",
    "orphans_unknown": "  unknown: no name lookup answered (manifests)",
    "names_linked": "published, found by name: linked (manifests)",
    "names_unlinked": "published, found by name: unlinked (manifests)",
    "invalid_names": "invalid declared names (manifests)",
}


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)


def stats(  # noqa: PLR0917 - typer reads each option from a parameter
    show_orphans: Annotated[
        bool, typer.Option("--orphans", help="Manifests that declare a package no registry has.")
    ] = False,
    show_unclaimed: Annotated[
        bool, typer.Option("--unclaimed", help="Registry packages of repos that have no manifest.")
    ] = False,
    show_unconfirmed: Annotated[
        bool,
        typer.Option(
            "--unconfirmed", help="Declared, not seen published, a registry that could know is silent."
        ),
    ] = False,
    show_unknown: Annotated[
        bool,
        typer.Option("--manifests-unknown", help="Scanned repos that no manifest walk has answered for yet."),
    ] = False,
    repo: Annotated[
        str | None, typer.Option("--repo", help="One repository's evidence, state and history (owner/name).")
    ] = None,
    package: Annotated[
        str | None,
        typer.Option("--package", help="Which repos publish or declare a package (ecosystem/name)."),
    ] = None,
    verdict: Annotated[
        str | None,
        typer.Option(
            "--verdict",
            help=f"With --orphans: only the manifests with this verdict ({', '.join(VERDICTS)}).",
        ),
    ] = None,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """The fleet rollup: total / scanned / with registry / with manifest / orphans."""
    flags = (
        ("--orphans", show_orphans),
        ("--unclaimed", show_unclaimed),
        ("--unconfirmed", show_unconfirmed),
        ("--manifests-unknown", show_unknown),
    )
    chosen = [flag for flag, on in flags if on]
    chosen += [flag for flag, value in (("--repo", repo), ("--package", package)) if value is not None]
    if len(chosen) > 1:
        raise fail(f"choose one of {', '.join(chosen)}", EXIT_USAGE)
    if verdict is not None:
        if chosen and chosen != ["--orphans"]:
            raise fail(f"--verdict goes with --orphans, not {chosen[0]}", EXIT_USAGE)
        if verdict not in VERDICTS:
            raise fail(f"--verdict: {verdict[:40]!r} is not one of {', '.join(VERDICTS)}", EXIT_USAGE)
        show_orphans = True
    ref = None
    if repo is not None:
        try:
            ref = parse_repo_ref(repo, settings().forges())
        except RepoRefError as exc:
            raise fail(f"--repo: {exc}", EXIT_USAGE) from None
    wanted = _package(package) if package is not None else None
    with database() as engine, engine.connect() as connection:
        if wanted is not None:
            from distscout.store.queries import package_search  # noqa: PLC0415 - lazy: start-up

            _show_package(package_search(connection, *wanted), as_json, wide)
        elif ref is not None:
            from distscout.store.queries import repo_report  # noqa: PLC0415 - lazy: start-up

            report = repo_report(connection, ref)
            if report is None:
                hint = f"add it with: distscout repos add {ref.display}"
                raise fail(f"{ref.display} is not tracked ({hint})")
            _show_repo(report, as_json, wide)
        elif show_orphans:
            show_orphan_rows(connection, verdict, as_json, wide)
        elif show_unconfirmed:
            from distscout.store.queries import unconfirmed_orphans  # noqa: PLC0415 - lazy: start-up

            rows = unconfirmed_orphans(connection)
            show_rows(rows, as_json, ("unconfirmed orphan", "unconfirmed orphans"), UNCONFIRMED_COLUMNS, wide)
        elif show_unknown:
            from distscout.store.queries import manifests_unknown  # noqa: PLC0415 - lazy: start-up

            title = ("repository with manifests unknown", "repositories with manifests unknown")
            show_rows(manifests_unknown(connection), as_json, title, UNKNOWN_COLUMNS, wide)
        elif show_unclaimed:
            show_unclaimed_rows(connection, as_json, wide)
        else:
            from distscout.store.queries import fleet_stats  # noqa: PLC0415 - lazy: start-up

            show_fleet(fleet_stats(connection).as_dict(), as_json)


def show_orphan_rows(connection: Connection, verdict: str | None, as_json: bool, wide: bool) -> None:
    """The orphans (or the manifests with `verdict`), then the unconfirmed ones apart."""
    from distscout.store.queries import orphans, unconfirmed_orphans  # noqa: PLC0415 - lazy: start-up

    if verdict is None:
        title = ("orphan manifest", "orphan manifests")
    else:
        title = (f"manifest with verdict {verdict}", f"manifests with verdict {verdict}")
    show_rows(orphans(connection, verdict), as_json, title, ORPHAN_COLUMNS, wide)
    waiting = unconfirmed_orphans(connection) if verdict is None else []
    if waiting and not as_json:
        title = (
            "unconfirmed (not seen published, but a registry that could know never answered)",
            "unconfirmed (not seen published, but a registry that could know never answered)",
        )
        show_rows(waiting, False, title, UNCONFIRMED_COLUMNS, wide)


def show_unclaimed_rows(connection: Connection, as_json: bool, wide: bool) -> None:
    from distscout.store.queries import fleet_stats, unclaimed  # noqa: PLC0415 - lazy: start-up

    show_rows(
        unclaimed(connection), as_json, ("unclaimed package", "unclaimed packages"), UNCLAIMED_COLUMNS, wide
    )
    unknown = fleet_stats(connection).manifests_unknown
    if unknown and not as_json:
        err.print(
            f"{unknown} scanned repositories have manifests unknown (no manifest walk answered yet): "
            "not listed as unclaimed until one does",
            markup=False,
        )


Columns = tuple[tuple[str, Column], ...]
UNKNOWN_COLUMNS: Columns = (
    ("repo", key("repo")),
    ("registry_packages", short("registry packages", justify="right")),
    ("last_run", short("last scan", drop=1)),
    ("last_error", text("last error")),
)
UNCONFIRMED_COLUMNS: Columns = (
    ("repo", key("repo")),
    ("manifest_path", key("manifest")),
    ("manifest_type", short("type", drop=1)),
    ("package_name_declared", key("declared name")),
    ("waiting_on", text("waiting on")),
)
ORPHAN_COLUMNS: Columns = (
    ("verdict", short("verdict")),
    ("repo", key("repo")),
    ("manifest_path", key("manifest")),
    ("manifest_type", short("type", drop=1)),
    ("package_name_declared", key("declared name")),
    ("intent_reason", text("declares intent by", drop=1)),
    ("verdict_detail", text("why", drop=2)),
)
UNCLAIMED_COLUMNS: Columns = (
    ("repo", key("repo")),
    ("ecosystem", short("ecosystem")),
    ("package_name", key("package")),
    ("source", short("source", drop=1)),
)
PUBLISHED_COLUMNS: Columns = (
    ("repo", key("repo")),
    ("package_name", key("package")),
    ("source", short("source")),
    ("registry", short("registry", drop=1)),
)
DECLARED_COLUMNS: Columns = (
    ("repo", key("repo")),
    ("manifest_path", key("manifest")),
    ("package_name_declared", key("declared name")),
    ("intent", short("intent")),
    ("intent_reason", text("because", drop=1)),
)
_DATES = frozenset({"last_run", "first_seen", "last_seen", "first_published_at", "latest_published_at"})


def _package(text: str) -> tuple[str, str]:
    try:
        return parse_package_ref(text)
    except PackageRefError as exc:
        raise fail(f"--package: {exc}", EXIT_USAGE) from None


def _show_package(found: dict[str, Any], as_json: bool, wide: bool) -> None:
    if as_json:
        emit_json(found)
        return
    name = f"{found['ecosystem']}/{found['name']}"
    published = found["published_by"]
    repos = len({row["repo"] for row in published})
    rows = f" ({count(len(published), 'row')})" if len(published) != repos else ""
    title = f"{count(repos, 'repo')} publishing {name}{rows}"
    tables.print_table(
        out, title, _columns(PUBLISHED_COLUMNS), _cells(published, PUBLISHED_COLUMNS), wide=wide, notes=err
    )
    declared = found["declared_by"]
    title = f"{count(len(declared), 'manifest')} declaring {name}"
    tables.print_table(
        out, title, _columns(DECLARED_COLUMNS), _cells(declared, DECLARED_COLUMNS), wide=wide, notes=err
    )


def show_fleet(values: dict[str, int], as_json: bool) -> None:
    if as_json:
        emit_json(values)
        return
    columns = (text(""), short("repos", justify="right"))  # the labels wrap: the counts are never cut
    tables.print_table(out, "fleet", columns, [(_LABELS.get(k, k), str(v)) for k, v in values.items()])


def show_rows(
    rows: list[dict[str, Any]],
    as_json: bool,
    title: tuple[str, str],
    columns: Columns,
    wide: bool = False,
) -> None:
    """`rows` as JSON, or as a table titled `N thing(s)` (`title`: the singular and the plural)."""
    if as_json:
        emit_json(rows)
        return
    heading = f"{len(rows)} {title[0] if len(rows) == 1 else title[1]}"
    tables.print_table(out, heading, _columns(columns), _cells(rows, columns), wide=wide, notes=err)


def _columns(columns: Columns) -> list[Column]:
    return [column for _, column in columns]


def _cells(rows: list[dict[str, Any]], columns: Columns) -> list[list[Any]]:
    return [[_value(row.get(name), name) for name, _ in columns] for row in rows]


def _value(value: Any, name: str) -> Any:
    if name in _DATES:
        return _when(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return value


def _show_repo(report: dict[str, Any], as_json: bool, wide: bool) -> None:
    if as_json:
        emit_json(report)
        return
    state = report["state"]
    if state["scan_complete"] is None:
        scan = "never scanned" if state["last_run"] is None else "no stored scan"
    else:
        scan = "complete" if state["scan_complete"] else "partial"
        if state.get("not_found"):
            scan = "not found"
    archived = "  (archived)" if report["archived"] else ""
    out.print(tables.visible(f"{report['repo']}  {report['url']}{archived}"), markup=False)
    last_run, failures = _when(state["last_run"]) if state["last_run"] else "never", state["failed_attempts"]
    out.print(f"last run: {last_run} ({scan}); failed attempts: {failures}", markup=False)
    if state["last_error"]:
        out.print(tables.visible(f"last error: {state['last_error']}"), markup=False)
    for source, outcome in report["unseen"].items():
        out.print(f"not seen in the last scan: {source} ({_UNSEEN.get(outcome, outcome)})", markup=False)
    distribution = report["distribution"]
    registry_columns = (
        short("ecosystem"),
        key("package"),
        short("source"),
        short("versions", drop=3, justify="right"),
        short("first published", drop=2),
        short("latest published", drop=1),
    )
    registry_rows = [
        (
            row["ecosystem"],
            row["package_name"] + (" (noise)" if row.get("noise") else ""),
            row["source"],
            row.get("version_count"),
            _when(row.get("first_published_at")),
            _when(row.get("latest_published_at")),
        )
        for row in distribution
    ]
    title = f"{count(len(distribution), 'registry / release row')}"
    tables.print_table(out, title, registry_columns, registry_rows, wide=wide, notes=err)
    manifest_columns = (
        key("path"),
        short("type", drop=1),
        key("declared name"),
        text("intent"),
        short("status", drop=2),
        text("verdict"),
    )
    manifest_rows = [
        (
            row["manifest_path"],
            row["manifest_type"],
            row["package_name_declared"],
            f"{'yes' if row['intent'] else 'no'} ({row.get('intent_reason') or '-'})",
            row["status"],
            f"{row['verdict']}: {row.get('verdict_detail') or ''}" if row.get("verdict") else None,
        )
        for row in report["manifests"]
    ]
    title = count(len(manifest_rows), "manifest")
    tables.print_table(out, title, manifest_columns, manifest_rows, wide=wide, notes=err)
    history = report["history"]
    span_columns = (key("evidence"), short("first seen", drop=1), short("last seen"), short("present"))
    span_rows = [
        (span["key"], _when(span["first_seen"]), _when(span["last_seen"]), _yes(span["present"]))
        for kind in ("packages", "manifests")
        for span in history[kind]
    ]
    title = f"history ({count(len(history['scans']), 'recent scan')})"
    tables.print_table(out, title, span_columns, span_rows, wide=wide, notes=err)
    for event in history.get("verdicts", []):
        when = _when(event["at"])
        line = f"{when}  {event['manifest_path']}: {event['event']} ({event['from']} → {event['to']})"
        out.print(tables.visible(line), markup=False)


_UNSEEN = {
    "not_visible": "not visible with this token: GitHub Packages needs a classic token with read:packages",
    "transient": "failed; retried on the next scan",
    "circuit_open": "its upstream's circuit breaker was open",
    "permanent": "refused the question",
}


def _when(iso: str | None) -> str:
    """An ISO time for a table cell: to the minute, in UTC."""
    if not iso:
        return "-"
    moment = datetime.fromisoformat(str(iso))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _yes(value: Any) -> str:
    return "yes" if value else "no"
