"""Upstream health, as the dispatcher sees it: is any breaker open for a source we are about to use?"""

from __future__ import annotations

from distscout.config import Settings
from distscout.sources.registry import enabled_sources
from distscout.upstreams import Upstreams


def open_breakers(upstreams: Upstreams, settings: Settings) -> list[str]:
    """Names of the upstreams the enabled sources need whose circuit breaker is open now."""
    needed = {source.upstream for source in enabled_sources(settings.sources)}
    # a self-hosted GitLab's client is named "gitlab:<host>": it serves the sources that name "gitlab"
    return sorted(
        c.config.name
        for c in upstreams.all()
        if c.config.name.partition(":")[0] in needed and c.breaker.is_open
    )
