"""Upstream cost benchmark (issue #6): upstream requests and GitHub rate limit spent per repository.

    .venv/bin/python bench/upstream_cost.py            # corpus world + a generated world of 5,000 repos
    .venv/bin/python bench/upstream_cost.py --quick    # the generated world has 300 repos
    .venv/bin/python bench/upstream_cost.py --repos 2000 --workers 16 --routes

The emulator runs as its own process (`--unlimited`: budgets never run out, requests are still counted and
charged) over (a) the shared corpus world (`tests.corpus.CORPUS / "world"`) and (b) a generated world shaped
like the corpus (`bench.worlds`). Each world is scanned in three modes:

- baseline:   the seed system's plan, composed in `baseline_scan` from distscout's source functions: per repo
              the GitHub metadata call, releases, GitHub Packages through the user route then the org route
              for all six types, the manifests with `WalkMode.BASELINE` (root listing, first-level directory
              listings, one read per manifest), deps.dev and ecosyste.ms. Every repository gets fresh clients
              (no memo) and no conditional requests are sent, as the seed sent none.
- first scan: distscout's default plan, `scan_repo` with one shared `Upstreams` (memoized owner listings and
              package details; GitHub through batched GraphQL and ecosyste.ms through bulk_lookup, the
              questions of concurrent scans sharing queries) and `WalkMode.DEEP`, starting from an empty
              conditional (ETag) cache.
- rescan:     the same repositories again, nothing changed, with the conditional cache kept from the first
              scan: the store-persisted `StoreConditionalCache` over a SQLite file, reopened on a new engine
              under a new `Upstreams` (no memo, no in-memory cache: as a new process would start).

Columns:
- depsdev/r, ecosys/r, github/r: requests answered by each emulated upstream, per repository (a 304 counts
  as a request here).
- GH cost/r: GitHub rate-limit cost per repository (the emulator's `rate_limit_cost`: REST requests charged
  to the primary limit — a 304 is not — plus GraphQL points) / repositories; split into REST/r (on a
  first scan mostly the owners' Packages listings: 6 per owner, shared by the owner's repositories) and
  GQL/r (GraphQL points). REST and GraphQL are separate 5,000-an-hour budgets; the column adds them up.
- repos/h/token: repositories per hour one token's 5,000-unit budget allows at that cost ("unbounded" at 0).
- wall s, repos/s: wall time of the mode and end-to-end throughput against the local emulator (no latency).
- registry: whether each repository's registry evidence — the set of (ecosystem, package_name, source) from
  deps.dev, ecosyste.ms, github_packages and github_release_asset — is identical to the baseline's.
After the corpus world, its GitLab twin (`tests.gitlab_twin`: every repository on gitlab.com, every other one
in a subgroup) is scanned first and again: requests per repository to each upstream, GitLab's rate-limit cost
per repository and the repositories a minute one token's 2,000 requests allow, GitLab's requests per route,
and whether the evidence equals the GitHub original's first scan (GitLab's sources under GitHub's names);
"REST only" is a first scan with `gitlab_graphql` off (every manifest through the raw-file route).
Below each table: manifests found (path, name, intent, status) per mode. The baseline's walk is shallower by
design, so the deep walk finding more is expected and not a failure; a manifest the baseline found and the
deep walk did not would be, and is reported.

Benchmarks are not tests: this runs outside CI.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import stamina

from bench.emulated import emulator_process, emulator_stats
from bench.pipeline import settings_for
from bench.worlds import write_world
from distscout.app import Application
from distscout.config import Settings
from distscout.http import CachedAnswer, UpstreamClient
from distscout.interpret import interpret
from distscout.interpreters.depsdev import DEPSDEV
from distscout.interpreters.ecosystems import ECOSYSTEMS
from distscout.interpreters.github_packages import GITHUB_PACKAGES
from distscout.interpreters.gitlab_packages import GITLAB_PACKAGES
from distscout.interpreters.manifests import MANIFESTS
from distscout.interpreters.name_lookup import NAME_LOOKUP
from distscout.interpreters.release_assets import GITLAB_RELEASE_ASSETS, RELEASE_ASSETS
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef, parse_repo_ref
from distscout.results import SourceResult, judge
from distscout.scanner import scan_repo
from distscout.sources import depsdev, ecosystems, github_manifests, github_packages, github_releases
from distscout.sources.github_ahead import scan_ahead
from distscout.sources.github_repo import fetch_metadata
from distscout.store.engine import open_engine
from distscout.upstreams import build_upstreams
from distscout.worker.batch import LOOKAHEAD
from tests.corpus import CORPUS
from tests.gitlab_twin import gitlab_twin

TOKEN_BUDGET = 5000  # GitHub: REST requests (or GraphQL points) per hour per token
REGISTRY_SOURCES = (
    DEPSDEV,
    ECOSYSTEMS,
    GITHUB_PACKAGES,
    RELEASE_ASSETS,
    GITLAB_PACKAGES,
    GITLAB_RELEASE_ASSETS,
)
UPSTREAMS = ("depsdev", "ecosystems", "github")
GITLAB_BUDGET = 2000  # gitlab.com's authenticated API requests a minute, per user
Registry = frozenset[tuple[str, str, str]]
Manifests = frozenset[tuple[str, str | None, bool, str]]


@dataclass(frozen=True)
class Evidence:
    registry: Registry
    manifests: Manifests


@dataclass
class ModeRun:
    name: str
    repos: int
    elapsed: float
    stats: dict[str, Any]
    evidence: dict[str, Evidence]
    verdicts: Counter[str]
    name_lookups: int = 0  # requests the orphans' name lookups made (answers kept for the cadence: none)
    graphql_queries: dict[str, int] = field(default_factory=dict)  # GraphQL queries sent, per lane
    owners: int = 0  # distinct owners among the repositories


# Requests of the name lookup in the mode being measured: its captures that were not kept answers.
_NAME_LOOKUPS: Counter[str] = Counter()
_GRAPHQL_QUERIES: Counter[str] = Counter()  # per lane, in the mode being measured


def count_name_lookups(results: Mapping[str, SourceResult]) -> None:
    found = results.get(NAME_LOOKUP)
    if found is not None:
        _NAME_LOOKUPS["requests"] += sum(1 for capture in found.captures if not capture.from_cache)


def evidence_of(repo: RepoRef, results: Mapping[str, SourceResult]) -> Evidence:
    """What the scan's captures stand for, read as the store reads them (sources return captures only)."""
    found = interpret([c for result in results.values() for c in result.captures], repo.full_name)
    registry = frozenset(row.key for row in found.registry if row.source in REGISTRY_SOURCES)
    manifests = frozenset((d.path, d.name, d.intent, str(d.status)) for d in found.manifests)
    return Evidence(registry, manifests)


