"""GitHub's primary rate limit: per-token budgets, free 304s and /rate_limit, 403 when exhausted."""

from __future__ import annotations

from distscout.emulator.budget import Limits
from distscout.emulator.faults import ManualClock
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import github, tiny_world

START = 1_700_000_000.0


def test_every_answer_carries_rate_limit_headers(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), clock=ManualClock(START))
    with github(server) as api:
        for path in ("/repos/acme/widget", "/repos/acme/nothing", "/repos/acme/old-widget", "/rate_limit"):
            headers = api.get(path).headers
            assert headers["x-ratelimit-limit"] == "5000"
            assert headers["x-ratelimit-resource"] == "core"
            assert headers["x-ratelimit-reset"] == str(int(START) + 3600)
        assert headers["x-ratelimit-used"] == "3"  # 200, 404 and 301 count; /rate_limit does not
        assert headers["x-ratelimit-remaining"] == "4997"
    with github(server, token=None) as anonymous:
        assert anonymous.get("/repos/acme/widget").headers["x-ratelimit-limit"] == "60"


def test_conditional_requests_are_free(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), limits=Limits(github_token_per_hour=3))
    with github(server) as api:
        first = api.get("/repos/acme/widget/contents/setup.cfg")
        etag = first.headers["etag"]
        assert etag.startswith('"')
        assert first.headers["x-ratelimit-remaining"] == "2"
        for tag in (etag, "W/" + etag, f'"nope", {etag}'):
            again = api.get("/repos/acme/widget/contents/setup.cfg", headers={"If-None-Match": tag})
            assert again.status_code == 304
            assert again.headers["etag"] == etag
            assert again.headers["x-ratelimit-remaining"] == "2"
        assert (
            api.get("/repos/acme/widget/contents/setup.cfg", headers={"If-None-Match": '"x"'}).status_code
            == 200
        )
    assert server.stats()["github"]["rate_limit_cost"] == 2


def test_an_exhausted_budget_answers_403_until_the_reset(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock(START)
    server = emulator_factory(tiny_world(), clock=clock, limits=Limits(github_token_per_hour=2))
    with github(server) as api:
        etag = api.get("/repos/acme/widget").headers["etag"]
        assert api.get("/repos/acme/gadget").status_code == 200
        refused = api.get("/repos/acme/widget")
        assert refused.status_code == 403
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-reset"] == str(int(START) + 3600)
        assert "rate limit exceeded" in refused.json()["message"]
        assert api.get("/repos/acme/widget", headers={"If-None-Match": etag}).status_code == 304  # still free
        assert api.get("/rate_limit").json()["rate"]["remaining"] == 0
        with github(server, token="another-token") as other:  # budgets are per token
            assert other.get("/repos/acme/widget").status_code == 200
        clock.advance(3600)
        assert api.get("/repos/acme/widget").status_code == 200
    assert server.stats()["github"]["rate_limit_cost"] == 4


def test_anonymous_callers_get_60_per_address_and_reset_refills(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world())
    with github(server, token=None) as anonymous:
        statuses = [anonymous.get("/repos/acme/widget").status_code for _ in range(61)]
        assert statuses == [200] * 60 + [403]
        server.reset()
        assert anonymous.get("/repos/acme/widget").status_code == 200


def test_points_a_minute_past_the_secondary_limit_are_refused_without_retry_after(
    emulator_factory: EmulatorFactory,
) -> None:
    """GitHub's secondary limit: per token, points in any 60 s to one REST endpoint, and to GraphQL."""
    clock = ManualClock(START)
    limits = Limits(github_rest_points_per_minute=3, github_graphql_points_per_minute=2)
    server = emulator_factory(tiny_world(), clock=clock, limits=limits)
    query = {"query": '{ repository(owner: "acme", name: "widget") { id } }'}
    with github(server) as api:
        assert [api.get(f"/repos/acme/{name}").status_code for name in ("widget", "gadget", "widget")] == [
            200,
            200,
            200,
        ]
        refused = api.get("/repos/acme/widget")  # the fourth point to one endpoint within the minute
        assert refused.status_code == 403 and "retry-after" not in refused.headers
        assert "secondary rate limit" in refused.json()["message"]
        assert int(refused.headers["x-ratelimit-remaining"]) > 0, "the primary budget is not what ran out"
        assert api.get("/repos/acme/widget/releases").status_code == 200, "another endpoint has its own"
        with github(server, token="another-token") as other:
            assert other.get("/repos/acme/widget").status_code == 200, "and another token"
        assert [api.post("/graphql", json=query).status_code for _ in range(3)] == [200, 200, 403]
        clock.advance(60)
        assert api.get("/repos/acme/widget").status_code == 200, "the window moved on"


def test_compressed_time_renews_an_hourly_budget_every_hour_seconds(
    emulator_factory: EmulatorFactory,
) -> None:
    """Benchmarks run a large fleet's hours in minutes: an hour's budget every `hour_seconds`."""
    clock = ManualClock(START)
    server = emulator_factory(
        tiny_world(), clock=clock, limits=Limits(github_token_per_hour=1, hour_seconds=60)
    )
    with github(server) as api:
        first = api.get("/repos/acme/widget")
        assert first.headers["x-ratelimit-reset"] == str(int(START) + 60)
        assert api.get("/repos/acme/gadget").status_code == 403
        clock.advance(60)
        assert api.get("/repos/acme/gadget").status_code == 200
