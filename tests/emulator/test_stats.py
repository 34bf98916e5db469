from __future__ import annotations

import httpx

from distscout.emulator.app import UNMATCHED
from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import client, github, tiny_world

LOOKUP = "/api/v1/packages/lookup"


def _exercise(server: EmulatorServer) -> None:
    with (
        client(server, "depsdev") as depsdev,
        client(server, "ecosystems") as ecosystems,
        github(server) as api,
    ):
        depsdev.get("/v3/projects/github.com%2Facme%2Fwidget:packageversions")
        depsdev.get("/v3/projects/github.com/acme/widget:packageversions")  # unmatched, still answered
        depsdev.get("/v3/systems/npm/packages/%40acme%2Fwidget")
        etag = ecosystems.get(LOOKUP, params={"repository_url": "https://github.com/acme/widget"}).headers[
            "etag"
        ]
        ecosystems.get(
            LOOKUP,
            params={"repository_url": "https://github.com/acme/widget"},
            headers={"If-None-Match": etag},
        )
        ecosystems.post("/api/v1/packages/bulk_lookup", json={"repository_urls": []})
        etag = api.get("/repos/acme/widget").headers["etag"]
        api.get("/repos/acme/widget", headers={"If-None-Match": etag})  # 304: not charged
        api.get("/repos/acme/old-widget/releases")  # 301: charged
        api.get("/rate_limit")  # free
        api.get("/repos/acme/widget/contents/setup.cfg")


def test_counters_per_service_and_route(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    _exercise(server)
    assert server.stats() == {
        "depsdev": {
            "requests": 3,
            "by_route": {
                "/v3/projects/{project}:packageversions": 1,
                UNMATCHED: 1,
                "/v3/systems/{system}/packages/{name}": 1,
            },
            "rate_limit_cost": 3,
        },
        "ecosystems": {
            "requests": 3,
            "by_route": {"/api/v1/packages/lookup": 2, "/api/v1/packages/bulk_lookup": 1},
            "rate_limit_cost": 2,
        },
        "github": {
            "requests": 5,
            "by_route": {
                "/repos/{owner}/{repo}": 2,
                "/repos/{owner}/{repo}/releases": 1,
                "/rate_limit": 1,
                "/repos/{owner}/{repo}/contents/{path}": 1,
            },
            "rate_limit_cost": 3,
            "graphql_points": 0,
        },
        "gitlab": {"requests": 0, "by_route": {}, "rate_limit_cost": 0},
    }


def test_stats_and_reset_over_http(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    _exercise(server)
    with httpx.Client(base_url=server.base_url) as admin:
        assert admin.get("/_emulator/stats").json() == server.stats()
        assert admin.post("/_emulator/reset").status_code == 200
        assert admin.get("/_emulator/stats").json() == {
            "depsdev": {"requests": 0, "by_route": {}, "rate_limit_cost": 0},
            "ecosystems": {"requests": 0, "by_route": {}, "rate_limit_cost": 0},
            "github": {"requests": 0, "by_route": {}, "rate_limit_cost": 0, "graphql_points": 0},
            "gitlab": {"requests": 0, "by_route": {}, "rate_limit_cost": 0},
        }
        assert admin.get("/elsewhere").status_code == 404  # not a service: not counted
    assert server.stats()["github"]["requests"] == 0


def test_reset_restores_budgets(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    with github(server) as api:
        api.get("/repos/acme/widget")
        assert api.get("/repos/acme/widget").headers["x-ratelimit-remaining"] == "4998"
        server.reset()
        assert api.get("/repos/acme/widget").headers["x-ratelimit-remaining"] == "4999"


def test_fault_answers_are_counted(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {"github": {"error_rate": 1}, "ecosystems": {"error_rate": 1}})
    with github(server) as api, client(server, "ecosystems") as ecosystems:
        api.get("/repos/acme/widget")
        ecosystems.get(LOOKUP, params={"repository_url": "x"})
    stats = server.stats()
    assert (stats["github"]["requests"], stats["github"]["rate_limit_cost"]) == (1, 0)
    assert (stats["ecosystems"]["requests"], stats["ecosystems"]["rate_limit_cost"]) == (1, 1)


def test_corpus_emulator_starts_each_test_fresh(corpus_emulator: EmulatorServer) -> None:
    assert corpus_emulator.stats()["github"]["requests"] == 0
    with github(corpus_emulator) as api:
        assert api.get("/repos/pallets/flask").status_code == 200
    corpus_emulator.set_faults({"github": {"error_rate": 1}})  # undone before the next test that uses it
