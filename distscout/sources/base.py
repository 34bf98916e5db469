"""What every source returns: its outcome, the captures it collected, and what they were read as."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from distscout.captures import Capture, utc_now
from distscout.http import Fetched, Outcome
from distscout.manifests.declaration import Declaration
from distscout.observations import RegistryObservation


@dataclass(frozen=True)
class SourceResult:
    source: str
    outcome: Outcome
    captures: tuple[Capture, ...] = ()
    registry: tuple[RegistryObservation, ...] = ()
    manifests: tuple[Declaration, ...] = ()
    notes: tuple[str, ...] = ()
    detail: str = ""  # why the outcome is not ok, for the operator

    @property
    def has_data(self) -> bool:
        """Whether the upstream answered anything a scan can store (rows, or a clean "nothing here")."""
        return self.outcome.is_answer or bool(self.registry or self.manifests)


def capture_of(
    source: str, kind: str, fetched: Fetched, subject: str = "", body: bytes | None = None
) -> Capture:
    """The committed-input record of one answered call; the request is kept without host or secrets."""
    parts = urlsplit(fetched.url)
    request = parts.path + (f"?{parts.query}" if parts.query else "")
    return Capture(
        source=source,
        kind=kind,
        request=f"GET {request}",
        # A 304 answered from the cache stands for the cached 200 body: record it as that answer.
        status=200 if fetched.from_cache else fetched.status or 0,
        body=fetched.body if body is None else body,
        fetched_at=utc_now(),
        subject=subject,
        from_cache=fetched.from_cache,
    )


def worst(outcomes: list[Outcome]) -> Outcome:
    """One outcome for several calls: a failure anywhere makes the source incomplete."""
    for bad in (Outcome.CIRCUIT_OPEN, Outcome.TRANSIENT, Outcome.PERMANENT, Outcome.NOT_VISIBLE):
        if bad in outcomes:
            return bad
    return Outcome.OK if Outcome.OK in outcomes else Outcome.MISS
