"""Adding an evidence source is its collector, its interpreter and a line in each registry list: the
settings take its name, the scan runs it, the dispatcher knows its upstream, and the store derives and
keeps its rows — with nothing else edited. Here a made-up source is registered the way a real one is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest
import stamina
from sqlalchemy import select

from distscout import interpreters
from distscout.captures import Capture
from distscout.config import load_settings
from distscout.emulator.server import EmulatorServer
from distscout.http import Outcome
from distscout.interpreters import Interpretation, Interpreter, registry_sources
from distscout.observations import RegistryObservation
from distscout.repos import parse_repo_ref
from distscout.results import SourceResult
from distscout.scanner import scan_repo
from distscout.sources import registry
from distscout.sources.base import ScanContext, Source, capture_of
from distscout.sources.depsdev import packageversions_path
from distscout.store.repos import list_repos
from distscout.store.rotation import record_scan
from distscout.store.schema import repo_distribution
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.helpers import settings_for, upstreams_for
from tests.store.helpers import Clock, tracked

NAME = "example.registry"
WIDGET = parse_repo_ref("acme/widget")


async def _collect(context: ScanContext) -> SourceResult:
    fetched = await context.upstreams.depsdev.get(packageversions_path(context.repo.key))
    if not fetched.outcome.is_answer:
        return SourceResult(NAME, fetched.outcome, detail=fetched.error)
    return SourceResult(NAME, Outcome.OK, (capture_of(NAME, "example.lookup", fetched, subject="widget-x"),))


def _interpret(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    rows = (RegistryObservation("npm", c.subject, NAME) for c in captures if c.status == 200)
    return Interpretation(registry=tuple(rows))


@pytest.fixture
def plugged(monkeypatch: pytest.MonkeyPatch) -> None:
    # The two registry lists, as a new source's author would extend them (one line each).
    monkeypatch.setattr(registry, "SOURCES", (*registry.SOURCES, Source(NAME, "depsdev", _collect)))
    extra = Interpreter(NAME, _interpret, registry=True, coverage=frozenset({"npm"}))
    monkeypatch.setattr(interpreters, "INTERPRETERS", (*interpreters.INTERPRETERS, extra))


@pytest.mark.usefixtures("plugged")
async def test_a_registered_source_is_scanned_and_stored(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    world: EmulatorServer = emulator_factory(tiny_world())
    assert load_settings(sources=["deps.dev", NAME], database_url="sqlite://").sources == ("deps.dev", NAME)
    assert registry.upstream_of(NAME) == "depsdev" and NAME in registry_sources()
    settings = settings_for(world, sources=("deps.dev", NAME))
    with stamina.set_testing(True, attempts=1):
        async with upstreams_for(world) as upstreams:
            scan = await scan_repo(upstreams, WIDGET, settings)
    assert scan.results[NAME].outcome is Outcome.OK
    clock = Clock()
    engine = tracked(database_url, [WIDGET], clock)
    with engine.begin() as connection:
        (repo,) = list_repos(connection)
        stored = record_scan(connection, repo.id, scan, clock(), timedelta(days=180))
        rows = connection.execute(
            select(repo_distribution.c.source, repo_distribution.c.package_name).where(
                repo_distribution.c.source == NAME
            )
        ).all()
    assert [tuple(r) for r in rows] == [(NAME, "widget-x")]
    assert stored.registry_rows >= 1


def test_an_unregistered_source_is_refused() -> None:
    with pytest.raises(Exception, match=NAME):
        load_settings(sources=[NAME], database_url="sqlite://")
