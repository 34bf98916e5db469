"""A pool of GitHub tokens: each request charged to the token with the most budget left, a spent token
skipped until its reset, scope-needing requests sent with a token that has the scope, tokens never shown."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import stamina

from distscout.config import ConfigError, Settings, load_settings
from distscout.emulator.server import EmulatorServer
from distscout.http import Outcome, UpstreamClient, UpstreamConfig
from distscout.http import tokens as tokens_module
from distscout.http.clock import FakeClock
from distscout.http.tokens import TokenPool, token_label
from distscout.repos import parse_repo_ref
from distscout.results import Verdict
from distscout.scanner import scan_repo
from distscout.upstreams import build_upstreams
from tests.sources.helpers import settings_for, upstreams_for

TOKENS = ("ghp_first_token_aaaa", "ghp_second_token_bbbb", "ghp_third_token_cccc")


@pytest.fixture(autouse=True)
def _no_backoff_sleeps() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


class Budgets:
    """A GitHub-like upstream: a budget per token, each token's scopes said in `x-oauth-scopes`."""

    def __init__(self, clock: FakeClock, budget: dict[str, int], scopes: dict[str, str]) -> None:
        self.clock, self.left, self.scopes = clock, dict(budget), scopes
        self.used: Counter[str] = Counter()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        self.used[token] += 1
        headers = {
            "x-ratelimit-limit": "100",
            "x-ratelimit-remaining": str(max(0, self.left[token] - 1)),
            "x-ratelimit-reset": str(int(self.clock.wall()) + 3600),
            "x-oauth-scopes": self.scopes.get(token, "repo"),
        }
        if self.left[token] <= 0:
            return httpx.Response(403, headers={**headers, "x-ratelimit-remaining": "0"})
        self.left[token] -= 1
        if request.url.path.startswith("/users/") and "read:packages" not in headers["x-oauth-scopes"]:
            return httpx.Response(403, headers=headers)
        return httpx.Response(200, json=[], headers=headers)


def _client(upstream: Budgets, clock: FakeClock, tokens: tuple[str, ...] = TOKENS) -> UpstreamClient:
    config = UpstreamConfig(name="github", base_url="https://api.github.test", tokens=tokens, max_wait=60)
    return UpstreamClient(config, clock=clock, transport=httpx.MockTransport(upstream))


async def test_requests_go_to_the_token_with_the_most_budget_left() -> None:
    clock = FakeClock()
    upstream = Budgets(clock, {TOKENS[0]: 3, TOKENS[1]: 10, TOKENS[2]: 6}, {})
    client = _client(upstream, clock)
    answers = [await client.get(f"/repos/o/r{i}") for i in range(19)]
    assert all(a.ok for a in answers), "19 = 3 + 10 + 6: the pool's whole budget, no request refused"
    assert upstream.used == {TOKENS[0]: 3, TOKENS[1]: 10, TOKENS[2]: 6}
    assert client.rate.limit == 300 and client.rate.remaining == 0, "the pool's budget is the sum"
    spent = await client.get("/repos/o/one-more")
    assert spent.outcome is Outcome.TRANSIENT and "rate limited" in spent.error, "all spent: wait, not ask"
    assert sum(upstream.used.values()) == 19
    assert {a.credential for a in answers} == {token_label(i, t) for i, t in enumerate(TOKENS)}


async def test_a_spent_token_is_skipped_until_its_reset_while_the_others_go_on() -> None:
    clock = FakeClock()
    upstream = Budgets(clock, {TOKENS[0]: 0, TOKENS[1]: 5}, {})
    client = _client(upstream, clock, TOKENS[:2])
    first = [await client.get(f"/repos/o/r{i}") for i in range(5)]
    assert [a.ok for a in first].count(True) >= 4, "one refusal at most, to learn the first is spent"
    assert upstream.used[TOKENS[0]] == 1, "a token known to be spent is not asked again"
    assert clock.slept == []


async def test_a_request_that_needs_a_scope_goes_to_a_token_that_has_it() -> None:
    clock = FakeClock()
    scopes = {TOKENS[0]: "repo", TOKENS[1]: "repo, read:packages"}
    upstream = Budgets(clock, {TOKENS[0]: 50, TOKENS[1]: 10}, scopes)
    client = _client(upstream, clock, TOKENS[:2])
    for i in range(4):  # the pool learns each token's scopes from its answers
        await client.get(f"/repos/o/r{i}")
    listings = [
        await client.get(f"/users/o{i}/packages", params={"package_type": "npm"}, scope="read:packages")
        for i in range(5)
    ]
    assert all(listing.ok for listing in listings)
    assert {listing.credential for listing in listings} == {token_label(1, TOKENS[1])}