# -- the seed's plan ------------------------------------------------------------------------------------


class _KeptOpen(httpx.AsyncBaseTransport):
    """One connection pool under many short-lived clients (a new httpx client costs ~20 ms to build).

    Sharing sockets is invisible upstream: every request is still made, nothing is memoized or cached.
    """

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:  # the per-repository clients close; the pool stays
        pass


class _NoConditionalCache:
    """The seed sent no conditional requests: nothing is remembered, so every answer is a full 200."""

    async def lookup(self, key: str, *, newer_than: datetime | None = None) -> CachedAnswer | None:
        return None

    def store(self, key: str, answer: CachedAnswer) -> None:
        pass

    def share(self, key: str) -> None:
        pass


class BaselinePlan:
    """The seed system's plan, with a fresh client per upstream per repository."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.template = build_upstreams(settings)  # distscout's configs: agent, token, headers, mailto
        self.configs = {c.config.name: c.config for c in self.template.all()}
        self.transport = _KeptOpen()

    async def scan(self, repo: RepoRef) -> tuple[Evidence, str]:
        clients = {
            name: UpstreamClient(config, cache=_NoConditionalCache(), transport=self.transport)
            for name, config in self.configs.items()
        }
        try:
            results = await baseline_scan(clients["depsdev"], clients["ecosystems"], clients["github"], repo)
        finally:
            for client in clients.values():
                await client.aclose()
        return evidence_of(repo, results), judge(list(results.values())).value

    async def aclose(self) -> None:
        await self.template.aclose()
        await self.transport.inner.aclose()


async def baseline_scan(
    depsdev_client: UpstreamClient, ecosystems_client: UpstreamClient, github: UpstreamClient, repo: RepoRef
) -> dict[str, SourceResult]:
    metadata, _fetched, _capture = await fetch_metadata(github, repo)
    current = metadata.ref if metadata is not None else repo
    renamed = (metadata.renamed_from,) if metadata is not None and metadata.renamed_from else ()
    branch = metadata.default_branch if metadata is not None else "HEAD"
    return {
        DEPSDEV: await depsdev.collect(depsdev_client, current.key),
        ECOSYSTEMS: await ecosystems.collect(ecosystems_client, current, also=renamed),
        RELEASE_ASSETS: await github_releases.collect(github, current),
        # owner_type=None: the user route, then the org route where the user route has nothing
        GITHUB_PACKAGES: await github_packages.collect(github, current, None),
        MANIFESTS: await github_manifests.collect(github, current, branch, WalkMode.BASELINE),
    }


# -- running a mode -------------------------------------------------------------------------------------

PoolRun = tuple[float, dict[str, "Evidence"], Counter[str]]  # wall seconds, evidence per repo, verdicts


async def run_pool(
    refs: list[RepoRef],
    scan: Callable[[RepoRef], Awaitable[tuple[Evidence, str]]],
    workers: int,
    ahead: Callable[[list[RepoRef]], None] | None = None,
) -> PoolRun:
    """Scan `refs`, `workers` at a time; `ahead` is told each next 50 before their scans start."""
    evidence: dict[str, Evidence] = {}
    verdicts: Counter[str] = Counter()

    def in_chunks() -> Iterator[RepoRef]:
        for start in range(0, len(refs), LOOKAHEAD):
            chunk = refs[start : start + LOOKAHEAD]
            if ahead is not None:
                ahead(chunk)
            yield from chunk

    pending = in_chunks()

    async def worker() -> None:
        for ref in pending:  # one shared iterator: each repository is taken by exactly one worker
            found, verdict = await scan(ref)
            evidence[ref.key] = found
            verdicts[verdict] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - started, evidence, verdicts


def measured(
    name: str,
    urls: dict[str, str],
    refs: list[RepoRef],
    body: Callable[[], Coroutine[Any, Any, PoolRun]],
) -> ModeRun:
    emulator_stats(urls, reset=True)
    _NAME_LOOKUPS.clear()
    _GRAPHQL_QUERIES.clear()
    elapsed, evidence, verdicts = asyncio.run(body())
    stats = emulator_stats(urls)
    owners = len({ref.owner.lower() for ref in refs})
    return ModeRun(
        name,
        len(refs),
        elapsed,
        stats,
        evidence,
        verdicts,
        _NAME_LOOKUPS["requests"],
        dict(_GRAPHQL_QUERIES),
        owners,
    )


def run_world(
    urls: dict[str, str],
    refs: list[RepoRef],
    scratch: Path,
    workers: int,
    baseline_too: bool = True,
    **overrides: Any,
) -> list[ModeRun]:
    database_url = f"sqlite:///{scratch / f'cache-{time.monotonic_ns()}.db'}"
    settings = settings_for(urls, database_url, workers).model_copy(update=overrides)

    async def baseline() -> PoolRun:
        plan = BaselinePlan(settings)
        try:
            return await run_pool(refs, plan.scan, workers)
        finally:
            await plan.aclose()

    async def default_plan() -> PoolRun:
        # A new engine, cache and Upstreams per mode: only the SQLite file carries over to the rescan.
        engine = open_engine(database_url)
        upstreams = Application(settings, engine).upstreams()

        async def scan(ref: RepoRef) -> tuple[Evidence, str]:
            result = await scan_repo(upstreams, ref, settings)
            count_name_lookups(result.results)
            return evidence_of(result.current_ref, result.results), result.verdict.value

        def ahead(chunk: list[RepoRef]) -> None:  # as `scan` (BatchScan) does
            scan_ahead(upstreams, settings, chunk)

        try:
            return await run_pool(refs, scan, workers, ahead)
        finally:
            if upstreams.graphql is not None:
                _GRAPHQL_QUERIES.update(upstreams.graphql.batches)
            await upstreams.aclose()
            # Upstreams.aclose flushes the store's cache: the rescan must find every entry
            engine.dispose()

    reference = [measured("baseline", urls, refs, baseline)] if baseline_too else []
    return [
        *reference,
        measured("first scan", urls, refs, default_plan),
        measured("rescan", urls, refs, default_plan),
    ]


# -- the report -----------------------------------------------------------------------------------------


def registry_differences(run: ModeRun, reference: ModeRun) -> list[str]:
    return [
        key
        for key, found in reference.evidence.items()
        if run.evidence.get(key, _NONE).registry != found.registry
    ]


_NONE = Evidence(frozenset(), frozenset())


def manifest_count(run: ModeRun) -> int:
    return sum(len(e.manifests) for e in run.evidence.values())


def report(title: str, runs: list[ModeRun], show_routes: bool) -> None:
    baseline = runs[0]
    repos = baseline.repos
    print(f"\n== {title}: {repos:,} repositories")
    header = (
        f"{'mode':<11} {'depsdev/r':>9} {'ecosys/r':>9} {'github/r':>9} {'GH cost/r':>10} "
        f"{'REST/r':>7} {'GQL/r':>6} {'repos/h/token':>14} {'wall s':>8} {'repos/s':>8}  registry vs baseline"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        per = {u: run.stats.get(u, {}).get("requests", 0) / repos for u in UPSTREAMS}
        cost = run.stats.get("github", {}).get("rate_limit_cost", 0) / repos
        points = run.stats.get("github", {}).get("graphql_points", 0) / repos
        allowed = f"{TOKEN_BUDGET / cost:,.0f}" if cost > 0 else "unbounded"
        if run is baseline:
            same = "(reference)"
        else:
            differ = registry_differences(run, baseline)
            same = "identical" if not differ else f"DIFFERS in {len(differ)} repos (e.g. {differ[0]})"
        print(
            f"{run.name:<11} {per['depsdev']:>9.2f} {per['ecosystems']:>9.2f} {per['github']:>9.2f} "
            f"{cost:>10.3f} {cost - points:>7.3f} {points:>6.3f} {allowed:>14} {run.elapsed:>8.1f} "
            f"{repos / run.elapsed:>8.1f}  {same}"
        )
    first, rescan = runs[1], runs[2]
    lost = [
        key
        for key, found in baseline.evidence.items()
        if not found.manifests <= first.evidence.get(key, _NONE).manifests
    ]
    print(
        f"manifests: baseline {manifest_count(baseline):,}, "
        f"first scan {manifest_count(first):,} (deep finds more)"
        + (
            f"; baseline found some the deep walk did not in {len(lost)} repos (e.g. {lost[0]})"
            if lost
            else ""
        )
    )
    rescan_changed = [k for k, e in first.evidence.items() if rescan.evidence.get(k) != e]
    print(
        "rescan evidence (registry + manifests) identical to the first scan's: "
        + (
            "yes"
            if not rescan_changed
            else f"NO, {len(rescan_changed)} repos differ (e.g. {rescan_changed[0]})"
        )
    )
    print("verdicts: " + "; ".join(f"{r.name} {dict(r.verdicts)}" for r in runs))
    print(
        "name lookups (the orphans' names; included above): "
        + "; ".join(f"{r.name} {r.name_lookups / repos:.3f}/repo ({r.name_lookups})" for r in runs[1:])
    )
    print(per_owner(runs))
    for run in runs[1:]:
        lanes = ", ".join(
            f"{lane} {n} ({n / repos:.3f}/repo)" for lane, n in sorted(run.graphql_queries.items())
        )
        print(f"GraphQL queries per lane, {run.name}: {lanes or 'none'}")
    if show_routes:
        for run in runs:
            print(f"  github routes per repo, {run.name}: {routes_per_repo(run, 'github')}")


OWNER_LISTINGS = ("/users/{owner}/packages", "/orgs/{owner}/packages")  # GitHub Packages: per owner


def per_owner(runs: list[ModeRun]) -> str:
    """GitHub Packages listings per owner (an owner-level cost: 6 types, shared by its repositories), and
    GitHub's other requests per repository, apart."""
    parts = []
    for run in runs:
        routes = run.stats.get("github", {}).get("by_route", {})
        listings = sum(routes.get(route, 0) for route in OWNER_LISTINGS)
        rest = run.stats.get("github", {}).get("requests", 0) - listings
        parts.append(
            f"{run.name} {listings / max(1, run.owners):.2f} per owner, "
            f"other GitHub requests {rest / run.repos:.3f} per repository"
        )
    return f"Packages listings ({runs[0].owners} owners; a rescan's are 304s, free): " + "; ".join(parts)


