"""Carry out a recovery plan. Reprocess rebuilds from stored input and never opens a network connection;
recheck queues the repository for the scheduler, ahead of cadence work (as a partial scan would be)."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, insert, select, update

from distscout.integrity.check import CLEAN, IN_PROGRESS, ISSUES, CheckReport, run_check
from distscout.integrity.outputs import (
    FLEET_REPORTS,
    Output,
    build_card,
    build_fleet_report,
    build_history_summary,
    save,
)
from distscout.integrity.plan import RecoveryPlan, is_output, make_plan
from distscout.repos import RepoRefError, parse_repo_ref
from distscout.store.derive import rebuild_rows
from distscout.store.schema import captures, derived_outputs, integrity_runs, repos, scan_runs
from distscout.store.workers import process_worker_id

RUN_LEASE = timedelta(hours=1)
REPROCESS_BATCH = 100  # repositories per transaction


@dataclass
class RepairOutcome:
    check: CheckReport
    plan: RecoveryPlan
    rechecks_queued: list[str] = field(default_factory=list)
    reprocessed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.check.as_dict(),
            **self.plan.as_dict(),
            "rechecks_queued": self.rechecks_queued,
            "reprocessed": self.reprocessed,
        }


def repair(engine: Engine, output_dir: Path, now: datetime, *, only: str | None = None) -> RepairOutcome:
    run_id = _start_run(engine, now)
    summary = None  # the check's status once the repair is through: what the run found
    try:
        report = run_check(engine, output_dir, now, ignore_run=run_id)
        plan = make_plan(report.findings) if report.status != IN_PROGRESS else RecoveryPlan([], [])
        outcome = RepairOutcome(report, plan)
        if only in (None, "recheck"):
            outcome.rechecks_queued = queue_rechecks(engine, plan.recheck_names)
            outcome.rechecks_queued += queue_rechecks(engine, plan.recheck_within_backoff, keep_backoff=True)
        if only in (None, "reprocess"):
            held = set(plan.recheck_names)
            outcome.reprocessed = reprocess(engine, plan.reprocess_names, output_dir, now, hold=held)
        summary = report.status if only is None else None  # only a whole repair stands for the cycle
    finally:
        _finish_run(engine, run_id, now, summary)
    return outcome


def queue_rechecks(engine: Engine, names: list[str], *, keep_backoff: bool = False) -> list[str]:
    """Mark each repository's evidence incomplete: claimed first, like a partial scan. Outside any backoff,
    unless `keep_backoff` (the evidence is missing because an upstream failed: not sooner than it allows)."""
    values: dict[str, Any] = {"distribution_scan_complete": False}
    if not keep_backoff:
        values |= {"distribution_retry_at": None, "distribution_failed_attempts": 0}
    queued = []
    with engine.begin() as connection:
        for name in names:
            done = connection.execute(update(repos).where(_keyed(name)).values(values)).rowcount
            if done:
                queued.append(name)
    return queued


class NothingStored(Exception):
    """The repository has no captures: rebuilding it from nothing would erase its rows. Recheck it."""


def reprocess_repo(engine: Engine, full_name: str, output_dir: Path, now: datetime) -> list[str]:
    """One repository rebuilt from its captures, with the outputs recorded for it (no network)."""
    with engine.connect() as connection:
        stored = connection.execute(
            select(func.count())
            .select_from(captures)
            .join(repos, repos.c.id == captures.c.repo_id)
            .where(_keyed(full_name))
        ).scalar_one()
    if not stored:
        raise NothingStored(f"{full_name} has no stored captures to rebuild from: queue a recheck instead")
    return reprocess(engine, [full_name], output_dir, now)


def reprocess(
    engine: Engine, names: list[str], output_dir: Path, now: datetime, *, hold: set[str] | None = None
) -> list[str]:
    """Rebuild repositories' rows from their captures, then the outputs derived from them.

    Outputs derived from a repository in `hold` (queued for recheck) — its card and history summary, and
    every fleet report — are not rebuilt now: their input is incomplete until the recheck settles.
    """
    hold = hold or set()
    done: list[str] = []
    repo_names = [n for n in names if not is_output(n)]
    for start in range(0, len(repo_names), REPROCESS_BATCH):
        with engine.begin() as connection:  # a whole batch or nothing: a crash leaves the previous rows
            for name in repo_names[start : start + REPROCESS_BATCH]:
                repo_id = connection.execute(select(repos.c.id).where(_keyed(name))).scalar_one_or_none()
                if repo_id is not None:
                    rebuild_rows(connection, repo_id)
                    done.append(name)
    with engine.begin() as connection:
        recorded = set(connection.execute(select(derived_outputs.c.name)).scalars())
        # Outputs named in the plan, plus the recorded ones derived from what was just rebuilt.
        touched = {n for n in names if is_output(n)}
        rebuilt = set(repo_names)  # a set: one membership test per recorded output, not a list scan
        touched |= {n for n in recorded if n.partition(":")[2] in rebuilt or (rebuilt and n in FLEET_REPORTS)}
        for name in sorted(touched):
            if hold and (name in FLEET_REPORTS or name.partition(":")[2] in hold):
                continue
            output = build_output(connection, name)
            if output is not None:
                save(connection, output, output_dir, now)
                done.append(name)
    return done


def build_output(connection: Connection, name: str) -> Output | None:
    if name in FLEET_REPORTS:
        return build_fleet_report(connection, name)
    kind, _, full = name.partition(":")
    repo_id = connection.execute(select(repos.c.id).where(_keyed(full))).scalar_one_or_none()
    if repo_id is None:
        return None
    return build_card(connection, repo_id) if kind == "card" else build_history_summary(connection, repo_id)


def publish(engine: Engine, output_dir: Path, now: datetime) -> list[str]:
    """(Re)build every output: the fleet reports, and a card and history summary per scanned repository."""
    written = []
    with engine.begin() as connection:
        for name in FLEET_REPORTS:
            save(connection, build_fleet_report(connection, name), output_dir, now)
            written.append(name)
        scanned = connection.execute(
            select(repos.c.id).where(repos.c.distribution_scan_complete.is_not(None))
        )
        for repo_id in scanned.scalars().all():
            for output in (build_card(connection, repo_id), build_history_summary(connection, repo_id)):
                if output is not None:
                    save(connection, output, output_dir, now)
                    written.append(output.name)
    return written


def _start_run(engine: Engine, now: datetime) -> int:
    with engine.begin() as connection:
        run = insert(integrity_runs).values(
            started_at=now,
            until=now + RUN_LEASE,
            worker=process_worker_id(),
            after_scan=_newest_scan(connection),
        )
        return int(connection.execute(run.returning(integrity_runs.c.id)).scalar_one())


def _newest_scan(connection: Connection) -> int:
    return int(connection.execute(select(func.coalesce(func.max(scan_runs.c.id), 0))).scalar_one())


def checked_since_last_scan(engine: Engine) -> bool:
    """Whether a whole repair has started since the newest scan was stored and checked the store (its status
    clean or issues: not abandoned, not `--only` one action, nor finding the store busy): then a daemon
    whose cycle settles has nothing new to check. The daemons of a fleet settle together; one of them
    checks the store, not each. (A run still under way does not count: it may yet find the store busy.)"""
    with engine.connect() as connection:
        newest = _newest_scan(connection)
        runs = select(func.count()).where(
            integrity_runs.c.after_scan >= newest, integrity_runs.c.summary.in_([CLEAN, ISSUES])
        )
        return bool(connection.execute(runs).scalar_one())


class SettledChecks:
    """When a daemon checks its store: always at start-up (an upgrade may have made rows stale with no new
    scan), then at each settled cycle unless a whole repair has checked since the newest scan. One policy
    for both daemons: `serve --workers-only` and `serve` with its web."""

    SKIPPED = "checked since the last scan (by this or another worker)"

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._checked = False

    def due(self) -> bool:
        return not self._checked or not checked_since_last_scan(self.engine)

    def checked(self) -> None:
        """This daemon's start-up check is done, or a whole repair is checking now. Not when what ran was
        one action only (`--only`): that leaves the start-up check due at the next settled cycle."""
        self._checked = True


def _finish_run(engine: Engine, run_id: int, now: datetime, summary: str | None) -> None:
    # A run marked abandoned while its process had only stalled (its beat late) gets its real result here:
    # it did check. Another daemon may have started a run meanwhile; a repair done twice changes nothing.
    with engine.begin() as connection:
        connection.execute(
            update(integrity_runs)
            .where(integrity_runs.c.id == run_id)
            .values(finished_at=now, summary=summary)
        )


def _keyed(full_name: str) -> ColumnElement[bool]:
    """The repository a plan or an operator names, by its stored key: owner and name match as the forge
    matches them (case aside), so `ACME/Widget` is the repository stored as `acme/widget`. A name off
    GitHub carries its host (`gitlab.com/group/project`, a self-hosted GitLab's base): that is its key."""
    keys = {full_name.strip().lower()}
    with suppress(RepoRefError):  # not a GitHub name nor one on a public forge: only a key can match
        keys.add(parse_repo_ref(full_name).key)
    return repos.c.repo_key.in_(sorted(keys))
