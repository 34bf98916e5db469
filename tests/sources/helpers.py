"""Real distscout clients pointed at an emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from distscout.config import Settings
from distscout.emulator.server import EmulatorServer
from distscout.http.clock import Clock
from distscout.interpret import interpret
from distscout.manifests.declaration import Declaration
from distscout.observations import RegistryObservation
from distscout.results import SourceResult
from distscout.upstreams import Upstreams, build_upstreams

TEST_TOKEN = "ghp_emulator_test_token_0123456789"


def settings_for(server: EmulatorServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "depsdev_url": server.url_for("depsdev"),
        "ecosystems_url": server.url_for("ecosystems"),
        "github_api_url": server.url_for("github"),
        "gitlab_api_url": server.url_for("gitlab") + "/api/v4",
        "github_token": TEST_TOKEN,
        "polite_email": "tests@distscout.example",
        "database_url": "sqlite://",
        "pace_by_budget": False,  # tests run at full speed; pacing has tests of its own
    }
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def upstreams_for(
    server: EmulatorServer, clock: Clock | None = None, **overrides: Any
) -> AsyncIterator[Upstreams]:
    upstreams = build_upstreams(settings_for(server, **overrides), clock=clock)
    try:
        yield upstreams
    finally:
        await upstreams.aclose()


def registry_of(result: SourceResult, repo_full_name: str = "") -> tuple[RegistryObservation, ...]:
    """The registry rows a source's captures stand for, as the store derives them (sources return captures
    only). GitHub Packages rows need the repository's owner/name."""
    return interpret(result.captures, repo_full_name).registry


def manifests_of(result: SourceResult) -> tuple[Declaration, ...]:
    """The manifest declarations a source's captures stand for, as the store derives them."""
    return interpret(result.captures, "").manifests
