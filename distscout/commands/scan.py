"""`distscout scan`: scan repositories now, with a progress bar and a result table."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from distscout.commands import tables
from distscout.commands.common import (
    EXIT_USAGE,
    JsonOption,
    WideOption,
    application,
    count,
    emit_json,
    err,
    fail,
    out,
    settings,
)
from distscout.repos import RepoRefError, parse_repo_ref

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from distscout.app import Application
    from distscout.config import Settings
    from distscout.http.blocked import Blocked
    from distscout.store.repos import TrackedRepo
    from distscout.upstreams import Upstreams
    from distscout.worker.batch import BatchScan
    from distscout.worker.runner import ScanReport

EXIT_PARTIAL = 3  # finished, some scans partial: their evidence is incomplete until they are re-claimed


def register(app: typer.Typer) -> None:
    app.command()(scan)


def scan(  # noqa: PLR0917 - typer reads each option from a parameter
    repos: Annotated[
        list[str] | None, typer.Argument(help="owner/name or URLs of tracked repositories.")
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every tracked repository, due or not.")] = False,
    due: Annotated[bool, typer.Option("--due", help="Only repositories due now (the default).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Include archived repositories.")] = False,
    as_json: JsonOption = False,
    wide: WideOption = False,
) -> None:
    """Scan repositories now: the given ones, --all, or (by default) those due.

    Exit 0 when every scan was complete, 3 when all finished but some partial (stored; re-claimed first),
    1 when a scan failed; 130 when interrupted (Ctrl-C, SIGTERM: the claims not finished are given back)."""
    from distscout.config import setup_warnings  # noqa: PLC0415 - lazy: start-up
    from distscout.results import Verdict  # noqa: PLC0415 - lazy: start-up
    from distscout.worker.heartbeat import ProcessHeartbeat  # noqa: PLC0415 - lazy: start-up

    if repos and (every or due):
        raise fail("give repositories, or --all, or --due — not several", EXIT_USAGE)
    current = settings()
    for warning in setup_warnings(current):
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    tally = Tally()
    try:
        with application(current) as app, ProcessHeartbeat(app.engine, "scan", current.heartbeat_seconds):
            # the heartbeat starts first: its first beat gives back the claims of workers that died
            targets = _targets(app.engine, current, repos or [], every=every, force=force)
            reports, busy, watch = _run(app, targets, tally, show_progress=not as_json)
    except KeyboardInterrupt:
        err.print(f"interrupted: {tally.describe()}", markup=False, soft_wrap=True)
        raise typer.Exit(130) from None
    if as_json:
        emit_json(
            {
                "scanned": [r.__dict__ | {"verdict": r.verdict and r.verdict.value} for r in reports],
                "busy": busy,
                "blocked": [block.as_dict() for block in watch.seen.values()],
            }
        )
    else:
        _print(reports, busy, wide)
    for line in block_summary(watch, reports, current):
        err.print(f"blocked: {line}", markup=False, soft_wrap=True)
    if any(r.verdict is Verdict.FAILED for r in reports):
        raise typer.Exit(1)
    if any(r.verdict is Verdict.PARTIAL for r in reports):
        raise typer.Exit(EXIT_PARTIAL)


def _targets(
    engine: Engine, current: Settings, names: list[str], *, every: bool, force: bool
) -> list[TrackedRepo]:
    from distscout.captures import utc_now  # noqa: PLC0415 - lazy: start-up
    from distscout.store.claims import due_repos  # noqa: PLC0415 - lazy: start-up
    from distscout.store.repos import find_repo, list_repos  # noqa: PLC0415 - lazy: start-up

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
        from distscout.http.blocked import blocked_upstreams  # noqa: PLC0415 - lazy: start-up

        now = blocked_upstreams(upstreams.all())
        for block in now:
            self.seen[block.upstream] = block
        return now


@dataclass
class Tally:
    """What an interrupted scan tells: the scans stored before the interrupt and the claims given back."""

    reports: list[ScanReport] = field(default_factory=list)
    batch: BatchScan | None = None

    def describe(self) -> str:
        from distscout.results import Verdict  # noqa: PLC0415 - lazy: start-up

        stored = [r for r in self.reports if r.verdict is not None and r.verdict is not Verdict.FAILED]
        partial = sum(1 for r in stored if r.verdict is Verdict.PARTIAL)
        released = self.batch.released if self.batch is not None else 0
        return (
            f"{count(len(stored), 'scan')} stored ({partial} partial), "
            f"{count(released, 'claim')} released unscanned (claimable again at once)"
        )


def _run(
    app: Application, targets: list[TrackedRepo], tally: Tally, *, show_progress: bool
) -> tuple[list[ScanReport], list[str], BlockWatch]:
    import asyncio  # noqa: PLC0415 - lazy: start-up

    from distscout.worker import stacks  # noqa: PLC0415 - lazy: start-up

    watch = BlockWatch()

    async def go(progress: Progress | None) -> tuple[list[ScanReport], list[str], BlockWatch]:
        upstreams = app.upstreams()
        task = progress.add_task("scanning", total=len(targets)) if progress else None

        def note() -> None:
            blocked = watch.poll(upstreams)
            if progress is not None and task is not None:
                now = datetime.now(UTC)
                words = "; ".join(block.describe(now) for block in blocked)
                progress.update(task, description="scanning" + (f" — {words}" if words else ""))

        def reported(report: ScanReport) -> None:
            tally.reports.append(report)
            if progress is not None and task is not None:
                progress.advance(task)
            note()

        async def keep_noting() -> None:  # a block can last while no scan finishes
            while True:
                await asyncio.sleep(1)
                note()

        batch = tally.batch = app.batch(upstreams, on_report=reported)
        stacks.on_signal(asyncio.get_running_loop())  # kill -USR1: what each scan waits on, to stderr
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
    from distscout.results import Verdict  # noqa: PLC0415 - lazy: start-up

    partial = sum(1 for r in reports if r.verdict is Verdict.PARTIAL)
    now = datetime.now(UTC)
    lines = []
    for block in sorted(watch.seen.values(), key=lambda b: b.upstream):
        advice = f"rerun after {block.until.strftime('%H:%M')} UTC"
        if (
            block.upstream.startswith("github")
            and block.reason == "budget spent"
            and not current.github_token_pool()
        ):
            advice += " or set GITHUB_TOKEN (60 requests an hour without one, 5,000 with one)"
        lines.append(f"{block.describe(now)}; {partial} scans ended partial — {advice}")
    return lines


RESULT_COLUMNS = (
    tables.key("repo"),
    tables.short("verdict"),
    tables.short("registry", drop=2, justify="right"),
    tables.short("manifests", drop=1, justify="right"),
    tables.text("not ok"),
)


def _print(reports: list[ScanReport], busy: list[str], wide: bool) -> None:
    if not reports:
        out.print("nothing to scan" + (f" ({len(busy)} busy with another worker)" if busy else ""))
        return
    rows = []
    for r in sorted(reports, key=lambda r: r.repo.lower()):
        problems = ", ".join(f"{s}: {o}" for s, o in sorted(r.outcomes.items()) if o not in ("ok", "miss"))
        verdict = r.verdict.value if r.verdict else "lost claim"
        rows.append(
            (r.repo, verdict, str(r.registry_rows), str(r.manifest_rows), problems or r.detail or "-")
        )
    tables.print_table(out, f"{len(reports)} scanned", RESULT_COLUMNS, rows, wide=wide, notes=err)
    if busy:
        err.print(f"{len(busy)} busy with another worker, not scanned: {', '.join(busy[:5])}", markup=False)
