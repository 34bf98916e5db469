"""What the web app serves from: the database, the settings, and — when workers run in this process —
the dispatcher and its upstream clients (for the worker status and the breaker states)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from distscout.captures import utc_now
from distscout.config import Settings
from distscout.upstreams import Upstreams
from distscout.web.integrity_runs import IntegrityRuns
from distscout.web.metrics import Metrics
from distscout.web.preflight import Preflight
from distscout.worker.dispatcher import Dispatcher


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

    def __post_init__(self) -> None:
        self.metrics = Metrics(self.engine, self.settings, self.now)
        self.integrity = IntegrityRuns(self.engine, self.settings.output_dir, self.metrics, self.now)
        self.preflight = Preflight(self.engine, self.settings, self.now)

    def attach_workers(self, dispatcher: Dispatcher, upstreams: Upstreams) -> None:
        """Workers run in this process: show their state, and count their requests."""
        self.dispatcher, self.upstreams = dispatcher, upstreams
        self.metrics.watch(upstreams)