def routes_per_repo(run: ModeRun, upstream: str) -> str:
    """An upstream's requests per repository by route, the most asked first."""
    routes = run.stats.get(upstream, {}).get("by_route", {})
    ranked = sorted(routes.items(), key=lambda item: -item[1])
    return ", ".join(f"{route} {n / run.repos:.2f}" for route, n in ranked)


def report_gitlab(title: str, runs: list[ModeRun], reference: dict[str, Evidence]) -> None:
    """GitLab's cost per repository; the evidence compared with the GitHub original's first scan."""
    repos = runs[0].repos
    print(f"\n== {title}: {repos:,} repositories (the corpus on gitlab.com, every other one in a subgroup)")
    header = (
        f"{'mode':<11} {'depsdev/r':>9} {'ecosys/r':>9} {'gitlab/r':>9} {'GL cost/r':>10} "
        f"{'repos/min/token':>16} {'wall s':>8}  evidence vs GitHub's first scan"
    )
    print(header)
    print("-" * len(header))
    for run in runs:
        per = {u: run.stats.get(u, {}).get("requests", 0) / repos for u in (*UPSTREAMS, "gitlab")}
        cost = run.stats.get("gitlab", {}).get("rate_limit_cost", 0) / repos
        allowed = f"{GITLAB_BUDGET / cost:,.0f}" if cost > 0 else "unbounded"
        differ = [
            key for key, found in reference.items() if _as_github(run.evidence.get(key, _NONE)) != found
        ]
        same = "same kinds and rows" if not differ else f"DIFFERS in {len(differ)} repos (e.g. {differ[0]})"
        print(
            f"{run.name:<11} {per['depsdev']:>9.2f} {per['ecosystems']:>9.2f} {per['gitlab']:>9.2f} "
            f"{cost:>10.3f} {allowed:>16} {run.elapsed:>8.1f}  {same}"
        )
        print(f"  gitlab requests per repo, {run.name}: {routes_per_repo(run, 'gitlab')}")
    print("verdicts: " + "; ".join(f"{r.name} {dict(r.verdicts)}" for r in runs))


