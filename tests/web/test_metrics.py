"""/metrics: Prometheus exposition, read back with prometheus-client's own parser."""

from __future__ import annotations

import httpx
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from distscout.http.client import UpstreamClient, UpstreamConfig
from distscout.http.outcome import Outcome
from distscout.integrity.findings import FindingClass
from distscout.results import Verdict
from distscout.sources.ecosystems import EcosystemsBatcher
from distscout.upstreams import Upstreams
from distscout.web.service import Service
from distscout.worker.runner import ScanReport
from tests.web.conftest import ADMIN


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith(
        "text/plain; version=0.0.4"
    )
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_exposition_parses_and_has_every_family(client: TestClient) -> None:
    names = {family.name for family in text_string_to_metric_families(client.get("/metrics").text)}
    assert {
        "distscout_scans",
        "distscout_upstream_requests",
        "distscout_upstream_request_seconds",
        "distscout_integrity_recoveries",
        "distscout_due_queue_depth",
    } <= names
    assert samples(client)[("distscout_due_queue_depth", ())] == 0


def test_a_process_without_workers_exports_no_scan_or_request_series(client: TestClient) -> None:
    """Zeros from a web process that never scans read as a stalled fleet to an alert on the scan rate."""
    found = samples(client)
    assert not [
        key for key in found if key[0] in ("distscout_scans_total", "distscout_upstream_requests_total")
    ]


def test_scans_by_outcome(client: TestClient, service: Service) -> None:
    service.metrics.watch(Upstreams(*_clients(httpx.MockTransport(lambda request: httpx.Response(200)))))
    for verdict in (Verdict.COMPLETE, Verdict.COMPLETE, Verdict.PARTIAL, None):
        service.metrics.observe_scan(ScanReport("a/b", verdict, {}, 0, 0))
    found = samples(client)
    assert found[("distscout_scans_total", (("outcome", "complete"),))] == 2
    assert found[("distscout_scans_total", (("outcome", "partial"),))] == 1
    assert found[("distscout_scans_total", (("outcome", "lost"),))] == 1
    assert found[("distscout_scans_total", (("outcome", "failed"),))] == 0


async def test_requests_errors_latency_and_breakers(client: TestClient, service: Service) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503 if "broken" in request.url.path else 200, json={"ok": True})

    clients = _clients(httpx.MockTransport(answer))
    service.metrics.watch(Upstreams(*clients))
    depsdev = clients[0]
    assert (await depsdev.get("/fine")).outcome is Outcome.OK
    for _ in range(depsdev.breaker.threshold):
        assert (await depsdev.get("/broken")).outcome is Outcome.TRANSIENT
    found = samples(client)
    requests = 1 + depsdev.breaker.threshold
    assert found[("distscout_upstream_requests_total", (("source", "depsdev"),))] == requests
    assert found[("distscout_upstream_errors_total", (("outcome", "transient"), ("source", "depsdev")))] == (
        depsdev.breaker.threshold
    )
    assert found[("distscout_upstream_request_seconds_count", (("source", "depsdev"),))] == requests
    assert found[("distscout_breaker_state", (("source", "depsdev"), ("state", "open")))] == 1
    assert found[("distscout_breaker_state", (("source", "github"), ("state", "closed")))] == 1
    for upstream in clients:
        await upstream.aclose()


async def test_a_bulk_lookup_that_failed_its_canary_shows(client: TestClient, service: Service) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=[]))
    clients = [
        UpstreamClient(UpstreamConfig(name, "http://upstream.invalid", attempts=1), transport=transport)
        for name in ("depsdev", "ecosystems", "github")
    ]
    bulk = EcosystemsBatcher(clients[1], window=0.001)
    service.metrics.watch(Upstreams(*clients, ecosystems_bulk=bulk))
    state = ("distscout_ecosystems_bulk_state", (("state", "unproven"),))
    assert samples(client)[state] == 1
    bulk.learn("https://github.com/acme/widget", [{"name": "widget"}])
    assert (await bulk.lookup("https://github.com/acme/gadget")).outcome is Outcome.PERMANENT
    found = samples(client)
    assert found[("distscout_ecosystems_bulk_state", (("state", "broken"),))] == 1
    assert found[state] == 0
    for upstream in clients:
        await upstream.aclose()


def test_integrity_findings_and_recoveries(client: TestClient, service: Service) -> None:
    client.post("/api/admin/repos/pallets/flask/recheck", headers=ADMIN)
    client.get("/api/integrity")  # the panel's check sets the findings gauge
    found = samples(client)
    for finding_class in FindingClass:
        assert ("distscout_integrity_findings", (("finding_class", finding_class.value),)) in found
    client.post("/api/admin/integrity", headers=ADMIN)
    latest = service.integrity.latest
    assert latest is not None and latest.done.wait(30) and latest.outcome is not None
    reprocessed = len(latest.outcome["reprocessed"])
    found = samples(client)
    assert found[("distscout_integrity_recoveries_total", (("action", "reprocess"),))] == reprocessed
    assert found[("distscout_due_queue_depth", ())] == 1  # the recheck queued above


async def test_each_tokens_budget_by_label_never_the_token(client: TestClient, service: Service) -> None:
    tokens = ("ghp_metrics_one", "ghp_metrics_two")

    def answer(request: httpx.Request) -> httpx.Response:
        left = "4000" if request.headers["authorization"].endswith("one") else "3000"
        headers = {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": left,
            "x-ratelimit-reset": "9999999999",
        }
        return httpx.Response(200, json={}, headers=headers)

    transport = httpx.MockTransport(answer)
    github = UpstreamClient(
        UpstreamConfig("github", "http://upstream.invalid", tokens=tokens), transport=transport
    )
    others = [UpstreamClient(UpstreamConfig(n, "http://upstream.invalid"), transport=transport) for n in "ab"]
    service.metrics.watch(Upstreams(others[0], others[1], github))
    for _ in range(2):  # the pool sends the first to the first token, the second to the unknown one
        assert (await github.get("/rate_limit")).ok
    text = client.get("/metrics").text
    assert "ghp_metrics" not in text
    found = samples(client)
    labels = [credential.label for credential in github.tokens.credentials]
    assert (
        found[("distscout_upstream_budget_remaining", (("source", "github"), ("token", labels[0])))] == 4000
    )
    assert (
        found[("distscout_upstream_budget_remaining", (("source", "github"), ("token", labels[1])))] == 3000
    )
    assert found[("distscout_upstream_budget_limit", (("source", "github"), ("token", labels[1])))] == 5000
    for upstream in (github, *others):
        await upstream.aclose()


def _clients(transport: httpx.MockTransport) -> list[UpstreamClient]:
    return [
        UpstreamClient(UpstreamConfig(name, "http://upstream.invalid", attempts=1), transport=transport)
        for name in ("depsdev", "ecosystems", "github")
    ]
