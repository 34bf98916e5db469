"""What the web app serves from: the database, the settings, and — when workers run in this process —
the dispatcher and its upstream clients (for the worker status and the breaker states)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.store.listings import known_ecosystems
from distscout.store.trends import fleet_trends
from distscout.upstreams import Upstreams
from distscout.web.integrity_runs import IntegrityRuns
from distscout.web.metrics import Metrics
from distscout.web.preflight import Preflight
from distscout.worker.dispatcher import Dispatcher

CACHED_SECONDS = 60.0


@dataclass
class Service:
    engine: Engine
    settings: Settings
    now: Callable[[], datetime] = utc_now
    metrics: Metrics = field(init=False)
    integrity: IntegrityRuns = field(init=False)
    preflight: Preflight = field(init=False)
    upstreams: Upstreams | None = None
    dispatcher: Dispatcher | None = None
    _cache: dict[str, tuple[float, Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.engine, self.settings, self.now)
        self.integrity = IntegrityRuns(self.engine, self.settings.output_dir, self.metrics, self.now)
        self.preflight = Preflight(self.engine, self.settings, self.now)

    def trends(self, points: int) -> dict[str, Any]:
        """The fleet trends, computed at most once a minute per `points` (at 10,000 repositories a
        computation reads the whole history: about 1.5 s)."""
        answer: dict[str, Any] = self.cached(
            f"trends:{points}", lambda c: fleet_trends(c, self.now(), points)
        )
        return answer

    def ecosystems(self) -> list[str]:
        """The ecosystems the filters offer (the store's distinct ones: 80 ms at 10,000 repositories)."""
        answer: list[str] = self.cached("ecosystems", known_ecosystems)
        return answer

    def cached(self, key: str, compute: Callable[[Connection], Any]) -> Any:
        """`compute`'s answer, reused for CACHED_SECONDS: summaries that need not be fresher than that."""
        kept = self._cache.get(key)
        if kept is not None and time.monotonic() - kept[0] < CACHED_SECONDS:
            return kept[1]
        with self.engine.connect() as connection:
            answer = compute(connection)
        self._cache[key] = (time.monotonic(), answer)
        return answer

    def attach_workers(self, dispatcher: Dispatcher, upstreams: Upstreams) -> None:
        """Workers run in this process: show their state, and count their requests."""
        self.dispatcher, self.upstreams = dispatcher, upstreams
        self.metrics.watch(upstreams)
