"""Upstream health, as the dispatcher sees it: is any breaker open for a source we are about to use?"""

from __future__ import annotations

from distscout.captures import DEPSDEV, ECOSYSTEMS, GITHUB_PACKAGES, MANIFESTS, RELEASE_ASSETS
from distscout.config import Settings
from distscout.upstreams import Upstreams

_SERVICE_OF = {
    DEPSDEV: "depsdev",
    ECOSYSTEMS: "ecosystems",
    RELEASE_ASSETS: "github",
    GITHUB_PACKAGES: "github",
    MANIFESTS: "github",
}


def open_breakers(upstreams: Upstreams, settings: Settings) -> list[str]:
    """Names of the upstreams the enabled sources need whose circuit breaker is open now."""
    needed = {_SERVICE_OF[source] for source in settings.sources if source in _SERVICE_OF}
    return sorted(c.config.name for c in upstreams.all() if c.config.name in needed and c.breaker.is_open)
