"""Fleet trends read back from the history tables (distscout.store.trends), on both backends: a world
scanned twice, with a package published and a manifest added in between."""

from __future__ import annotations

from typing import Any

from distscout.store.queries import fleet_stats
from distscout.store.trends import fleet_trends
from tests.emulator.fixtures import EmulatorFactory
from tests.store.helpers import Clock, scan_due, tracked

VERSIONS = [{"version": "1.0", "published_at": "2025-02-01T00:00:00Z"}]


def world(*, later: bool) -> dict[str, Any]:
    binary_files = {"setup.cfg": "[metadata]\nname = acme-binary\n"} if later else {}
    packages = [
        {
            "ecosystem": "pypi",
            "name": "acme-binary",
            "repository_url": "https://github.com/acme/binary",
            "versions": VERSIONS,
        }
    ]
    if later:  # lonely gets published from its repository
        packages.append(
            {
                "ecosystem": "npm",
                "name": "lonely",
                "repository_url": "https://github.com/acme/lonely",
                "versions": VERSIONS,
            }
        )
    return {
        "format": 1,
        "repos": [
            {"url": "https://github.com/acme/lonely", "files": {"package.json": '{"name": "lonely"}'}},
            {"url": "https://github.com/acme/binary", **({"files": binary_files} if binary_files else {})},
            {"url": "https://github.com/acme/quiet", "files": {"README.md": "nothing to publish"}},
        ],
        "packages": packages,
    }


async def test_trends_follow_the_history_and_end_at_the_rollup(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    clock = Clock()
    engine = tracked(database_url, ["acme/lonely", "acme/binary", "acme/quiet"], clock)
    with engine.connect() as connection:
        assert fleet_trends(connection, clock(), points=5) == {
            "series": ["published", "orphans", "unclaimed"],
            "points": [],
        }
    first = clock()
    await scan_due(engine, emulator_factory(world(later=False)), clock)
    clock.advance(days=200)  # past the cadence: every repository is due again
    await scan_due(engine, emulator_factory(world(later=True)), clock)
    clock.advance(days=100)
    with engine.connect() as connection:
        trends = fleet_trends(connection, clock(), points=4)  # day 0, 100, 200, 300
        now = fleet_stats(connection)
    counts = [(p["published"], p["orphans"], p["unclaimed"]) for p in trends["points"]]
    assert counts == [(1, 1, 1), (1, 1, 1), (2, 0, 0), (2, 0, 0)]
    assert trends["points"][0]["at"] == first.isoformat()
    assert trends["points"][-1]["at"] == clock().isoformat()
    assert counts[-1] == (now.with_registry, now.orphans, now.unclaimed)


async def test_a_registry_that_never_answered_is_no_orphan_in_the_past_either(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    clock = Clock()
    engine = tracked(database_url, ["acme/lonely"], clock)
    faults = {"ecosystems": {"error_rate": 1.0}, "depsdev": {"error_rate": 1.0}}
    await scan_due(engine, emulator_factory(world(later=False), faults), clock)
    clock.advance(days=1)
    with engine.connect() as connection:
        points = fleet_trends(connection, clock(), points=2)["points"]
        assert fleet_stats(connection).orphans == 0
    assert [p["orphans"] for p in points] == [0, 0]  # declared, not seen published: unknown, not orphan
