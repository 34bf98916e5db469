from __future__ import annotations

import pytest

from distscout.http import UpstreamClient, UpstreamConfig
from distscout.worker.pacing import MINIMUM_INTERVAL, CostMeter, budget_interval, next_interval


def _client(remaining: int | None, reset_in: float, charged: int) -> UpstreamClient:
    client = UpstreamClient(UpstreamConfig(name="github", base_url="http://127.0.0.1:1"))
    client.rate.remaining, client.rate.reset_at, client.charged = remaining, 1000.0 + reset_in, charged
    return client


def test_unknown_budget_falls_back_to_start_interval() -> None:
    assert budget_interval(_client(None, 100, 0), 0, 1000.0) is None
    assert next_interval([_client(None, 100, 5)], 3, 1000.0, fallback=30.0) == 30.0


def test_budget_is_spread_evenly_until_the_reset() -> None:
    # 10 charged calls a scan, 100 calls left, 1,000 s to the reset: 10 scans, one every 100 s.
    assert budget_interval(_client(100, 1000, 50), 5, 1000.0) == 100.0
    # A plentiful budget goes faster than a fixed 30 s interval would.
    assert budget_interval(_client(4900, 3600, 10), 10, 1000.0) < 1.0


def test_a_large_pool_may_start_more_than_twenty_scans_a_second() -> None:
    # 720,000 calls left for an hour at 1 a scan: 200 scans a second (a pace of 0.05 s capped it at 20).
    assert budget_interval(_client(720_000, 3600, 10), 10, 1000.0) == pytest.approx(0.005)


def test_spent_budget_waits_for_the_reset_and_free_rescans_do_not_wait() -> None:
    assert budget_interval(_client(3, 600, 100), 10, 1000.0) == 600.0
    assert budget_interval(_client(5000, 3600, 0), 10, 1000.0) == MINIMUM_INTERVAL


def test_the_slowest_upstream_sets_the_pace() -> None:
    fast, slow = _client(5000, 3600, 10), _client(100, 1000, 100)
    assert next_interval([fast, slow], 10, 1000.0, fallback=30.0) == 100.0


def test_a_pool_of_tokens_paces_on_the_sum_of_their_budgets() -> None:
    config = UpstreamConfig(name="github", base_url="http://127.0.0.1:1", tokens=("a", "b", "c"))
    client = UpstreamClient(config)
    client.charged = 10  # 1 unit a scan over 10 scans
    budgets = [(100, 100.0), (100, 100.0), (0, 40.0)]  # (remaining, seconds to reset) per token
    for credential, (remaining, reset_in) in zip(client.tokens.credentials, budgets, strict=True):
        credential.rate.remaining, credential.rate.reset_at = remaining, 1000.0 + reset_in
    # each live token allows a scan a second; the spent one adds nothing until its reset
    assert budget_interval(client, 10, 1000.0) == pytest.approx(0.5)
    client.tokens.credentials[1].rate.remaining = 0
    assert budget_interval(client, 10, 1000.0) == pytest.approx(1.0)
    client.tokens.credentials[0].rate.remaining = 0
    assert budget_interval(client, 10, 1000.0) == pytest.approx(40.0), "all spent: the first reset"


async def test_the_dispatcher_paces_by_budget_unless_told_not_to() -> None:
    from sqlalchemy import create_engine

    from distscout.config import Settings
    from distscout.upstreams import build_upstreams
    from distscout.worker.dispatcher import Dispatcher

    settings = Settings(database_url="sqlite://", start_interval=30.0)
    upstreams = build_upstreams(settings)
    dispatcher = Dispatcher(create_engine("sqlite://"), upstreams, settings)
    assert dispatcher._pace() == 30.0, "nothing known yet: the configured interval"
    github = upstreams.github
    github.rate.remaining, github.rate.reset_at, github.charged = 100, 10**10, 50
    dispatcher.stats.finished = 5
    assert 0 < dispatcher._pace() != 30.0
    dispatcher.settings = settings.model_copy(update={"pace_by_budget": False})
    assert dispatcher._pace() == 30.0
    await upstreams.aclose()


def test_the_cost_of_a_scan_is_what_the_recent_scans_cost() -> None:
    client, meter = _client(5000, 3600, 0), CostMeter(window=10)
    for scans in range(1, 21):  # each of the first 20 scans meets a new owner: 6 Packages listings
        client.charged += 6
        assert meter.cost(client, scans) == 6
    for scans in range(21, 41):  # then every owner is known: a scan costs 1
        client.charged += 1
        cost = meter.cost(client, scans)
    assert cost == 1, "after a window of cheap scans, the expensive start no longer sets the pace"
    assert client.charged / 40 == 3.5  # what the average since start-up would still say
    slow = budget_interval(client, 40, 1000.0)
    fast = budget_interval(client, 40, 1000.0, meter)
    assert slow is not None and fast is not None and fast < slow / 3


async def test_the_wait_after_a_burst_shortens_once_the_budget_is_known(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import asyncio
    import time

    from sqlalchemy import create_engine

    from distscout.config import Settings
    from distscout.upstreams import build_upstreams
    from distscout.worker import dispatcher as dispatching

    monkeypatch.setattr(dispatching, "PACE_RECHECK", 0.05)
    settings = Settings(
        database_url="sqlite://", start_interval=30.0, workers=4, start_burst=4, github_token="t"
    )
    upstreams = build_upstreams(settings)
    dispatcher = dispatching.Dispatcher(create_engine("sqlite://"), upstreams, settings)
    assert dispatcher.burst == 4
    dispatcher._burst, dispatcher._burst_started = 4, asyncio.get_running_loop().time()

    async def budgets_become_known() -> None:
        await asyncio.sleep(0.2)  # the burst's first answers arrive: a plentiful budget
        for client in upstreams.budgeted():
            client.rate.remaining, client.rate.reset_at, client.charged = 4990, time.time() + 3600, 4
        dispatcher.stats.finished = 4

    started = asyncio.get_running_loop().time()
    await asyncio.gather(dispatcher._after_burst(), budgets_become_known())
    waited = asyncio.get_running_loop().time() - started
    # 4 scans at one unit each, 4,990 units for the hour: 4 x 0.72 s — not the 4 x 30 s asked at first
    assert waited == pytest.approx(4 * 3600 / 4990, abs=0.5)
    await upstreams.aclose()
