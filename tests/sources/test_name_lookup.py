"""The name lookup end to end (issue 18): real clients against the emulator, scans stored through the
worker's path, each orphan's verdict read back from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

import pytest
import stamina
from sqlalchemy import select

from distscout.app import Application
from distscout.captures import utc_now
from distscout.emulator.server import EmulatorServer
from distscout.integrity.check import partial_evidence_findings
from distscout.repos import parse_repo_ref
from distscout.store.claims import claim_next
from distscout.store.engine import open_engine
from distscout.store.queries import fleet_stats, orphans, repo_report
from distscout.store.repos import add_repos
from distscout.store.schema import repo_distribution, repo_distribution_manifest
from distscout.worker.runner import run_claim
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import settings_for

REPO = "https://github.com/acme/orphans"
FILES = {
    "package.json": '{"name": "free-name", "version": "1.0.0"}',  # nobody has it
    "pyproject.toml": '[project]\nname = "Taken_Name"\nversion = "1"\n',  # someone else's (PEP 503 spelling)
    "crates/lag/Cargo.toml": '[package]\nname = "lagging"\nversion = "0.1.0"\n',  # links here, not indexed
    "DESCRIPTION": "Package: AcmeR\nVersion: 1.0\n",  # on CRAN with no link
    "packages/bad/package.json": '{"name": "Bad Name"}',  # npm refuses it: nothing asked
    "packages/gem/acme-gem.gemspec": 'Gem::Specification.new do |s|\n  s.name = "acme-gem"\nend\n',
    # names that must be encoded as one path segment: a scope, and Maven's group:artifact
    "packages/scoped/package.json": '{"name": "@acme/scoped", "version": "1.0.0"}',
    "java/pom.xml": "<project><groupId>org.acme</groupId><artifactId>gizmo</artifactId>"
    "<version>1.0</version></project>",
}
PACKAGES = [
    {
        "ecosystem": "npm",
        "name": "@acme/scoped",
        "repository_url": "https://github.com/acme/orphans",
        "reverse_indexed": False,
        "versions": [{"version": "1.0.0"}],
    },
    {
        "ecosystem": "maven",
        "name": "org.acme:gizmo",
        "repository_url": "https://gitlab.com/other/gizmo",
        "versions": [{"version": "1.0"}],
    },
    {
        "ecosystem": "pypi",
        "name": "taken-name",
        "repository_url": "https://github.com/someone/taken",
        "versions": [{"version": "2.0"}],
    },
    {
        "ecosystem": "cargo",
        "name": "lagging",
        "repository_url": "https://github.com/acme/orphans",
        "reverse_indexed": False,
        "versions": [{"version": "0.1.0", "published_at": "2025-05-01T00:00:00Z"}],
    },
    {"ecosystem": "cran", "name": "AcmeR", "repository_url": None, "versions": [{"version": "1.0"}]},
    {  # deps.dev canonicalizes the link: its reverse lookup finds the gem, so it is no orphan at all
        "ecosystem": "rubygems",
        "name": "acme-gem",
        "repository_url": "git+https://github.com/Acme/Orphans.git",
        "versions": [{"version": "1.0.0"}],
    },
]
EXPECTED = {
    "packages/scoped/package.json": "linked",
    "java/pom.xml": "taken",
    "package.json": "unregistered",
    "pyproject.toml": "taken",
    "crates/lag/Cargo.toml": "linked",
    "DESCRIPTION": "unlinked",
    "packages/bad/package.json": "invalid-name",
}


def triage_world() -> dict[str, Any]:
    return copy.deepcopy({"format": 1, "repos": [{"url": REPO, "files": FILES}], "packages": PACKAGES})


async def _scan_all(
    server: EmulatorServer, url: str, *, now: datetime | None = None, **overrides: Any
) -> None:
    """Track the repository and scan it once, as the daemon does (the store's cache and all)."""
    with Application(settings_for(server, database_url=url, **overrides), open_engine(url)) as app:
        with app.engine.begin() as connection:
            add_repos(connection, [parse_repo_ref(REPO)], utc_now())
        upstreams = app.upstreams()
        try:
            with stamina.set_testing(True, attempts=1):
                claim = claim_next(app.engine, now or utc_now(), timedelta(days=180))
                assert claim is not None, "the repository is due"
                await run_claim(app.engine, upstreams, app.settings, claim)
        finally:
            await upstreams.aclose()


def _verdicts(url: str) -> dict[str, tuple[str | None, str]]:
    engine = open_engine(url)
    with engine.connect() as connection:
        m = repo_distribution_manifest
        rows = connection.execute(select(m.c.manifest_path, m.c.verdict, m.c.verdict_detail)).all()
    engine.dispose()
    return {path: (verdict, detail) for path, verdict, detail in rows}


@pytest.fixture
def world(emulator_factory: EmulatorFactory) -> EmulatorServer:
    return emulator_factory(triage_world())


async def test_every_orphan_gets_the_verdict_the_world_holds(
    world: EmulatorServer, database_url: str
) -> None:
    await _scan_all(world, database_url)
    found = _verdicts(database_url)
    assert {path: verdict for path, (verdict, _) in found.items() if verdict} == EXPECTED
    assert "github.com/someone/taken" in found["pyproject.toml"][1]
    engine = open_engine(database_url)
    with engine.connect() as connection:
        listed = orphans(connection)
        assert [(o["manifest_path"], o["verdict"]) for o in listed] == [
            ("package.json", "unregistered"),  # the free name first: anyone can take it
            ("java/pom.xml", "taken"),
            ("pyproject.toml", "taken"),
        ]
        assert [o["linked_repository"] for o in listed[1:]] == [
            "gitlab.com/other/gizmo",
            "github.com/someone/taken",
        ]
        stats = fleet_stats(connection)
        assert (stats.orphans_unregistered, stats.orphans_taken, stats.orphans_unknown) == (1, 2, 0)
        assert (stats.names_linked, stats.names_unlinked, stats.invalid_names) == (2, 1, 1)
        # the name-matched packages are registry evidence of source name_lookup
        d = repo_distribution
        named = connection.execute(
            select(d.c.package_name, d.c.provenance).where(d.c.source == "name_lookup")
        )
        assert dict(named.all()) == {
            "lagging": "UNVERIFIED_METADATA",
            "@acme/scoped": "UNVERIFIED_METADATA",
            "AcmeR": "NAME_MATCH",
        }
        assert [o["manifest_path"] for o in orphans(connection, "invalid-name")] == [
            "packages/bad/package.json"
        ]
    engine.dispose()


async def test_a_name_is_asked_once_per_cadence_across_the_fleet(
    world: EmulatorServer, sqlite_url: str
) -> None:
    await _scan_all(world, sqlite_url)
    first = world.stats()["depsdev"]["by_route"]
    engine = open_engine(sqlite_url)
    with engine.begin() as connection:  # the verdicts come back from the kept answers, not from here
        connection.execute(repo_distribution_manifest.update().values(verdict=None))
    engine.dispose()
    world.reset()
    # the repository is due again (its claim's clock moved on); its names' answers are still fresh
    await _scan_all(world, sqlite_url, now=utc_now() + timedelta(days=181))
    again = world.stats()["depsdev"]["by_route"]
    assert first["/v3/systems/{system}/packages/{name}"] == 6  # five names and the gem's publish dates
    assert again.get("/v3/systems/{system}/packages/{name}") == 1, again  # only the gem's dates again
    assert "/v3/systems/{system}/packages/{name}/versions/{version}" not in again
    assert {path: verdict for path, (verdict, _) in _verdicts(sqlite_url).items() if verdict} == EXPECTED


@pytest.mark.parametrize("fault", [{"error_rate": 1}, {"garbage_rate": 1}, {"html_rate": 1}])
async def test_a_registry_failing_leaves_the_verdict_unknown_and_the_scan_partial(
    emulator_factory: EmulatorFactory, sqlite_url: str, fault: dict[str, Any]
) -> None:
    server = emulator_factory(triage_world(), {"depsdev": {"routes": {"/v3/systems": fault}}})
    await _scan_all(server, sqlite_url)
    found = _verdicts(sqlite_url)
    # deps.dev's names: a garbled or failed answer is never read as a verdict (a clean 404 still is one:
    # the garbling faults spoil answers with a body, the error fault every answer)
    failed = (
        *("pyproject.toml", "crates/lag/Cargo.toml", "java/pom.xml", "packages/scoped/package.json"),
        *(["package.json"] if "error_rate" in fault else []),
    )
    for path in failed:
        assert found[path][0] == "unknown", (path, found[path])
    assert found["DESCRIPTION"][0] == "unlinked", "ecosyste.ms answered for CRAN"
    engine = open_engine(sqlite_url)
    with engine.connect() as connection:
        report = repo_report(connection, parse_repo_ref(REPO))
        assert report is not None and report["state"]["scan_complete"] is False
        assert report["unseen"].get("name_lookup") in {"transient", "permanent"}
    engine.dispose()


async def test_the_integrity_check_rechecks_a_name_lookup_that_failed(
    emulator_factory: EmulatorFactory, sqlite_url: str
) -> None:
    # only CRAN's name lookups fail: the repository's reverse lookups all answered, so AcmeR is an orphan
    plan = {"ecosystems": {"routes": {"/api/v1/registries/cran.r-project.org/packages": {"error_rate": 1}}}}
    await _scan_all(emulator_factory(triage_world(), plan), sqlite_url)
    assert _verdicts(sqlite_url)["DESCRIPTION"][0] == "unknown"
    engine = open_engine(sqlite_url)
    with engine.connect() as connection:
        findings = [(f.action.value, f.reason) for f in partial_evidence_findings(connection)]
    engine.dispose()
    assert findings == [("recheck", "orphan verdicts unknown (the name lookup did not answer): AcmeR")]


async def test_without_the_name_lookup_orphans_stay_unknown(world: EmulatorServer, sqlite_url: str) -> None:
    sources = ("deps.dev", "ecosyste.ms", "github_release_asset", "github_packages", "manifest")
    await _scan_all(world, sqlite_url, sources=sources)
    found = _verdicts(sqlite_url)
    assert found["package.json"][0] == "unknown" and "not looked up" in found["package.json"][1]
    assert found["DESCRIPTION"][0] == "unknown"
    asked = world.stats()["depsdev"]["by_route"]
    assert asked.get("/v3/systems/{system}/packages/{name}") == 1, asked  # the gem's dates, no name
    assert "/v3/systems/{system}/packages/{name}/versions/{version}" not in asked


def squatted_world() -> dict[str, Any]:
    """The triage world after somebody registered the free name, linking it to their own repository."""
    world = triage_world()
    world["packages"].append(
        {
            "ecosystem": "npm",
            "name": "free-name",
            "repository_url": "https://github.com/squat/free-name",
            "versions": [{"version": "0.0.1"}],
        }
    )
    return world


async def test_somebody_registering_a_free_name_is_an_event(
    emulator_factory: EmulatorFactory, sqlite_url: str
) -> None:
    await _scan_all(emulator_factory(triage_world()), sqlite_url)
    later = squatted_world()
    await _scan_all(emulator_factory(later), sqlite_url, now=utc_now() + timedelta(days=181))
    engine = open_engine(sqlite_url)
    with engine.connect() as connection:
        report = repo_report(connection, parse_repo_ref(REPO))
    engine.dispose()
    assert report is not None
    events = [(e["manifest_path"], e["from"], e["to"], e["event"]) for e in report["history"]["verdicts"]]
    assert events == [
        ("package.json", "unregistered", "taken", "somebody registered your name (it links elsewhere)")
    ]


async def test_one_failed_name_does_not_hold_back_the_others(
    emulator_factory: EmulatorFactory, sqlite_url: str
) -> None:
    await _scan_all(emulator_factory(triage_world()), sqlite_url)
    later = squatted_world()
    plan = {"ecosystems": {"routes": {"/api/v1/registries/cran.r-project.org/packages": {"error_rate": 1}}}}
    await _scan_all(emulator_factory(later, plan), sqlite_url, now=utc_now() + timedelta(days=181))
    found = _verdicts(sqlite_url)
    assert found["package.json"][0] == "taken", "this scan's answer, though CRAN's lookup failed"
    assert found["DESCRIPTION"][0] == "unknown" and "HTTP 5" in found["DESCRIPTION"][1]


async def test_a_crate_name_is_not_free_while_its_other_spelling_is_taken(
    emulator_factory: EmulatorFactory, sqlite_url: str
) -> None:
    world = triage_world()
    world["repos"][0]["files"] = {"Cargo.toml": '[package]\nname = "foo_bar"\nversion = "0.1.0"\n'}
    world["packages"] = [  # nothing else: every GetPackage asked is the name lookup's
        {
            "ecosystem": "cargo",
            "name": "foo-bar",
            "repository_url": "https://github.com/else/foo-bar",
            "versions": [{"version": "1.0.0"}],
        }
    ]
    server = emulator_factory(world)
    await _scan_all(server, sqlite_url)
    verdict, detail = _verdicts(sqlite_url)["Cargo.toml"]
    assert verdict == "taken" and "github.com/else/foo-bar" in detail
    routes = server.stats()["depsdev"]["by_route"]
    assert routes["/v3/systems/{system}/packages/{name}"] == 2, routes  # foo_bar (404), then foo-bar
