"""Issue #15's property: whatever the upstreams do, a finding may be missing or unconfirmed, never wrong.

One world with every kind of finding (orphans npm and PyPI, an unclaimed package, a published package,
GitHub Packages, a repository that does not exist) is scanned once fault-free with a token: the truth.
Then, for random fault plans — 5xx and cut bodies at random rates, budgets spent after a few requests,
deployment quirks (a token without `read:packages`, a fine-grained token, a skewed clock, ecosyste.ms'
bulk lookup as deployed or as documented) and with or without a token — the same world is scanned twice
(the second pass under another plan: evidence kept from the first must not turn into a wrong finding).
After every pass, the confirmed orphans, the unclaimed packages and the not-found repositories are a
subset of the truth.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import stamina
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_repo
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, orphans, unclaimed
from distscout.store.repos import add_repos, list_repos
from distscout.worker.runner import run_claim, utc_now
from tests.sources.helpers import settings_for, upstreams_for

WORLD: dict[str, Any] = {
    "format": 1,
    "repos": [
        {"url": "https://github.com/acme/lonely", "files": {"package.json": '{"name": "lonely"}'}},
        {
            "url": "https://github.com/acme/legacy",
            "files": {"setup.cfg": "[metadata]\nname = acme-legacy\n"},
        },
        {"url": "https://github.com/acme/published", "files": {"package.json": '{"name": "published"}'}},
        {"url": "https://github.com/acme/binary"},  # published, no manifest: unclaimed
        {
            "url": "https://github.com/acme/widget",
            "files": {"package.json": '{"name": "@acme/widget"}', "Cargo.toml": '[package]\nname = "w"\n'},
            "github_packages": [{"name": "widget", "package_type": "npm"}],
        },
    ],
    "packages": [
        {
            "ecosystem": "npm",
            "name": "published",
            "repository_url": "https://github.com/acme/published",
            "versions": [{"version": "1.0.0", "published_at": "2025-01-10T09:30:12Z"}],
        },
        {
            "ecosystem": "pypi",
            "name": "acme-binary",
            "repository_url": "https://github.com/acme/binary",
            "versions": [{"version": "2.0", "published_at": "2025-02-01T00:00:00Z"}],
        },
        {
            "ecosystem": "cargo",
            "name": "w",
            "repository_url": "https://github.com/acme/widget",
            "sources": ["ecosystems"],
        },
    ],
}
TRACKED = [*(repo["url"] for repo in WORLD["repos"]), "https://github.com/acme/no-such-repo"]

Findings = tuple[frozenset[tuple[str, ...]], frozenset[tuple[str, ...]], frozenset[str]]


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=2):
        yield


async def _scan_all(server: EmulatorServer, url: str, at_days: float, overrides: dict[str, Any]) -> None:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            tracked = [repo.id for repo in list_repos(connection)]
        async with upstreams_for(server, **overrides) as upstreams:
            for repo_id in tracked:
                claim = claim_repo(engine, repo_id, utc_now() + timedelta(days=at_days))
                assert claim is not None
                await run_claim(engine, upstreams, settings_for(server, database_url=url, **overrides), claim)
    finally:
        engine.dispose()


def _findings(url: str) -> Findings:
    engine = open_engine(url)
    try:
        with engine.connect() as connection:
            found = {row["repo"] for row in orphans(connection)}
            confirmed = frozenset((row["repo"], row["manifest_path"]) for row in orphans(connection))
            claimed = frozenset(
                (row["repo"], row["ecosystem"], row["package_name"], row["source"])
                for row in unclaimed(connection)
            )
            missing = frozenset(r.ref.full_name for r in list_repos(connection) if r.not_found)
            assert fleet_stats(connection).orphans == len(found)
    finally:
        engine.dispose()
    return confirmed, claimed, missing


def _fresh_database(directory: Path) -> str:
    url = f"sqlite:///{directory / 'scan.db'}"
    engine = open_engine(url)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(ref) for ref in TRACKED], utc_now())
    engine.dispose()
    return url


def _service_faults(draw: Any, service: str) -> dict[str, Any]:
    rates = st.sampled_from([0.0, 0.2, 0.5, 1.0])
    faults: dict[str, Any] = {
        "error_rate": draw(rates),
        "malformed_rate": draw(rates),
        "seed": draw(st.integers(0, 1000)),
    }
    if draw(st.booleans()):
        faults["rate_limit"] = {"after": draw(st.sampled_from([0, 2, 6])), "retry_after_s": 3600}
    if service == "github":
        faults["quirks"] = draw(
            st.sampled_from(
                [
                    {},
                    {"token_scopes": ["repo"]},
                    {"token_kind": "fine_grained"},
                    {"clock_skew_s": 600},
                ]
            )
        )
    if service == "ecosystems":
        faults["quirks"] = {"bulk_repository_urls": draw(st.sampled_from(["as_deployed", "as_documented"]))}
    return faults


@st.composite
def fault_plans(draw: Any) -> dict[str, Any]:
    chosen = draw(st.lists(st.sampled_from(["depsdev", "ecosystems", "github"]), unique=True, max_size=3))
    return {service: _service_faults(draw, service) for service in chosen}


@pytest.fixture(scope="module")
def world_server() -> Iterator[EmulatorServer]:
    with EmulatorServer(WORLD) as server:
        yield server


@pytest.fixture(scope="module")
def truth(world_server: EmulatorServer) -> Findings:
    with tempfile.TemporaryDirectory() as directory:
        url = _fresh_database(Path(directory))
        with stamina.set_testing(True, attempts=2):
            asyncio.run(_scan_all(world_server, url, 0, {}))
        return _findings(url)


def test_the_truth_has_every_kind_of_finding(truth: Findings) -> None:
    confirmed, claimed, missing = truth
    assert {repo for repo, _ in confirmed} == {"acme/lonely", "acme/legacy"}
    assert {row[0] for row in claimed} == {"acme/binary"}
    assert missing == {"acme/no-such-repo"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=fault_plans(), second=fault_plans(), token=st.booleans())
def test_faults_never_make_a_finding_the_world_does_not_have(
    world_server: EmulatorServer, truth: Findings, first: dict[str, Any], second: dict[str, Any], token: bool
) -> None:
    overrides = {} if token else {"github_token": None}
    with tempfile.TemporaryDirectory() as directory, stamina.set_testing(True, attempts=2):
        url = _fresh_database(Path(directory))
        for days, plan in ((0, first), (365, second)):
            world_server.reset()  # budgets and counters start afresh with each plan
            world_server.set_faults(plan)
            asyncio.run(_scan_all(world_server, url, days, overrides))
            for found, true, what in zip(
                _findings(url), truth, ("orphans", "unclaimed", "not found"), strict=True
            ):
                assert found <= true, f"{what} the world does not have: {sorted(found - true)} under {plan}"
    world_server.set_faults(None)
