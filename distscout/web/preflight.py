"""The dashboard's pre-flight: `distscout doctor` run by the server, at most once every few minutes.

Reads are open by default, and every run spends a little of the operator's upstream budgets (a GraphQL
point, a few ecosyste.ms lookups): a stranger reloading the page must not turn it into a drain, so a run is
kept and served again until it is `MAX_AGE` old, and concurrent requests share one run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from distscout.config import Settings
from distscout.doctor import Check, run_doctor, worst
from distscout.doctor_database import Tracked, database_problem, read_tracked

MAX_AGE = timedelta(minutes=5)


@dataclass
class Preflight:
    engine: Engine
    settings: Settings
    now: Callable[[], datetime]
    checks: list[Check] = field(default_factory=list)
    checked_at: datetime | None = None
    _running: asyncio.Task[None] | None = None

    async def latest(self) -> dict[str, Any]:
        """The latest run, made now if there is none younger than MAX_AGE; concurrent callers share it."""
        if self.checked_at is None or self.now() - self.checked_at > MAX_AGE:
            running = self._running
            if running is None or running.done() or running.get_loop() is not asyncio.get_running_loop():
                running = self._running = asyncio.create_task(self._run())
            await asyncio.shield(running)
        return {
            "status": worst(self.checks).value,
            "checked_at": (self.checked_at or self.now()).isoformat(),
            "checks": [check.as_dict() for check in self.checks],
        }

    async def _run(self) -> None:
        tracked = await asyncio.to_thread(self._tracked)
        self.checks = await run_doctor(
            self.settings,
            tracked.candidates,
            hosts=tracked.hosts,
            database_skew=tracked.skew,
            database_problem=tracked.problem,
        )
        self.checked_at = self.now()

    def _tracked(self) -> Tracked:
        try:
            return read_tracked(self.engine)
        except SQLAlchemyError as exc:  # the server's database away: the page says so, as `doctor` does
            return Tracked(problem=database_problem(self.settings.database_url, exc))
