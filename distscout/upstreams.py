"""The upstream clients, built from settings: deps.dev, ecosyste.ms, GitHub, and one per GitLab instance."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from distscout.config import Settings
from distscout.forges import GITLAB, Forge
from distscout.http import CircuitBreaker, Clock, SystemClock, UpstreamClient, UpstreamConfig
from distscout.http.cache import ConditionalCache
from distscout.sources.ahead import Ahead
from distscout.sources.ecosystems import EcosystemsBatcher
from distscout.sources.github_graphql import GraphQLBatcher

GITHUB_HEADERS = (("Accept", "application/vnd.github+json"), ("X-GitHub-Api-Version", "2022-11-28"))


@dataclass
class Upstreams:
    depsdev: UpstreamClient
    ecosystems: UpstreamClient
    github: UpstreamClient
    cache: ConditionalCache | None = None  # shared by the three; flushed on close when it buffers writes
    # GitHub's GraphQL API, batched (its own client: GraphQL has its own budget; the breaker is shared).
    graphql: GraphQLBatcher | None = None
    ecosystems_bulk: EcosystemsBatcher | None = None  # lookups of concurrent scans in one bulk request
    gitlab: dict[str, UpstreamClient] = field(default_factory=dict)  # by forge host: gitlab.com, self-hosted
    gitlab_graphql: dict[str, UpstreamClient] = field(default_factory=dict)  # their GraphQL (same breaker)
    ahead: Ahead = field(default_factory=Ahead)  # work started for claimed scans (`github_ahead`)

    def all(self) -> tuple[UpstreamClient, ...]:
        graphql = (self.graphql.client,) if self.graphql is not None else ()
        gitlab = (*self.gitlab.values(), *self.gitlab_graphql.values())
        return (self.depsdev, self.ecosystems, self.github, *graphql, *gitlab)

    def budgeted(self) -> tuple[UpstreamClient, ...]:
        """The clients whose rate-limit budget paces the dispatcher."""
        graphql = (self.graphql.client,) if self.graphql is not None else ()
        return (self.github, *graphql, self.ecosystems, *self.gitlab.values(), *self.gitlab_graphql.values())

    def forge_client(self, forge: Forge) -> UpstreamClient:
        """The REST client of a forge (its host's GitLab instance, or GitHub)."""
        return self.gitlab[forge.host] if forge.kind == GITLAB else self.github

    def forge_graphql(self, forge: Forge) -> UpstreamClient | None:
        """A GitLab instance's GraphQL client (`{base}/api/graphql`), when configured."""
        return self.gitlab_graphql.get(forge.host) if forge.kind == GITLAB else None

    async def aclose(self) -> None:
        self.ahead.cancel()  # work started for scans that never began
        for client in self.all():
            await client.aclose()
        flush = getattr(self.cache, "aflush", None)  # a store-backed cache buffers its writes
        if flush is not None:
            await flush()


GITHUB_IN_FLIGHT_PER_TOKEN = 45  # per client (REST, GraphQL): 90 of GitHub's 100 concurrent per token
# GitHub's secondary points a minute per token, 90 % of them (as for concurrency): 900 for a REST endpoint
# (counted here over all of REST), 2,000 for GraphQL, where a query without mutations is 1 point.
GITHUB_REST_POINTS_PER_MINUTE = 810
GITHUB_GRAPHQL_POINTS_PER_MINUTE = 1800


def build_upstreams(
    settings: Settings, clock: Clock | None = None, cache: ConditionalCache | None = None, probe: bool = False
) -> Upstreams:
    """The clients a scan uses. `probe` (doctor): one attempt a request, never waiting out a rate limit."""
    clock = clock or SystemClock()
    agent = settings.effective_user_agent()
    mailto = (("mailto", settings.polite_email),) if settings.polite_email else ()
    github_tokens = settings.github_token_pool()  # each request to the token with the most budget left

    def client(config: UpstreamConfig, breaker: CircuitBreaker | None = None) -> UpstreamClient:
        breaker = breaker or CircuitBreaker(
            config.name, settings.breaker_threshold, settings.breaker_open_seconds, clock
        )
        return UpstreamClient(config, breaker=breaker, clock=clock, cache=cache)

    # Enough connections for the workers' concurrent requests, and no more: what one process asks of an
    # upstream at once stays bounded however many workers run.
    connections = min(64, max(8, settings.workers // 2))

    def config(name: str, base_url: str) -> UpstreamConfig:
        chosen = UpstreamConfig(
            name=name,
            base_url=base_url,
            user_agent=agent,
            timeout=settings.request_timeout,
            max_connections=connections,
        )
        return replace(chosen, attempts=1, max_wait=0.0) if probe else chosen

    # GitHub's secondary limit: at most 100 requests in flight per token, REST and GraphQL together: each of
    # the two clients keeps at most 45 per token in flight (the pool's `take`), and its connections to match.
    github_connections = min(connections, GITHUB_IN_FLIGHT_PER_TOKEN * max(1, len(github_tokens)))
    github = replace(
        config("github", settings.github_api_url),
        tokens=github_tokens,
        default_headers=GITHUB_HEADERS,
        max_connections=github_connections,
        in_flight_per_token=GITHUB_IN_FLIGHT_PER_TOKEN,
        points_per_minute=GITHUB_REST_POINTS_PER_MINUTE if settings.github_secondary_limit else 0,
    )
    key = settings.ecosystems_api_key
    ecosystems = replace(
        config("ecosystems", settings.ecosystems_url),
        default_params=mailto,
        secret_header=("apikey", key.get_secret_value()) if key else None,
    )
    github_client = client(github)
    graphql = None
    if github_tokens and settings.github_graphql:  # GitHub answers GraphQL to authenticated callers only
        graphql_config = replace(
            github,
            name="github-graphql",
            default_headers=(),
            points_per_minute=GITHUB_GRAPHQL_POINTS_PER_MINUTE if settings.github_secondary_limit else 0,
            write_points=1,
        )
        graphql = GraphQLBatcher(client(graphql_config, breaker=github_client.breaker))
    gitlab_token = settings.gitlab_token.get_secret_value() if settings.gitlab_token else None
    gitlab, gitlab_graphql = {}, {}
    for forge in (f for f in settings.forges() if f.kind == GITLAB):
        name = "gitlab" if forge.host == "gitlab.com" else f"gitlab:{forge.host}"
        rest = replace(config(name, forge.api_url), token=gitlab_token)
        gitlab[forge.host] = client(rest)
        if settings.gitlab_graphql:  # GraphQL lives beside the REST API: {base}/api/graphql
            graphql_config = replace(rest, name=f"{name}-graphql", base_url=forge.api_url.removesuffix("/v4"))
            gitlab_graphql[forge.host] = client(graphql_config, breaker=gitlab[forge.host].breaker)
    ecosystems_client = client(ecosystems)
    bulk = EcosystemsBatcher(ecosystems_client) if settings.ecosystems_bulk else None
    return Upstreams(
        # deps.dev has no ETag contract: a conditional lookup before each of its calls would always miss
        depsdev=client(replace(config("depsdev", settings.depsdev_url), conditional=False)),
        ecosystems=ecosystems_client,
        ecosystems_bulk=bulk,
        github=github_client,
        cache=cache,
        graphql=graphql,
        gitlab=gitlab,
        gitlab_graphql=gitlab_graphql,
    )
