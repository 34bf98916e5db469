"""The name lookup (issue 18): ask the registries about each orphan's declared name.

Asked after the other sources, and only about the names they did not find (`distscout.triage.candidates`):
deps.dev's GetPackage for its systems, then GetVersion of the default version for its links; ecosyste.ms's
per-registry package lookup for the rest, once its registry is known to the service (a 404 from a registry
it does not serve would otherwise read as "no such package"). Each answer, a 404 included, is kept in the
shared cache for the cadence: one request per distinct name per cadence, whichever repository or worker
asks. Failed calls are captured too, so the verdict says why it is unknown.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from distscout.captures import Capture
from distscout.ecosystems import (
    DEPSDEV_SYSTEMS,
    ECOSYSTEMS_REGISTRIES,
    lookup_spelling,
    lookup_spellings,
    name_source,
)
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.interpret import interpret
from distscout.interpreters.base import as_dict, as_list, time_of
from distscout.interpreters.name_lookup import (
    DEPSDEV_PACKAGE,
    DEPSDEV_VERSION,
    ECOSYSTEMS_PACKAGE,
    ECOSYSTEMS_REGISTRY,
    NAME_LOOKUP,
)
from distscout.results import SourceResult, worst
from distscout.sources.base import capture_of
from distscout.sources.depsdev import package_path
from distscout.triage import (
    candidates,
    depsdev_package_ok,
    depsdev_version_ok,
    ecosystems_package_ok,
    ecosystems_registry_ok,
    subject,
)
from distscout.upstreams import Upstreams


@dataclass(frozen=True, slots=True)
class NameQuestion:
    ecosystem: str
    name: str  # as declared

    @property
    def subject(self) -> str:
        return subject(self.ecosystem, self.name)


def questions_of(captures: Sequence[Capture], full_name: str) -> list[NameQuestion]:
    """The names to look up: the orphan candidates of these captures that some registry can answer for,
    one question per distinct (ecosystem, normalized name)."""
    found: dict[str, NameQuestion] = {}
    for declaration in candidates(interpret(captures, full_name)):
        if declaration.name and name_source(declaration.manifest_type) is not None:
            question = NameQuestion(declaration.manifest_type, declaration.name)
            found.setdefault(question.subject, question)
    return [found[key] for key in sorted(found)]


async def look_up(upstreams: Upstreams, questions: Sequence[NameQuestion], fresh: timedelta) -> SourceResult:
    """Each question asked of the registry that serves its ecosystem, side by side."""
    if not questions:
        return SourceResult(NAME_LOOKUP, Outcome.MISS)  # no orphan to ask about: a clean answer
    seconds = fresh.total_seconds()
    answers = await asyncio.gather(*(_ask(upstreams, q, seconds) for q in questions))
    captures = tuple(c for found, _ in answers for c in found)
    outcomes = [outcome for _, outcome in answers]
    failed = [q.subject for q, o in zip(questions, outcomes, strict=True) if not o.is_answer]
    detail = f"name lookups unanswered: {', '.join(failed[:10])}" if failed else ""
    return SourceResult(NAME_LOOKUP, worst(outcomes), captures, detail=detail, whole=True)


async def _ask(upstreams: Upstreams, question: NameQuestion, fresh: float) -> tuple[list[Capture], Outcome]:
    if name_source(question.ecosystem) == "depsdev":
        return await _depsdev(upstreams.depsdev, question, fresh)
    return await _ecosystems(upstreams.ecosystems, question, fresh)


def _captured(kind: str, fetched: Fetched, question: NameQuestion) -> Capture:
    return capture_of(NAME_LOOKUP, kind, fetched, subject=question.subject)


async def _depsdev(
    client: UpstreamClient, question: NameQuestion, fresh: float
) -> tuple[list[Capture], Outcome]:
    captures: list[Capture] = []
    for name in lookup_spellings(question.ecosystem, question.name):
        path = package_path(DEPSDEV_SYSTEMS[question.ecosystem], name)
        package = await client.get(
            path,
            fresh_seconds=fresh,
            accept=lambda data: depsdev_package_ok(data, question.ecosystem, question.name),
        )
        captures.append(_captured(DEPSDEV_PACKAGE, package, question))
        if package.outcome is not Outcome.MISS:
            break
    if package.outcome is not Outcome.OK:  # every spelling missed (unregistered), or the lookup failed
        return captures, package.outcome
    version = default_version(package.data)
    if version is None:  # unreachable: an accepted package has versions
        return captures, Outcome.TRANSIENT
    versioned = f"{path}/versions/{quote(version, safe='')}"
    details = await client.get(versioned, fresh_seconds=fresh, accept=depsdev_version_ok)
    captures.append(_captured(DEPSDEV_VERSION, details, question))
    return captures, details.outcome


def default_version(data: object) -> str | None:
    """The version deps.dev marks default (the registry's latest), else the newest published one."""
    versions = [as_dict(v) for v in as_list(as_dict(data).get("versions"))]
    named = [(v, str(as_dict(v.get("versionKey")).get("version") or "")) for v in versions]
    named = [(v, number) for v, number in named if number]
    for version, number in named:
        if version.get("isDefault") is True:
            return number
    dated = [(time_of(v.get("publishedAt")), number) for v, number in named]
    newest = max(((when, number) for when, number in dated if when is not None), default=None)
    if newest is not None:
        return newest[1]
    return named[-1][1] if named else None


async def _ecosystems(
    client: UpstreamClient, question: NameQuestion, fresh: float
) -> tuple[list[Capture], Outcome]:
    registry = quote(ECOSYSTEMS_REGISTRIES[question.ecosystem], safe="")
    known = await client.get(
        f"/api/v1/registries/{registry}", fresh_seconds=fresh, accept=ecosystems_registry_ok
    )
    captures = [_captured(ECOSYSTEMS_REGISTRY, known, question)]
    if known.outcome is Outcome.MISS:  # a registry it does not serve: every name there stays unknown
        return captures, Outcome.OK  # (an answer all the same: asking again next scan would not help)
    if known.outcome is not Outcome.OK:
        return captures, known.outcome
    name = quote(lookup_spelling(question.ecosystem, question.name), safe="")
    package = await client.get(
        f"/api/v1/registries/{registry}/packages/{name}",
        fresh_seconds=fresh,
        accept=lambda data: ecosystems_package_ok(data, question.ecosystem, question.name),
    )
    captures.append(_captured(ECOSYSTEMS_PACKAGE, package, question))
    return captures, package.outcome
