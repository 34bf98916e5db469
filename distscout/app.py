"""The running application, built in one place: settings → the database engine → the upstream clients with
their conditional (ETag) cache kept in the store → what runs scans (the daemon's dispatcher, a batch).

Every command, `serve`, the web server, the demo and the benchmarks build through `Application`, so a scan
started from any of them meets the same clients, cache and pacing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import Engine

from distscout.config import Settings
from distscout.store.engine import open_engine
from distscout.store.http_cache import StoreConditionalCache
from distscout.upstreams import Upstreams, build_upstreams
from distscout.worker.batch import BatchScan
from distscout.worker.dispatcher import Dispatcher
from distscout.worker.runner import ScanReport


@dataclass
class Application:
    settings: Settings
    engine: Engine

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> Application:
        """The application over the configured database (migrated unless told)."""
        engine = open_engine(settings.database_url, migrate=migrate)
        return cls(settings, engine)

    def upstreams(self) -> Upstreams:
        """The scan's clients; their answers' ETags are kept in the store, so a rescan is answered by 304s.
        The caller closes them (`await upstreams.aclose()`, which also flushes the cache)."""
        return build_upstreams(self.settings, cache=StoreConditionalCache(self.engine))

    def batch(self, upstreams: Upstreams, on_report: Callable[[ScanReport], None] | None = None) -> BatchScan:
        """Scans of chosen repositories now (`distscout scan`, the demo)."""
        return BatchScan(self.engine, upstreams, self.settings, on_report=on_report)

    def dispatcher(self, upstreams: Upstreams, **options: Any) -> Dispatcher:
        """The daemon's scheduler: claims due repositories and paces scans by the upstreams' budgets."""
        return Dispatcher(self.engine, upstreams, self.settings, **options)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Application:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
