from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from distscout.emulator.faults import FaultPlanError, ManualClock, load_fault_plan, parse_fault_plan
from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import client, github, tiny_world

PACKAGE_VERSIONS = "/v3/projects/github.com%2Facme%2Fwidget:packageversions"
LOOKUP = "/api/v1/packages/lookup?repository_url=https://github.com/acme/widget"


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ([], "faults: expected an object"),
        ({"bitbucket": {}}, "faults: bitbucket: unknown field"),
        ({"github": {"error_rate": 1.5}}, "faults: github.error_rate: expected a number between 0 and 1"),
        ({"github": {"error_rate": "0.1"}}, "faults: github.error_rate: expected a number between 0 and 1"),
        (
            {"depsdev": {"malformed_rate": -0.1}},
            "faults: depsdev.malformed_rate: expected a number between 0 and 1",
        ),
        (
            {"depsdev": {"latency_ms": -1}},
            "faults: depsdev.latency_ms: expected a number between 0 and 600000",
        ),
        ({"github": {"outages": [10, 20]}}, "faults: github.outages[0]: expected [start_s, end_s]"),
        (
            {"github": {"outages": [[20, 10]]}},
            "faults: github.outages[0]: the window ends (10) before it starts (20)",
        ),
        (
            {"github": {"outages": [[-1, 10]]}},
            "faults: github.outages[0][0]: expected a number of at least 0",
        ),
        (
            {"github": {"rate_limit": {"after": 1, "status": 500}}},
            "faults: github.rate_limit.status: expected 403 or 429",
        ),
        (
            {"ecosystems": {"rate_limit": {"after": 1, "status": 403}}},
            "faults: ecosystems.rate_limit.status: expected 429",
        ),
        (
            {"github": {"rate_limit": {"status": 429}}},
            "faults: github.rate_limit.after: missing required field",
        ),
        (
            {"github": {"rate_limit": -3}},
            "faults: github.rate_limit.after: expected an integer of at least 0",
        ),
        ({"github": {"rate_limit": True}}, "faults: github.rate_limit: expected an object"),
        ({"github": {"typo": 1}}, "faults: github.typo: unknown field"),
        ({"seed": 1.5}, "faults: seed: expected an integer or a string"),
    ],
)
def test_bad_plans_name_the_field(plan: Any, message: str) -> None:
    with pytest.raises(FaultPlanError) as caught:
        parse_fault_plan(plan)
    assert str(caught.value).startswith(message)


def test_plan_files(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"seed": "s", "github": {"rate_limit": 5, "outages": [[0, 1.5]]}}))
    plan = load_fault_plan(path)
    github_faults = plan.for_service("github")
    assert (github_faults.seed, github_faults.outages) == ("s", ((0.0, 1.5),))
    assert github_faults.rate_limit is not None and github_faults.rate_limit.after == 5
    assert github_faults.rate_limit.status == 403
    assert plan.for_service("depsdev").error_rate == 0
    path.write_text(json.dumps({"github": {"error_rate": 2}}))
    with pytest.raises(FaultPlanError, match=r"^plan.json: github.error_rate"):
        load_fault_plan(path)
    path.write_text("{")
    with pytest.raises(FaultPlanError, match=r"^plan.json: not readable JSON"):
        load_fault_plan(path)


def _statuses(api: httpx.Client, path: str, count: int) -> list[int]:
    return [api.get(path).status_code for _ in range(count)]


def test_error_rate_is_reproducible_with_a_seed(emulator_factory: EmulatorFactory) -> None:
    plan = {"seed": 7, "depsdev": {"error_rate": 0.5}}
    runs = []
    for _ in range(2):
        with client(emulator_factory(tiny_world(), plan), "depsdev") as depsdev:
            runs.append(_statuses(depsdev, PACKAGE_VERSIONS, 40))
    assert runs[0] == runs[1]
    assert {200} < set(runs[0]) <= {200, 500, 502, 503}
    assert 8 < runs[0].count(200) < 32
    with client(
        emulator_factory(tiny_world(), {"seed": 8, "depsdev": {"error_rate": 0.5}}), "depsdev"
    ) as depsdev:
        assert _statuses(depsdev, PACKAGE_VERSIONS, 40) != runs[0]


def test_error_bodies_keep_each_services_style(emulator_factory: EmulatorFactory) -> None:
    plan = {service: {"error_rate": 1} for service in ("depsdev", "ecosystems", "github")}
    server = emulator_factory(tiny_world(), plan)
    with (
        client(server, "depsdev") as depsdev,
        client(server, "ecosystems") as ecosystems,
        github(server) as api,
    ):
        assert set(depsdev.get(PACKAGE_VERSIONS).json()) == {"code", "message", "details"}
        assert set(ecosystems.get(LOOKUP).json()) == {"error"}
        failed = api.get("/repos/acme/widget")
        assert set(failed.json()) == {"message", "documentation_url", "status"}
        assert failed.headers["x-ratelimit-remaining"] == "5000"  # failures are not charged


