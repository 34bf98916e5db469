"""GitHub Packages refused for want of permission is "not visible", never "no packages" (§3.3)."""

from __future__ import annotations

import httpx
import pytest

from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http.clock import FakeClock
from distscout.repos import parse_repo_ref
from distscout.results import SourceResult, Verdict, judge
from distscout.sources import github_packages
from tests.sources.helpers import registry_of

WIDGET = parse_repo_ref("acme/widget")
REFUSED = {"message": "You need at least read:packages scope to list packages.", "status": "403"}


def github(status: int, headers: dict[str, str]) -> UpstreamClient:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, json=REFUSED if status >= 400 else [], headers=headers)

    config = UpstreamConfig(name="github", base_url="https://api.github.example", attempts=1)
    return UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(answer))


BUDGET_LEFT = {"x-ratelimit-remaining": "4990", "x-ratelimit-reset": "1900000000"}


@pytest.mark.parametrize(
    ("status", "headers", "said"),
    [
        (
            403,
            {**BUDGET_LEFT, "x-oauth-scopes": "repo, read:org"},
            "a classic token with scopes [repo, read:org]",
        ),
        (403, {**BUDGET_LEFT, "x-oauth-scopes": ""}, "a classic token with scopes [none]"),
        (403, BUDGET_LEFT, "a token that names no scopes (fine-grained or an app token)"),
        (401, {}, "no token (or a token GitHub refused)"),
    ],
)
async def test_a_refusal_is_not_visible_with_the_reason(
    status: int, headers: dict[str, str], said: str
) -> None:
    client = github(status, headers)
    result = await github_packages.collect(client, WIDGET, "Organization")
    await client.aclose()
    assert result.outcome is Outcome.NOT_VISIBLE
    assert not result.captures and not registry_of(result), "no answer is stored as 'no packages'"
    assert said in result.detail and "needs a classic token with read:packages" in result.detail


async def test_a_spent_budget_is_transient_not_a_refusal() -> None:
    client = github(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1900000000"})
    result = await github_packages.collect(client, WIDGET, "Organization")
    await client.aclose()
    assert result.outcome is Outcome.TRANSIENT


async def test_an_answer_is_still_an_answer() -> None:
    client = github(200, BUDGET_LEFT)
    result = await github_packages.collect(client, WIDGET, "Organization")
    await client.aclose()
    assert result.outcome is Outcome.OK and result.captures


def test_a_scan_with_packages_not_visible_is_complete_not_retried() -> None:
    # Retrying will not help until the token changes; the blind spot is reported instead (stats, repo view).
    answered = SourceResult("deps.dev", Outcome.OK)
    assert judge([answered, SourceResult("github_packages", Outcome.NOT_VISIBLE)]) is Verdict.COMPLETE
    assert judge([answered, SourceResult("github_packages", Outcome.TRANSIENT)]) is Verdict.PARTIAL
    assert not Outcome.NOT_VISIBLE.is_answer and Outcome.NOT_VISIBLE.is_settled
