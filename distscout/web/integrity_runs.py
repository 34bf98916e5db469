"""Integrity repairs started from the web (or by the daemon when a cycle settles), run in a background
thread: a repair can take a while, and the dashboard polls its state instead of holding a request open."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from distscout.integrity.repair import repair
from distscout.store.outage import unavailable, why
from distscout.web.metrics import Metrics

log = logging.getLogger("distscout.web")

RUNNING, DONE, FAILED = "running", "done", "failed"


@dataclass
class RunState:
    id: int
    only: str | None
    started_at: datetime
    status: str = RUNNING
    finished_at: datetime | None = None
    outcome: dict[str, Any] | None = None  # the repair's check, plan, rechecks queued and rebuilt outputs
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "only": self.only,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "outcome": self.outcome,
            "error": self.error,
        }


class IntegrityRuns:
    """At most one repair at a time in this process; the latest one's state is kept for the dashboard."""

    def __init__(
        self, engine: Engine, output_dir: Path, metrics: Metrics, now: Callable[[], datetime]
    ) -> None:
        self.engine, self.output_dir, self.metrics, self.now = engine, output_dir, metrics, now
        self._lock = threading.Lock()
        self._latest: RunState | None = None
        self._count = 0

    @property
    def latest(self) -> RunState | None:
        return self._latest

    def start(self, only: str | None = None) -> tuple[RunState, bool]:
        """Start a repair in the background; (its state, True), or (the running one, False)."""
        with self._lock:
            if self._latest is not None and self._latest.status == RUNNING:
                return self._latest, False
            self._count += 1
            state = RunState(self._count, only, self.now())
            self._latest = state
        threading.Thread(target=self._run, args=(state,), name=f"integrity-{state.id}", daemon=True).start()
        return state, True

    def check_now(self) -> bool:
        """Start a whole repair unless one is running: True when the whole store is being checked now.
        False when the running one was started for one action only (`only`), which checks nothing else."""
        state, _ = self.start()
        return state.only is None

    def _run(self, state: RunState) -> None:
        status = FAILED
        try:
            outcome = repair(self.engine, self.output_dir, self.now(), only=state.only)
            self.metrics.observe_repair(outcome)
            state.outcome, status = outcome.as_dict(), DONE
            log.info(
                "integrity: %s, %d findings; %d rechecks queued, %d rebuilt locally",
                outcome.check.status,
                len(outcome.check.findings),
                len(outcome.rechecks_queued),
                len(outcome.reprocessed),
            )
        except Exception as exc:  # reported as the run's state, never lost in a thread
            if unavailable(exc, self.engine):
                log.warning("integrity repair put off: the database is unavailable (%s)", why(exc))
                state.error = f"the database is unavailable: {why(exc)}"
            else:
                log.exception("integrity repair failed")
                state.error = f"{type(exc).__name__}: {exc}"
        finally:
            state.finished_at = self.now()
            state.status = status  # last: a poller that sees it finished sees everything else too
            state.done.set()
