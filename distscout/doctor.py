"""`doctor`: a pre-flight of the upstreams, with the credentials a fleet scan would use — never a scan.

Per upstream, a handful of requests through the same clients as a scan (same User-Agent, `mailto`, token,
timeouts; one attempt each, never waiting out a rate limit): is it reachable and how fast, is the token
accepted and with which scopes, what budget and tier does it get, does GraphQL answer, does ecosyste.ms'
bulk lookup return what its single lookup returns (the canary), and how far this machine's clock is from
the upstreams' `Date`. Each line is ok, degraded or failing, with the fix in one sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any

from distscout.config import Settings
from distscout.doctor_database import CANARY_TRIES
from distscout.forges import DEFAULT_FORGES, GITLAB, forge_of
from distscout.http import Fetched, Outcome
from distscout.repos import RepoRef, parse_repo_ref
from distscout.sources.depsdev import packageversions_path
from distscout.sources.ecosystems import LOOKUP_PATH, BulkState, EcosystemsBatcher
from distscout.sources.github_graphql import GRAPHQL_PATH
from distscout.store.workers import clock_off, skew_said
from distscout.upstreams import Upstreams, build_upstreams

ANONYMOUS_GITHUB_BUDGET = 60
CLOCK_SKEW_TOLERANCE = 30.0  # seconds: rate-limit resets are epoch times read against this machine's clock
FALLBACK_PROBE = parse_repo_ref("ecosyste-ms/packages")  # asked when no repository is tracked yet
PROBE_QUERY = "query { rateLimit { limit remaining resetAt } }"


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"


@dataclass(frozen=True)
class Check:
    upstream: str
    check: str
    status: Status
    detail: str
    fix: str = ""  # one sentence; empty when nothing is to be done
    latency_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"status": self.status.value}


@dataclass
class _Run:
    settings: Settings
    upstreams: Upstreams
    candidates: Sequence[RepoRef]
    clock: Callable[[], datetime]
    hosts: frozenset[str]  # the forges tracked repositories live on
    database_problem: str | None = None  # why the database could not be read (then nothing is tracked)
    skews: list[tuple[str, float]] = field(default_factory=list)  # (upstream, their Date - our clock)

    def saw(self, upstream: str, fetched: Fetched) -> Fetched:
        skew = _skew(fetched, self.clock())
        if skew is not None:
            self.skews.append((upstream, skew))
        return fetched


async def run_doctor(
    settings: Settings,
    candidates: Sequence[RepoRef] = (),
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    hosts: Iterable[str] = (),
    database_skew: float | None = None,
    database_problem: str | None = None,
) -> list[Check]:
    """Every check, in a stable order. `candidates`: tracked repositories to try as the bulk canary;
    `hosts`: the forges the tracked repositories live on (the candidates' when none are given);
    `database_skew`: the PostgreSQL server's clock against this machine's (store.workers.clock_skew);
    `database_problem`: why the database could not be read — a failing line: a scan stores nothing."""
    upstreams = build_upstreams(settings, probe=True)
    tracked = frozenset(hosts) | {ref.host for ref in candidates}
    run = _Run(settings, upstreams, candidates or (FALLBACK_PROBE,), clock, tracked, database_problem)
    try:
        checks = await _github(run) + await _gitlab(run) + await _ecosystems(run) + await _depsdev(run)
    finally:
        await upstreams.aclose()
    database = [] if database_skew is None else [_database_clock(database_skew, settings.heartbeat_seconds)]
    if database_problem is not None:
        fix = "check database_url (DISTSCOUT_DATABASE_URL) and that its server answers: scans store nothing"
        database = [Check("local", "database", Status.FAILING, database_problem, fix)]
    return [*checks, _clock(run.skews), *database]


def worst(checks: Sequence[Check]) -> Status:
    for status in (Status.FAILING, Status.DEGRADED):
        if any(check.status is status for check in checks):
            return status
    return Status.OK


# --- GitHub ------------------------------------------------------------------------------------------


async def _github(run: _Run) -> list[Check]:
    fetched = run.saw("github", await run.upstreams.github.get("/rate_limit"))
    if fetched.status == 401:
        refused = "GitHub refused the token (401)"
        return [_reach("github", fetched), Check("github", "token", Status.FAILING, refused, "replace it")]
    reach = _reach("github", fetched)
    if reach.status is Status.FAILING:
        return [reach]
    pool = [credential.label for credential in run.upstreams.github.tokens.credentials]
    if len(pool) > 1:  # a pool: each token's scopes and budget, asked with that token
        checks = [reach, *[await _pooled_token(run, label) for label in pool]]
    else:
        checks = [reach, _token(run.settings, fetched), _budget(fetched)]
    if run.settings.github_token_pool():
        checks.append(await _graphql(run))
    return checks


async def _pooled_token(run: _Run, label: str) -> Check:
    """One token of a pool, shown by its label (never its value): its scopes and its budget."""
    fetched = run.saw("github", await run.upstreams.github.request("GET", "/rate_limit", using=label))
    name = f"token {label}"
    if fetched.status == 401:
        return Check("github", name, Status.FAILING, "GitHub refused this token (401)", "replace it")
    if not fetched.ok:
        return Check("github", name, Status.FAILING, _said(fetched), "check the token")
    scopes, budget = _token(run.settings, fetched), _budget(fetched)
    status = worst([scopes, budget])
    return Check("github", name, status, f"{scopes.detail}; {budget.detail}", scopes.fix or budget.fix)


def _token(settings: Settings, fetched: Fetched) -> Check:
    if not settings.github_token_pool():
        return Check(
            "github",
            "token",
            Status.DEGRADED,
            f"no token: GitHub allows {ANONYMOUS_GITHUB_BUDGET} requests an hour, REST only, "
            "and GitHub Packages is not visible",
            "set GITHUB_TOKEN to a classic token with read:packages (public repositories need no more)",
        )
    scopes = fetched.headers.get("x-oauth-scopes")
    if scopes is None:
        return Check(
            "github",
            "token",
            Status.DEGRADED,
            "the token names no scopes (a fine-grained or app token): GitHub Packages takes classic tokens",
            "use a classic token with read:packages to see GitHub Packages",
        )
    held = [scope.strip() for scope in scopes.split(",") if scope.strip()]
    shown = f"classic token with scopes [{', '.join(held) or 'none'}]"
    if not {"read:packages", "write:packages"} & set(held):
        detail = f"{shown}: GitHub Packages is not visible"
        return Check("github", "token", Status.DEGRADED, detail, "add the read:packages scope to the token")
    return Check("github", "token", Status.OK, shown)


def _budget(fetched: Fetched) -> Check:
    limit, remaining = fetched.headers.get("x-ratelimit-limit"), fetched.headers.get("x-ratelimit-remaining")
    if limit is None or remaining is None:
        return Check("github", "budget", Status.DEGRADED, "no x-ratelimit headers: scans cannot be paced")
    detail = f"{remaining} of {limit} requests left this hour{_reset(fetched)}"
    if remaining == "0":
        return Check("github", "budget", Status.DEGRADED, detail, "wait for the reset (scans wait too)")
    return Check("github", "budget", Status.OK, detail)


async def _graphql(run: _Run) -> Check:
    if run.upstreams.graphql is None:
        fix = "set github_graphql = true: batched GraphQL costs a fraction of REST"
        return Check("github", "graphql", Status.DEGRADED, "switched off: every question goes by REST", fix)
    client = run.upstreams.graphql.client
    fetched = await client.request("POST", GRAPHQL_PATH, json_body={"query": PROBE_QUERY})
    answer = fetched.data if fetched.ok and isinstance(fetched.data, dict) else {}
    rate = (answer.get("data") or {}).get("rateLimit") if isinstance(answer.get("data"), dict) else None
    if not isinstance(rate, dict):
        why = _said(fetched) if not fetched.ok else f"no rateLimit in the answer: {answer.get('errors')}"
        fix = "check the token and github_api_url; scans use REST meanwhile"
        return Check("github", "graphql", Status.FAILING, why, fix, _ms(fetched))
    detail = f"{rate.get('remaining')} of {rate.get('limit')} points left this hour"
    return Check("github", "graphql", Status.OK, detail, latency_ms=_ms(fetched))


# --- GitLab ------------------------------------------------------------------------------------------


async def _gitlab(run: _Run) -> list[Check]:
    """Each GitLab the fleet uses: gitlab.com when a tracked repository lives there, every configured
    self-hosted instance. One request each (a one-project listing, answered to anonymous callers too)."""
    checks: list[Check] = []
    for forge in run.settings.forges():
        if forge.kind != GITLAB or (forge.host == "gitlab.com" and forge.host not in run.hosts):
            continue
        name = "gitlab" if forge.host == "gitlab.com" else f"gitlab {forge.host}"
        client = run.upstreams.forge_client(forge)
        fetched = run.saw(name, await client.get("/projects", params={"per_page": "1", "simple": "true"}))
        reach = _reach(name, fetched)
        if fetched.status == 401:
            checks += [
                reach,
                Check(name, "token", Status.FAILING, "GitLab refused the token (401)", "replace it"),
            ]
        elif reach.status is Status.FAILING:
            checks.append(reach)
        else:
            checks += [reach, _gitlab_token(run.settings, name), _gitlab_budget(name, fetched)]
    return checks


def _gitlab_token(settings: Settings, name: str) -> Check:
    if settings.gitlab_token is None:
        detail = "no token: public projects only, 500 requests a minute per address (2,000 per user with one)"
        return Check(name, "token", Status.OK, detail, "set GITLAB_TOKEN (read_api) for private projects")
    return Check(name, "token", Status.OK, "token accepted")


def _gitlab_budget(name: str, fetched: Fetched) -> Check:
    limit, remaining = fetched.headers.get("ratelimit-limit"), fetched.headers.get("ratelimit-remaining")
    if limit is None or remaining is None:
        detail = "no RateLimit headers: scans are paced by its 429s only"
        return Check(name, "budget", Status.DEGRADED, detail, "nothing to do; scans back off on 429")
    detail = f"{remaining} of {limit} requests left this minute"
    if remaining == "0":
        return Check(name, "budget", Status.DEGRADED, detail + ": spent", "wait for the next minute")
    return Check(name, "budget", Status.OK, detail)


# --- ecosyste.ms -------------------------------------------------------------------------------------


async def _ecosystems(run: _Run) -> list[Check]:
    bulk_on = run.settings.ecosystems_bulk
    batcher = EcosystemsBatcher(run.upstreams.ecosystems, quiet=True) if bulk_on else None
    first: Fetched | None = None
    for ref in run.candidates[:CANARY_TRIES]:
        params = {"repository_url": ref.url}
        fetched = run.saw("ecosyste.ms", await run.upstreams.ecosystems.get(LOOKUP_PATH, params=params))
        first = first or fetched
        if not fetched.outcome.is_answer:
            break
        if batcher is not None and isinstance(fetched.data, list) and fetched.data:
            batcher.learn(ref.url, fetched.data)
            break
    if first is None:
        return []
    reach = _reach("ecosyste.ms", first)
    if reach.status is Status.FAILING:
        return [reach]
    checks = [reach, _tier(run.settings, first)]
    if batcher is not None:
        checks.append(await _canary(batcher, run.database_problem))
    return checks


def _tier(settings: Settings, fetched: Fetched) -> Check:
    tier = fetched.headers.get("x-ratelimit-tier")
    if tier is None:
        return Check("ecosyste.ms", "tier", Status.DEGRADED, "no x-ratelimit-tier header: tier unknown")
    headers = fetched.headers
    left = f"{headers.get('x-ratelimit-remaining', '?')} of {headers.get('x-ratelimit-limit', '?')}"
    detail = f"{tier} tier: {left} requests left this hour{_reset(fetched)}"
    if tier == "anonymous":
        if not settings.polite_email:
            detail += " (polite_email is not set)"
        fix = "set polite_email to join ecosyste.ms' polite pool: 3x the budget"
        return Check("ecosyste.ms", "tier", Status.DEGRADED, detail, fix)
    return Check("ecosyste.ms", "tier", Status.OK, detail)


async def _canary(batcher: EcosystemsBatcher, database_problem: str | None = None) -> Check:
    if batcher.canary is None and database_problem is not None:
        detail = "not tried: the database could not be read, so no tracked repository to prove it with"
        fix = "make the database readable (the `database` line), then run doctor again"
        return Check("ecosyste.ms", "bulk canary", Status.DEGRADED, detail, fix)
    if batcher.canary is None:
        detail = "not tried: no tracked repository that ecosyste.ms knows, to prove the bulk lookup with"
        fix = "track a repository published on a registry, then run doctor again"
        return Check("ecosyste.ms", "bulk canary", Status.DEGRADED, detail, fix)
    answer = await batcher.lookup(batcher.canary)
    if batcher.state is BulkState.PROVEN:
        detail = f"bulk_lookup returns the packages of {batcher.canary}, as the single lookup does"
        return Check("ecosyste.ms", "bulk canary", Status.OK, detail)
    if answer.outcome is Outcome.TRANSIENT:
        fix = "run doctor again later; scans use single lookups until a canary passes"
        return Check("ecosyste.ms", "bulk canary", Status.DEGRADED, f"not proven: {answer.error}", fix)
    fix = "nothing to do: scans fall back to single lookups (a request a repository instead of one per 50)"
    return Check("ecosyste.ms", "bulk canary", Status.DEGRADED, f"not trusted: {batcher.reason}", fix)


# --- deps.dev ----------------------------------------------------------------------------------------


async def _depsdev(run: _Run) -> list[Check]:
    indexed = [
        ref.key for ref in run.candidates if (forge := forge_of(DEFAULT_FORGES, ref.host)) and forge.depsdev
    ]
    fetched = await run.upstreams.depsdev.get(packageversions_path((indexed or [FALLBACK_PROBE.key])[0]))
    return [_reach("deps.dev", run.saw("deps.dev", fetched))]


# --- shared ------------------------------------------------------------------------------------------


def _reach(upstream: str, fetched: Fetched) -> Check:
    latency = _ms(fetched)
    if fetched.status is not None and (fetched.outcome.is_answer or fetched.status in (401, 403)):
        detail = f"HTTP {fetched.status} in {latency:.0f} ms"
        return Check(upstream, "reachable", Status.OK, detail, latency_ms=latency)
    names = {"github": "github_api_url", "ecosyste.ms": "ecosystems_url", "gitlab": "gitlab_api_url"}
    settings_name = names.get(
        upstream, "gitlab_instances" if upstream.startswith("gitlab") else "depsdev_url"
    )
    fix = f"check the network and {settings_name}; scans are partial while it fails"
    return Check(upstream, "reachable", Status.FAILING, _said(fetched), fix, latency)


def _clock(skews: list[tuple[str, float]]) -> Check:
    if not skews:  # nothing to say it is right: not "ok"
        fix = "run doctor again once an upstream answers"
        return Check("local", "clock", Status.DEGRADED, "not compared: no upstream sent a Date header", fix)
    upstream, skew = max(skews, key=lambda pair: abs(pair[1]))
    if abs(skew) < 2:  # a Date header has whole seconds
        return Check("local", "clock", Status.OK, "in step with the upstreams' Date (within 1 s)")
    detail = f"{abs(skew):.0f} s {'behind' if skew > 0 else 'ahead of'} {upstream}'s Date"
    if abs(skew) > CLOCK_SKEW_TOLERANCE:
        fix = "synchronise this machine's clock (NTP): rate-limit resets are read against it"
        return Check("local", "clock", Status.DEGRADED, detail, fix)
    return Check("local", "clock", Status.OK, detail)


def _database_clock(skew: float, heartbeat_seconds: float) -> Check:
    """A fleet's workers compare heartbeats and leases written by each other's clocks: one clock a beat
    off reads as a dead worker (or a live one as alive for too long). The server's clock is the common
    reference every machine can be held to."""
    detail = f"{skew_said(skew)} clock"
    if not clock_off(skew, heartbeat_seconds):
        return Check("local", "database clock", Status.OK, detail)
    fix = "synchronise this machine's clock (NTP): workers on other machines would take it for dead"
    return Check("local", "database clock", Status.DEGRADED, detail, fix)


def _skew(fetched: Fetched, now: datetime) -> float | None:
    date = fetched.headers.get("date")
    if not date:
        return None
    try:
        theirs = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        return None
    if theirs.tzinfo is None:
        return None
    # Their Date was written before the answer travelled; half the round trip is the fair correction.
    return (theirs - now).total_seconds() + fetched.elapsed / 2


def _said(fetched: Fetched) -> str:
    if fetched.status:
        return f"HTTP {fetched.status}: {fetched.error}"
    return f"no answer ({fetched.error or 'nothing came back'})"


def _ms(fetched: Fetched) -> float:
    return round(fetched.elapsed * 1000, 1)


def _reset(fetched: Fetched) -> str:
    reset = fetched.headers.get("x-ratelimit-reset", "")
    if not reset.isdigit():
        return ""
    return f", reset at {datetime.fromtimestamp(int(reset), UTC):%H:%M} UTC"
