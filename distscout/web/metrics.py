"""Prometheus metrics, in a registry of their own (not the process-global one: tests stay isolated).

Counters are fed where things happen (scan reports, upstream requests, integrity repairs); the breaker
states and the due-queue depth are read at scrape time, so they are never stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from distscout.config import Settings
from distscout.http.breaker import BreakerState
from distscout.http.client import Fetched
from distscout.integrity.check import IN_PROGRESS, CheckReport
from distscout.integrity.findings import FindingClass
from distscout.integrity.repair import RepairOutcome
from distscout.sources.ecosystems import BulkState
from distscout.store.queries import due_count
from distscout.upstreams import Upstreams
from distscout.worker.runner import ScanReport

log = logging.getLogger("distscout.web")

UPSTREAMS = ("depsdev", "ecosystems", "github", "github-graphql")
SCAN_OUTCOMES = ("complete", "partial", "failed", "not_found", "lost")
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    def __init__(self, engine: Engine, settings: Settings, now: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry()
        self.scans = Counter(
            "distscout_scans", "Scans finished, by outcome.", ["outcome"], registry=self.registry
        )
        self.requests = Counter(
            "distscout_upstream_requests", "Upstream calls made.", ["source"], registry=self.registry
        )
        self.errors = Counter(
            "distscout_upstream_errors",
            "Upstream calls that did not end in an answer, by outcome.",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "distscout_upstream_request_seconds",
            "Time per upstream call, retries included.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.findings = Gauge(
            "distscout_integrity_findings",
            "Findings of the latest integrity check, by class.",
            ["finding_class"],
            registry=self.registry,
        )
        self.recoveries = Counter(
            "distscout_integrity_recoveries",
            "Recovery actions carried out: rechecks queued, outputs and repositories reprocessed.",
            ["action"],
            registry=self.registry,
        )
        self.live = LiveCollector(engine, settings, now)
        self.registry.register(self.live)
        for action in ("recheck", "reprocess"):
            self.recoveries.labels(action)

    def watch(self, upstreams: Upstreams) -> None:
        """Count the requests of these upstreams' clients and report their breakers. Scans and requests
        start at 0 only here, where they can happen: a `--no-workers` web process exported
        `distscout_scans_total{outcome="complete"} 0` for ever, which an alert on a stalled fleet reads
        as a stalled worker."""
        for outcome in SCAN_OUTCOMES:
            self.scans.labels(outcome)
        for source in UPSTREAMS:
            self.requests.labels(source)
            self.latency.labels(source)

        for client in upstreams.all():
            client.observer = self.observe_request
        self.live.upstreams = upstreams

    def observe_request(self, source: str, fetched: Fetched, seconds: float) -> None:
        self.requests.labels(source).inc()
        self.latency.labels(source).observe(seconds)
        if not fetched.outcome.is_answer:
            self.errors.labels(source, fetched.outcome.value).inc()

    def observe_scan(self, report: ScanReport) -> None:
        self.scans.labels(report.verdict.value if report.verdict else "lost").inc()

    def observe_check(self, report: CheckReport) -> None:
        if report.status == IN_PROGRESS:  # findings now could not be trusted: keep the last ones
            return
        for finding_class in FindingClass:
            count = sum(1 for f in report.findings if f.finding_class is finding_class)
            self.findings.labels(finding_class.value).set(count)

    def observe_repair(self, outcome: RepairOutcome) -> None:
        self.observe_check(outcome.check)
        self.recoveries.labels("recheck").inc(len(outcome.rechecks_queued))
        self.recoveries.labels("reprocess").inc(len(outcome.reprocessed))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class LiveCollector(Collector):
    """What is read at scrape time: breaker states (when workers run here) and the due-queue depth."""

    def __init__(self, engine: Engine, settings: Settings, now: Callable[[], datetime]) -> None:
        self.engine, self.settings, self.now = engine, settings, now
        self.upstreams: Upstreams | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._breakers()
        yield from self._budgets()
        yield from self._bulk_lookup()
        depth = self._due_depth()
        if depth is not None:
            yield GaugeMetricFamily(
                "distscout_due_queue_depth", "Repositories due for a scan now.", value=depth
            )

    def _breakers(self) -> Iterator[GaugeMetricFamily]:
        if self.upstreams is None:
            return
        family = GaugeMetricFamily(
            "distscout_breaker_state",
            "Circuit breaker state per upstream: 1 for the current state, 0 for the others.",
            labels=["source", "state"],
        )
        for client in self.upstreams.all():
            current = client.breaker.state
            for state in BreakerState:
                family.add_metric([client.config.name, state.value], 1.0 if state is current else 0.0)
        yield family

    def _budgets(self) -> Iterator[GaugeMetricFamily]:
        """Each token's budget per upstream (GitHub REST and GraphQL keep one each), by label: never the
        token. Absent until the upstream has answered with its rate-limit headers."""
        if self.upstreams is None:
            return
        remaining = GaugeMetricFamily(
            "distscout_upstream_budget_remaining",
            "Requests (GraphQL: points) left in the current window, per upstream and token.",
            labels=["source", "token"],
        )
        limit = GaugeMetricFamily(
            "distscout_upstream_budget_limit",
            "The window's budget, per upstream and token.",
            labels=["source", "token"],
        )
        for client in self.upstreams.all():
            for credential in client.tokens.credentials:
                labels = [client.config.name, credential.label]
                if credential.rate.remaining is not None:
                    remaining.add_metric(labels, float(credential.rate.remaining))
                if credential.rate.limit is not None:
                    limit.add_metric(labels, float(credential.rate.limit))
        yield remaining
        yield limit

    def _bulk_lookup(self) -> Iterator[GaugeMetricFamily]:
        batcher = self.upstreams.ecosystems_bulk if self.upstreams is not None else None
        if batcher is None:
            return
        family = GaugeMetricFamily(
            "distscout_ecosystems_bulk_state",
            "ecosyste.ms bulk_lookup: unproven (no canary yet), proven (in use) or broken (an answer "
            "failed the canary: single lookups for this run). 1 for the current state.",
            labels=["state"],
        )
        for state in BulkState:
            family.add_metric([state.value], 1.0 if state is batcher.state else 0.0)
        yield family

    def _due_depth(self) -> int | None:
        cadence = timedelta(days=self.settings.cadence_days)
        try:
            with self.engine.connect() as connection:
                partial_first = self.settings.immediate_partial_reclaim
                return due_count(connection, self.now(), cadence, partial_first=partial_first)
        except SQLAlchemyError as exc:  # a scrape must not fail because the database is away for a moment
            log.warning("due-queue depth unavailable: %s", exc)
            return None