_FORGE_SOURCES = {"gitlab_packages": GITHUB_PACKAGES, "gitlab_release_asset": RELEASE_ASSETS}


def _as_github(found: Evidence) -> Evidence:
    """GitLab evidence under GitHub's source names, keyed as the GitHub original."""
    registry = frozenset((e, n, _FORGE_SOURCES.get(s, s)) for e, n, s in found.registry)
    return Evidence(registry, found.manifests)


def run_gitlab_twin(scratch: Path, workers: int, github_first_scan: ModeRun) -> None:
    world, moved = gitlab_twin(json.loads((CORPUS / "world" / "world.json").read_text(encoding="utf-8")))
    folder = scratch / "gitlab-world"
    folder.mkdir()
    (folder / "world.json").write_text(json.dumps(world), encoding="utf-8")
    refs = world_refs(folder)
    started = time.perf_counter()
    with emulator_process(folder, unlimited=True) as urls:
        runs = run_world(urls, refs, scratch, workers, baseline_too=False)
        rest_only = run_world(urls, refs, scratch, workers, baseline_too=False, gitlab_graphql=False)[0]
        rest_only.name = "REST only"  # a first scan with every manifest read through the raw-file route
        runs.append(rest_only)
    back = {parse_repo_ref(gitlab).key: parse_repo_ref(github).key for github, gitlab in moved.items()}
    for run in runs:  # keyed as the GitHub original, to compare
        run.evidence = {back.get(key, key): found for key, found in run.evidence.items()}
    report_gitlab("corpus world on GitLab", runs, github_first_scan.evidence)
    print(f"(GitLab: {time.perf_counter() - started:.1f} s including the emulator's start)")


