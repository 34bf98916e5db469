"""Connection-level and per-route faults: what a proxy, a flaky link or one sick endpoint does to answers,
and what distscout's client makes of it (a transient outcome, nothing taken for an answer)."""

from __future__ import annotations

import httpx
import pytest

from distscout.emulator.faults import FaultPlanError, parse_fault_plan
from distscout.http.outcome import Outcome
from distscout.repos import parse_repo_ref
from distscout.sources.github_repo import fetch_metadata
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world
from tests.sources.helpers import upstreams_for

REPO = "/repos/acme/widget"


def test_an_html_page_with_status_200(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"github": {"html_rate": 1}})
    with github(server) as api:
        answer = api.get(REPO)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.text.startswith("<!DOCTYPE html>")


def test_a_connection_dropped_mid_body(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"github": {"reset_rate": 1}})
    with github(server) as api, pytest.raises(httpx.RemoteProtocolError):
        api.get(REPO)


def test_a_status_line_that_is_no_http(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"github": {"garbage_rate": 1}})
    with github(server) as api, pytest.raises(httpx.RemoteProtocolError):
        api.get(REPO)
    server.set_faults(None)
    with github(server) as api:
        answer = api.get(REPO)
    assert answer.status_code == 200 and "x-emulator-fault" not in answer.headers


def test_a_dripping_body_arrives_whole(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    with github(server) as api:
        whole = api.get(REPO).content
        server.set_faults({"github": {"drip_rate": 1, "drip_ms": 1}})
        assert len(whole) > 256 and api.get(REPO).content == whole


@pytest.mark.parametrize("faults", [{"html_rate": 1}, {"reset_rate": 1}, {"garbage_rate": 1}])
async def test_the_client_takes_neither_for_an_answer(
    emulator_factory: EmulatorFactory, faults: dict
) -> None:
    server = emulator_factory(tiny_world(), {"github": faults})
    async with upstreams_for(server, github_graphql=False) as upstreams:
        metadata, fetched, capture = await fetch_metadata(upstreams.github, parse_repo_ref("acme/widget"))
    assert metadata is None and capture is None and fetched.outcome is Outcome.TRANSIENT


def test_a_route_has_faults_of_its_own(emulator_factory: EmulatorFactory) -> None:
    plan = {"github": {"routes": {"/repos/acme/widget/releases": {"error_rate": 1}}}}
    server = emulator_factory(tiny_world(), plan)
    with github(server) as api:
        assert api.get(REPO + "/releases").status_code in (500, 502, 503)
        assert api.get(REPO).status_code == 200, "the rest of the service is healthy"


def test_connection_fault_shares_are_bounded() -> None:
    with pytest.raises(FaultPlanError, match="add up to more than 1"):
        parse_fault_plan({"depsdev": {"malformed_rate": 0.6, "reset_rate": 0.6}})
    with pytest.raises(FaultPlanError, match="routes"):
        parse_fault_plan({"depsdev": {"routes": ["/v3/"]}})
    with pytest.raises(FaultPlanError, match="unknown field"):
        parse_fault_plan({"depsdev": {"routes": {"/v3/": {"routes": {}}}}})
