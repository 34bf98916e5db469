"""`distscout scan`: scan repositories now, with a progress bar and a result table."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from distscout.app import Application
from distscout.captures import utc_now
from distscout.commands.common import EXIT_USAGE, JsonOption, database, emit_json, err, fail, out, settings
from distscout.config import Settings, setup_warnings
from distscout.http.blocked import Blocked, blocked_upstreams
from distscout.repos import RepoRefError, parse_repo_ref
from distscout.results import Verdict
from distscout.store.claims import due_repos
from distscout.store.repos import TrackedRepo, find_repo, list_repos
from distscout.upstreams import Upstreams
from distscout.worker.heartbeat import ProcessHeartbeat
from distscout.worker.runner import ScanReport

EXIT_PARTIAL = 3  # finished, some scans partial: their evidence is incomplete until they are re-claimed


def register(app: typer.Typer) -> None:
    app.command()(scan)


def scan(
    repos: Annotated[
        list[str] | None, typer.Argument(help="owner/name or URLs of tracked repositories.")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every tracked repository, due or not.")] = False,
    due: Annotated[bool, typer.Option("--due", help="Only repositories due now (the default).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Include archived repositories.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Scan repositories now: the given ones, --all, or (by default) those due.

    Exit 0 when every scan was complete, 3 when all finished but some partial (stored; re-claimed first),
    1 when a scan failed."""
    if repos and (every or due):
        raise fail("give repositories, or --all, or --due — not several", EXIT_USAGE)
    current = settings()
    for warning in setup_warnings(current):
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    with database(current) as engine, ProcessHeartbeat(engine, "scan", current.heartbeat_seconds):
        # the heartbeat starts first: its first beat gives back the claims of workers that died
        targets = _targets(engine, current, repos or [], every=every, force=force)
        reports, busy, watch = _run(engine, current, targets, show_progress=not as_json)
    if as_json:
        emit_json(
            {
                "scanned": [r.__dict__ | {"verdict": r.verdict and r.verdict.value} for r in reports],
                "busy": busy,
                "blocked": [block.as_dict() for block in watch.seen.values()],
            }
        )
    else:
        _print(reports, busy)
    for line in block_summary(watch, reports, current):
        err.print(f"blocked: {line}", markup=False, soft_wrap=True)
    if any(r.verdict is Verdict.FAILED for r in reports):
        raise typer.Exit(1)
    if any(r.verdict is Verdict.PARTIAL for r in reports):
        raise typer.Exit(EXIT_PARTIAL)


def _targets(
    engine: Engine, current: Settings, names: list[str], *, every: bool, force: bool
) -> list[TrackedRepo]:
    if names:
        try:
            refs = [parse_repo_ref(name, current.forges()) for name in names]
        except RepoRefError as exc:
            raise fail(str(exc), EXIT_USAGE) from None
        with engine.connect() as connection:
            found = [(ref, find_repo(connection, ref)) for ref in refs]
        missing = [ref.display for ref, repo in found if repo is None]
        if missing:
            raise fail(f"not tracked: {', '.join(missing)} (add with: distscout repos add)")
        chosen = [repo for _, repo in found if repo is not None]
    elif every:
        with engine.connect() as connection:
            chosen = list(list_repos(connection))
    else:
        cadence = timedelta(days=current.cadence_days)
        chosen = due_repos(engine, utc_now(), cadence, partial_first=current.immediate_partial_reclaim)
    skipped = [repo.ref.display for repo in chosen if repo.archived and not force]
    if skipped:
        err.print(f"skipping {len(skipped)} archived (use --force): {', '.join(skipped[:5])}", markup=False)
    return [repo for repo in chosen if force or not repo.archived]


@dataclass
class BlockWatch:
    """The upstreams seen blocked during the scan: shown on the progress line, summed up at the end."""

    seen: dict[str, Blocked] = field(default_factory=dict)  # upstream -> the latest block seen

    def poll(self, upstreams: Upstreams) -> list[Blocked]:
        now = blocked_upstreams(upstreams.all())
        for block in now:
            self.seen[block.upstream] = block
        return now


def _run(
    engine: Engine, current: Settings, targets: list[TrackedRepo], *, show_progress: bool
) -> tuple[list[ScanReport], list[str], BlockWatch]:
    watch = BlockWatch()

    async def go(progress: Progress | None) -> tuple[list[ScanReport], list[str], BlockWatch]:
        app = Application(current, engine)
        upstreams = app.upstreams()
        task = progress.add_task("scanning", total=len(targets)) if progress else None

        def note() -> None:
            blocked = watch.poll(upstreams)
            if progress is not None and task is not None:
                now = datetime.now(UTC)
                words = "; ".join(block.describe(now) for block in blocked)
                progress.update(task, description="scanning" + (f" — {words}" if words else ""))

        def reported(_: ScanReport) -> None:
            if progress is not None and task is not None:
                progress.advance(task)
            note()

        async def keep_noting() -> None:  # a block can last while no scan finishes
            while True:
                await asyncio.sleep(1)
                note()

        batch = app.batch(upstreams, on_report=reported)
        noting = asyncio.create_task(keep_noting())
        try:
            return await batch.run(targets), batch.busy, watch
        finally:
            noting.cancel()
            await upstreams.aclose()

    if not show_progress or not targets:
        return asyncio.run(go(None))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        return asyncio.run(go(progress))


def block_summary(watch: BlockWatch, reports: list[ScanReport], current: Settings) -> list[str]:
    """One line per upstream that was blocked during the scan: what, until when, and what to do."""
    partial = sum(1 for r in reports if r.verdict is Verdict.PARTIAL)
    now = datetime.now(UTC)
    lines = []
    for block in sorted(watch.seen.values(), key=lambda b: b.upstream):
        advice = f"rerun after {block.until.strftime('%H:%M')} UTC"
        if (
            block.upstream.startswith("github")
            and block.reason == "budget spent"
            and not current.github_token
        ):
            advice += " or set GITHUB_TOKEN (60 requests an hour without one, 5,000 with one)"
        lines.append(f"{block.describe(now)}; {partial} scans ended partial — {advice}")
    return lines


def _print(reports: list[ScanReport], busy: list[str]) -> None:
    if not reports:
        out.print("nothing to scan" + (f" ({len(busy)} busy with another worker)" if busy else ""))
        return
    table = Table(title=f"{len(reports)} scanned")
    for column in ("repo", "verdict", "registry", "manifests", "not ok"):
        table.add_column(column)
    for r in sorted(reports, key=lambda r: r.repo.lower()):
        problems = ", ".join(f"{s}: {o}" for s, o in sorted(r.outcomes.items()) if o not in ("ok", "miss"))
        verdict = r.verdict.value if r.verdict else "lost claim"
        table.add_row(
            r.repo, verdict, str(r.registry_rows), str(r.manifest_rows), problems or r.detail or "-"
        )
    out.print(table)
    if busy:
        err.print(f"{len(busy)} busy with another worker, not scanned: {', '.join(busy[:5])}", markup=False)
