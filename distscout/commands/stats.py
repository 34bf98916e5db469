"""`distscout stats`: the fleet rollup, orphans, unclaimed packages, and one repository's drill-down."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from distscout.commands.common import EXIT_USAGE, JsonOption, database, emit_json, err, fail, out, settings
from distscout.ecosystems import PackageRefError, parse_package_ref
from distscout.repos import RepoRefError, parse_repo_ref
from distscout.store.queries import (
    fleet_stats,
    manifests_unknown,
    orphans,
    package_search,
    repo_report,
    unclaimed,
    unconfirmed_orphans,
)
from distscout.triage import VERDICTS

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
            _show_package(package_search(connection, *wanted), as_json)
        elif ref is not None:
            report = repo_report(connection, ref)
            if report is None:
                hint = f"add it with: distscout repos add {ref.display}"
                raise fail(f"{ref.display} is not tracked ({hint})")
            _show_repo(report, as_json)
        elif show_orphans:
            title = "orphan manifests" if verdict is None else f"manifests with verdict {verdict}"
            show_rows(orphans(connection, verdict), as_json, title, ORPHAN_COLUMNS)
            waiting = unconfirmed_orphans(connection) if verdict is None else []
            if waiting and not as_json:
                rows = [row | {"waiting_on": ", ".join(row["waiting_on"])} for row in waiting]
                title = "unconfirmed (not seen published, but a registry that could know never answered)"
                show_rows(rows, False, title, UNCONFIRMED_COLUMNS)
        elif show_unconfirmed:
            rows = unconfirmed_orphans(connection)
            if not as_json:
                rows = [row | {"waiting_on": ", ".join(row["waiting_on"])} for row in rows]
            show_rows(rows, as_json, "unconfirmed orphans", UNCONFIRMED_COLUMNS)
        elif show_unknown:
            show_rows(manifests_unknown(connection), as_json, "manifests unknown", UNKNOWN_COLUMNS)
        elif show_unclaimed:
            show_rows(unclaimed(connection), as_json, "unclaimed packages", UNCLAIMED_COLUMNS)
            unknown = fleet_stats(connection).manifests_unknown
            if unknown and not as_json:
                err.print(
                    f"{unknown} scanned repositories have manifests unknown (no manifest walk answered yet): "
                    "not listed as unclaimed until one does",
                    markup=False,
                )
        else:
            show_fleet(fleet_stats(connection).as_dict(), as_json)


UNKNOWN_COLUMNS = (
    ("repo", "repo"),
    ("registry_packages", "registry packages"),
    ("last_run", "last scan"),
    ("last_error", "last error"),
)
UNCONFIRMED_COLUMNS = (
    ("repo", "repo"),
    ("manifest_path", "manifest"),
    ("manifest_type", "type"),
    ("package_name_declared", "declared name"),
    ("waiting_on", "waiting on"),
)
ORPHAN_COLUMNS = (
    ("verdict", "verdict"),
    ("repo", "repo"),
    ("manifest_path", "manifest"),
    ("manifest_type", "type"),
    ("package_name_declared", "declared name"),
    ("verdict_detail", "why"),
)
UNCLAIMED_COLUMNS = (
    ("repo", "repo"),
    ("ecosystem", "ecosystem"),
    ("package_name", "package"),
    ("source", "source"),
)


def _package(text: str) -> tuple[str, str]:
    try:
        return parse_package_ref(text)
    except PackageRefError as exc:
        raise fail(f"--package: {exc}", EXIT_USAGE) from None


def _show_package(found: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(found)
        return
    title = f"{found['ecosystem']}/{found['name']}"
    show_rows(found["published_by"], False, f"repos publishing {title}", PUBLISHED_COLUMNS)
    show_rows(found["declared_by"], False, f"manifests declaring {title}", DECLARED_COLUMNS)


PUBLISHED_COLUMNS = (
    ("repo", "repo"),
    ("package_name", "package"),
    ("source", "source"),
    ("registry", "registry"),
)
DECLARED_COLUMNS = (("repo", "repo"), ("manifest_path", "manifest"), ("intent", "intent"))


def show_fleet(values: dict[str, int], as_json: bool) -> None:
    if as_json:
        emit_json(values)
        return
    table = Table(title="fleet")
    table.add_column("")
    table.add_column("repos", justify="right")
    for key, value in values.items():
        table.add_row(_LABELS.get(key, key), str(value))
    out.print(table)


def show_rows(
    rows: list[dict[str, Any]], as_json: bool, title: str, columns: tuple[tuple[str, str], ...]
) -> None:
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} {title}")
    for _, header in columns:
        table.add_column(header)
    for row in rows:
        table.add_row(*(_text(row.get(key)) for key, _ in columns))
    out.print(table)


def _show_repo(report: dict[str, Any], as_json: bool) -> None:
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
    out.print(f"{report['repo']}  {report['url']}{archived}", markup=False)
    last_run, failures = _when(state["last_run"]) if state["last_run"] else "never", state["failed_attempts"]
    out.print(f"last run: {last_run} ({scan}); failed attempts: {failures}", markup=False)
    if state["last_error"]:
        out.print(f"last error: {state['last_error']}", markup=False)
    for source, outcome in report["unseen"].items():
        out.print(f"not seen in the last scan: {source} ({_UNSEEN.get(outcome, outcome)})", markup=False)
    registry = Table(title=f"{len(report['distribution'])} registry / release rows")
    for header in ("ecosystem", "package", "source", "versions", "first published", "latest published"):
        registry.add_column(header)
    for row in report["distribution"]:
        registry.add_row(
            _text(row["ecosystem"]),
            _text(row["package_name"] + (" (noise)" if row.get("noise") else "")),
            _text(row["source"]),
            _text(row.get("version_count")),
            _when(row.get("first_published_at")),
            _when(row.get("latest_published_at")),
        )
    out.print(registry)
    manifests = Table(title=f"{len(report['manifests'])} manifests")
    for header in ("path", "type", "declared name", "intent", "status", "verdict"):
        manifests.add_column(header)
    for row in report["manifests"]:
        intent = "yes" if row["intent"] else f"no ({row.get('intent_reason') or '-'})"
        verdict = f"{row['verdict']}: {row.get('verdict_detail') or ''}" if row.get("verdict") else None
        manifests.add_row(
            _text(row["manifest_path"]),
            _text(row["manifest_type"]),
            _text(row["package_name_declared"]),
            _text(intent),
            _text(row["status"]),
            _text(verdict),
        )
    out.print(manifests)
    history = report["history"]
    spans = Table(title=f"history ({len(history['scans'])} recent scans)")
    for header in ("evidence", "first seen", "last seen", "present"):
        spans.add_column(header)
    for kind in ("packages", "manifests"):
        for span in history[kind]:
            spans.add_row(
                _text(span["key"]), _when(span["first_seen"]), _when(span["last_seen"]), _yes(span["present"])
            )
    out.print(spans)
    for event in history.get("verdicts", []):
        when = _when(event["at"])
        out.print(
            f"{when}  {event['manifest_path']}: {event['event']} ({event['from']} → {event['to']})",
            markup=False,
        )


_UNSEEN = {
    "not_visible": "not visible with this token: GitHub Packages needs a classic token with read:packages",
    "transient": "failed; retried on the next scan",
    "circuit_open": "its upstream's circuit breaker was open",
    "permanent": "refused the question",
}


def _text(value: Any) -> str:
    """A table cell: never read as rich markup (names and paths may hold brackets)."""
    return "-" if value is None or value == "" else escape(str(value))


def _when(iso: str | None) -> str:
    """An ISO time for a table cell: to the minute, in UTC."""
    if not iso:
        return "-"
    moment = datetime.fromisoformat(iso)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _yes(value: Any) -> str:
    return "yes" if value else "no"