def test_the_pool_prefers_a_token_not_asked_yet_and_shows_no_token() -> None:
    pool = TokenPool(["secret-a", "secret-b", "secret-a", ""])
    assert len(pool) == 2, "each token once; an empty one is none"
    assert pool.choose(FakeClock()).label == "#1 " + token_label(0, "secret-a").split()[1]
    pool.credentials[0].rate.remaining = 10
    assert pool.choose(FakeClock()).label.startswith("#2 "), "an unknown budget counts as full"
    assert "secret" not in repr(pool.credentials) and "secret" not in token_label(0, "secret-a")
    assert TokenPool([]).choose(FakeClock()).label == "anonymous"


def test_tokens_come_from_the_single_setting_the_list_and_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = tmp_path / "tokens"
    listed.write_text("# the fleet's tokens\nghp_file_one\n\nghp_env_two\n")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_single")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", "ghp_env_one, ghp_env_two")
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(listed))
    settings = load_settings()
    assert settings.github_token_pool() == ("ghp_single", "ghp_env_one", "ghp_env_two", "ghp_file_one")
    shown = str(settings.shown())
    assert "ghp_" not in shown and settings.shown()["github_tokens"] == ["***", "***"]
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="cannot read the GitHub tokens file"):
        load_settings()


@pytest.mark.parametrize("value", [",", " , ,", "\t"])
def test_a_token_list_of_separators_only_is_an_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`DISTSCOUT_GITHUB_TOKENS="$A,$B"` with neither set: said, not a fleet scanning anonymously."""
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", value)
    with pytest.raises(ConfigError, match="github_tokens: holds no token"):
        load_settings()
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS", "ghp_a,,ghp_b,")
    assert load_settings().github_token_pool() == ("ghp_a", "ghp_b"), "empty entries between tokens: skipped"


async def test_every_github_client_shares_the_pool_and_logs_no_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = Settings(github_token=None, github_tokens=TOKENS)  # type: ignore[arg-type]
    upstreams = build_upstreams(settings)
    assert upstreams.github.tokens.secrets() == TOKENS and upstreams.graphql is not None
    assert upstreams.graphql.client.tokens.secrets() == TOKENS, "GraphQL points: a budget of their own"
    assert upstreams.depsdev.tokens.secrets() == ()
    with caplog.at_level(logging.DEBUG):
        logging.getLogger("distscout").debug("%s", upstreams.github.config)
    assert not any(token in caplog.text for token in TOKENS)
    await upstreams.aclose()


async def test_requests_in_flight_stay_under_githubs_hundred_per_token() -> None:
    one = build_upstreams(Settings(github_token="ghp_only", workers=256))  # type: ignore[arg-type]
    assert one.graphql is not None
    in_flight = one.github.config.max_connections + one.graphql.client.config.max_connections
    assert in_flight <= 100, "REST and GraphQL together, one token"
    assert one.depsdev.config.max_connections == 64, "other upstreams keep what the workers need"
    pool = build_upstreams(Settings(github_token=None, github_tokens=TOKENS, workers=256))  # type: ignore[arg-type]
    assert pool.github.config.max_connections == 64, "three tokens: 300 allowed, the pool's own cap binds"
    assert pool.graphql is not None
    per_token = pool.github.config.in_flight_per_token + pool.graphql.client.config.in_flight_per_token
    assert 0 < per_token <= 100, "and each token's share of them, whichever token the pool chooses"
    for upstreams in (one, pool):
        await upstreams.aclose()


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"", "holds no token"),
        (b"# only a comment\n\n   \n", "holds no token"),
        (b"\xff\xfe\x00binary", "is not UTF-8 text"),
        (b"ghp_one\n$GITHUB_TOKEN_TWO\n", "not expanded"),
        (None, "cannot read the GitHub tokens file"),  # a directory
    ],
)
def test_a_bad_tokens_file_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes | None, said: str
) -> None:
    path = tmp_path / "tokens"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKENS_FILE", str(path))
    with pytest.raises(ConfigError, match=said) as raised:
        load_settings()
    assert "\n" not in str(raised.value)
    if content is not None:
        assert path.read_bytes() == content, "the file is only read"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DISTSCOUT_GITHUB_TOKENS", "${GITHUB_TOKENS:-}"),  # as podman-compose 1.0 passes it on
        ("DISTSCOUT_GITHUB_TOKENS", "ghp_one,$GITHUB_TOKEN_TWO"),
        ("DISTSCOUT_GITHUB_TOKEN", "${GITHUB_TOKEN}"),
        ("GITHUB_TOKEN", "$TOKEN"),
    ],
)
def test_a_variable_left_unexpanded_is_a_one_line_error_not_a_token(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    """GitHub would answer it 401 on every request: said at start, naming the setting, not the value."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=r"(?i)token\w*: holds a '\$': an environment variable") as raised:
        load_settings()
    assert "\n" not in str(raised.value) and "GITHUB_TOKEN_TWO" not in str(raised.value)


