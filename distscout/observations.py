"""Observations: what interpretation makes of captures — one registry package seen by one source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from distscout.ecosystems import purl_for


@dataclass(frozen=True, slots=True)
class RegistryObservation:
    ecosystem: str
    package_name: str
    source: str  # deps.dev | ecosyste.ms | github_release_asset | github_packages | gitlab_… (their names)
    version_count: int | None = None
    first_published_at: datetime | None = None
    latest_published_at: datetime | None = None
    provenance: str | None = None  # deps.dev relationProvenance; None where the source has no such notion
    noise: bool = False  # ecosystems where the repo *is* the package (go, actions, docker): weak evidence
    registry_url: str | None = None  # a forge's registry (GitHub Packages, GitLab's), not the default one

    @property
    def purl(self) -> str | None:
        return purl_for(self.ecosystem, self.package_name, self.registry_url)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.ecosystem, self.package_name, self.source)