def test_latency(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"ecosystems": {"latency_ms": 150}})
    with client(server, "ecosystems") as ecosystems, client(server, "depsdev") as depsdev:
        started = time.perf_counter()
        assert ecosystems.get(LOOKUP).status_code == 200
        delayed = time.perf_counter() - started
        assert delayed >= 0.15  # a lower bound: a slow machine only makes the request longer
        # The service without latency is not delayed: faster than the delayed request by at least
        # half the injected latency, in the same run, rather than under a fixed limit (were it
        # delayed too, it could not be). The least of three discounts a moment of load.
        undelayed = []
        for _ in range(3):
            started = time.perf_counter()
            depsdev.get(PACKAGE_VERSIONS)
            undelayed.append(time.perf_counter() - started)
        assert min(undelayed) < delayed - 0.15 / 2


def test_outage_windows_follow_the_injected_clock(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock()
    server = emulator_factory(tiny_world(), {"github": {"outages": [[10, 20]]}}, clock=clock)
    with github(server) as api:
        assert api.get("/repos/acme/widget").status_code == 200
        clock.advance(10)
        outage = api.get("/repos/acme/widget")
        assert outage.status_code == 503
        assert "x-ratelimit-limit" in outage.headers
        clock.advance(9.9)
        assert api.get("/repos/acme/widget").status_code == 503
        clock.advance(0.1)
        assert api.get("/repos/acme/widget").status_code == 200
    with client(server, "depsdev") as depsdev:
        clock.advance(-5)  # back inside GitHub's window
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 200  # other services are unaffected


@pytest.mark.parametrize("status", [403, 429])
def test_github_rate_limit_fault(emulator_factory: EmulatorFactory, status: int) -> None:
    clock = ManualClock(1000.0)
    plan = {"github": {"rate_limit": {"after": 2, "status": status, "retry_after_s": 30}}}
    server = emulator_factory(tiny_world(), plan, clock=clock)
    with github(server) as api:
        assert _statuses(api, "/repos/acme/widget", 2) == [200, 200]
        limited = api.get("/repos/acme/widget")
        assert limited.status_code == status
        assert limited.headers["retry-after"] == "30"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.headers["x-ratelimit-reset"] == "1030"
        clock.advance(20)
        assert api.get("/repos/acme/widget").headers["retry-after"] == "10"
        clock.advance(10)
        assert _statuses(api, "/repos/acme/widget", 3) == [
            200,
            200,
            status,
        ]  # another `after` pass, then refused


def test_ecosystems_and_depsdev_rate_limit_faults(emulator_factory: EmulatorFactory) -> None:
    plan = {"ecosystems": {"rate_limit": 1}, "depsdev": {"rate_limit": {"after": 0}}}
    server = emulator_factory(tiny_world(), plan, clock=ManualClock())
    with client(server, "ecosystems") as ecosystems, client(server, "depsdev") as depsdev:
        assert ecosystems.get(LOOKUP).status_code == 200
        limited = ecosystems.get(LOOKUP)
        assert limited.status_code == 429
        assert "retry-after" not in limited.headers
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert limited.json() == {
            "error_msg": "Rate limit exceeded. See https://ecosyste.ms/api for details."
        }
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 429


def test_malformed_bodies(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        tiny_world(), {"ecosystems": {"malformed_rate": 1}, "github": {"malformed_rate": 1}}
    )
    with client(server, "ecosystems") as ecosystems, github(server) as api:
        broken = ecosystems.get(LOOKUP)
        assert broken.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        assert "etag" not in broken.headers
        assert api.get("/repos/acme/nothing").status_code == 404  # only 200s are mangled
        with pytest.raises(json.JSONDecodeError):
            json.loads(api.get("/repos/acme/gadget/releases").content)  # even "[]"


def test_faults_can_be_replaced_at_run_time(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    with client(server, "depsdev") as depsdev, httpx.Client(base_url=server.base_url) as admin:
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 200
        assert admin.post("/_emulator/faults", json={"depsdev": {"outages": [[0, 1e9]]}}).status_code == 200
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 503
        refused = admin.post("/_emulator/faults", json={"depsdev": {"error_rate": 9}})
        assert refused.status_code == 400
        assert refused.json()["error"].startswith("faults: depsdev.error_rate")
        assert admin.post("/_emulator/faults", content=b"{nope").status_code == 400
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 503  # a refused plan changes nothing
        assert admin.post("/_emulator/faults", json={}).status_code == 200  # recovery
        assert depsdev.get(PACKAGE_VERSIONS).status_code == 200
    server.set_faults({"depsdev": {"error_rate": 1}})
    with client(server, "depsdev") as depsdev:
        assert depsdev.get(PACKAGE_VERSIONS).status_code >= 500


def test_server_takes_a_plan_file(tmp_path: Path) -> None:
    plan = tmp_path / "faults.json"
    plan.write_text(json.dumps({"github": {"error_rate": 1}}))
    with EmulatorServer(tiny_world(), plan) as server, github(server) as api:
        assert api.get("/repos/acme/widget").status_code >= 500