async def test_a_revoked_token_in_the_pool_costs_one_request_not_evidence(
    corpus_emulator: EmulatorServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A fleet's pool with one dead token (revoked, expired): GitHub answers it 401 `Bad credentials`. The
    request goes out again with another token and the dead one is not chosen again, so every scan is
    complete; with no other token left the refusal stands, as evidence not seen (partial)."""
    revoked, good = "ghp_revoked_token_dddd", "ghp_working_token_eeee"
    tokens_module._SAID_REFUSED.clear()  # said once a process: this test's process may have said it before
    corpus_emulator.set_faults({"github": {"quirks": {"revoked_tokens": [revoked]}}})
    repos = [parse_repo_ref(name) for name in ("pallets/flask", "BurntSushi/ripgrep", "vitejs/vite")]
    caplog.set_level(logging.WARNING, logger="distscout.http")
    pooled = settings_for(corpus_emulator, github_token=revoked, github_tokens=(good,))
    async with upstreams_for(corpus_emulator, github_token=revoked, github_tokens=(good,)) as upstreams:
        scans = [await scan_repo(upstreams, repo, pooled) for repo in repos]
        refused = [c.label for c in upstreams.github.tokens.credentials if c.refused]
    assert all(scan.verdict is Verdict.COMPLETE for scan in scans), [s.outcomes() for s in scans]
    said = [r.getMessage() for r in caplog.records if "refused as bad credentials" in r.getMessage()]
    assert said and all(token_label(0, revoked) in line and revoked not in line for line in said)
    assert len(said) == 1, "once a process: not once per client (REST, GraphQL), nor once a request"
    assert refused == [token_label(0, revoked)], "the dead token is set aside, the good one kept"
    alone = settings_for(corpus_emulator, github_token=revoked)
    async with upstreams_for(corpus_emulator, github_token=revoked) as upstreams:
        scan = await scan_repo(upstreams, repos[0], alone)
    assert scan.verdict is not Verdict.COMPLETE, "the only token refused: evidence not seen, never 'none'"


async def test_a_burst_keeps_each_token_under_its_requests_in_flight() -> None:
    """Budgets move only when answers come back: a burst went wholly to the token with the most left
    (64 at once on one token from each client: 128, where GitHub allows 100 for REST and GraphQL)."""
    in_flight, peak = Counter[str](), Counter[str]()
    remaining = {"Bearer ghp_burst_a": 4990, "Bearer ghp_burst_b": 4000}
    release = asyncio.Event()

    async def answer(request: httpx.Request) -> httpx.Response:
        who = request.headers["authorization"]
        in_flight[who] += 1
        peak[who] = max(peak[who], in_flight[who])
        if sum(in_flight.values()) >= 2 * 20 or request.url.path.startswith("/warm"):
            release.set()  # every place taken: the burst is as wide as it can be
        await release.wait()
        in_flight[who] -= 1
        remaining[who] -= 1
        headers = {"x-ratelimit-remaining": str(remaining[who]), "x-ratelimit-limit": "5000"}
        return httpx.Response(200, json={}, headers=headers | {"x-ratelimit-reset": "1700003600"})

    config = UpstreamConfig(
        name="github",
        base_url="https://api.github.test",
        tokens=("ghp_burst_a", "ghp_burst_b"),
        conditional=False,
        max_connections=64,
        in_flight_per_token=20,
    )
    client = UpstreamClient(config, clock=FakeClock(), transport=httpx.MockTransport(answer))
    await client.get("/warm/a")
    await client.get("/warm/b")  # both budgets learnt: token a has the more left
    release.clear()
    peak.clear()
    fetched = await asyncio.gather(*(client.get(f"/r{i}") for i in range(64)))
    await client.aclose()
    assert all(f.ok for f in fetched), "the requests past the places waited for one, then went"
    assert peak == {"Bearer ghp_burst_a": 20, "Bearer ghp_burst_b": 20}


async def test_a_request_cancelled_while_waiting_for_a_place_passes_its_turn_on() -> None:
    pool = TokenPool(("ghp_only",), in_flight_per_token=1)
    clock = FakeClock()
    held = await pool.take(clock)
    cancelled = asyncio.create_task(pool.take(clock))
    after = asyncio.create_task(pool.take(clock))
    await asyncio.sleep(0)
    pool.give_back(held)  # wakes the first waiter, which is cancelled before it runs
    cancelled.cancel()
    credential = await asyncio.wait_for(after, timeout=60)  # a bound against a hang, not a speed limit
    assert credential is held and held.in_flight == 1 and cancelled.cancelled()


def test_a_token_refused_as_bad_credentials_is_no_part_of_the_pools_budget() -> None:
    pool = TokenPool(("ghp_good", "ghp_revoked"))
    clock = FakeClock()
    good, revoked = pool.credentials
    for credential, left in ((good, 1000), (revoked, 4000)):
        credential.rate.observe(200, {"x-ratelimit-remaining": str(left), "x-ratelimit-limit": "5000"}, clock)
    assert pool.summary().remaining == 5000
    assert pool.refuse(revoked)
    assert pool.summary().remaining == 1000, "the daemon paces on what the good token has left"