def world_refs(world: Path) -> list[RepoRef]:
    data = json.loads((world / "world.json").read_text(encoding="utf-8"))
    return [parse_repo_ref(repo["url"]) for repo in data["repos"]]


def run_and_report(title: str, world: Path, scratch: Path, workers: int, show_routes: bool) -> list[ModeRun]:
    refs = world_refs(world)
    started = time.perf_counter()
    with emulator_process(world, unlimited=True) as urls:
        runs = run_world(urls, refs, scratch, workers)
    report(title, runs, show_routes)
    print(f"({title}: {time.perf_counter() - started:.1f} s including the emulator's start)")
    return runs


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repos", type=int, default=5000, help="repositories in the generated world")
    parser.add_argument("--quick", action="store_true", help="a generated world of 300 repositories")
    parser.add_argument("--workers", type=int, default=16, help="repositories scanned concurrently")
    parser.add_argument("--routes", action="store_true", help="also print GitHub requests per route")
    parser.add_argument("--skip-corpus", action="store_true", help="only the generated world")
    options = parser.parse_args(list(argv) if argv is not None else None)
    count = 300 if options.quick else options.repos
    stamina.set_active(False)
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        if not options.skip_corpus:
            runs = run_and_report("corpus world", CORPUS / "world", scratch, options.workers, options.routes)
            run_gitlab_twin(scratch, options.workers, runs[1])
        generated = write_world(scratch / "world", count)
        run_and_report("generated world", generated, scratch, options.workers, options.routes)


if __name__ == "__main__":
    main()
