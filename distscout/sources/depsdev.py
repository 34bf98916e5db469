"""deps.dev: the reverse lookup `:packageversions`, then one package call per distinct package for dates.

The project id is lower-cased and percent-encoded as ONE path segment (`github.com%2Facme%2Fwidget`):
escaping it per segment once made every lookup a silent 404, read as "no packages", for a whole fleet.
A failed detail call leaves that package's dates empty and makes the source incomplete, not failed.
"""

from __future__ import annotations

from urllib.parse import quote

from distscout.http import Outcome, UpstreamClient
from distscout.interpreters.depsdev import DEPSDEV, interpret_depsdev
from distscout.interpreters.ecosystems import ECOSYSTEMS
from distscout.results import SourceResult
from distscout.sources.base import ScanContext, Source, capture_of

DETAIL_MEMO = 3600.0  # a package is detailed once per run, not once per repository that maps to it


def packageversions_path(project_id: str) -> str:
    return f"/v3/projects/{quote(project_id, safe='')}:packageversions"


def package_path(system: str, name: str) -> str:
    return f"/v3/systems/{quote(system.lower(), safe='')}/packages/{quote(name, safe='')}"


async def collect(client: UpstreamClient, project_id: str) -> SourceResult:
    """`project_id` is the forge's (`Forge.depsdev_project_id`): `github.com/acme/widget`."""
    fetched = await client.get(packageversions_path(project_id))
    if not fetched.outcome.is_answer:
        return SourceResult(DEPSDEV, fetched.outcome, detail=fetched.error)
    captures = [capture_of(DEPSDEV, "depsdev.packageversions", fetched)]
    if fetched.outcome is Outcome.MISS:  # no mapping known: an answer, not an error (google/deps.dev#42)
        return SourceResult(DEPSDEV, Outcome.MISS, tuple(captures))
    failed: list[str] = []
    for row in interpret_depsdev(captures):  # which packages to ask about (the rows come from the store)
        detail = await client.get(package_path(row.ecosystem, row.package_name), memo_seconds=DETAIL_MEMO)
        if detail.outcome.is_answer:
            captures.append(
                capture_of(DEPSDEV, "depsdev.package", detail, subject=f"{row.ecosystem}:{row.package_name}")
            )
        else:
            failed.append(f"{row.ecosystem}:{row.package_name} ({detail.error or detail.outcome})")
    outcome = Outcome.TRANSIENT if failed else Outcome.OK
    detail_text = f"package details missing: {', '.join(failed)}" if failed else ""
    return SourceResult(DEPSDEV, outcome, tuple(captures), detail=detail_text)


async def _collect(context: ScanContext) -> SourceResult:
    project_id = context.forge.depsdev_project_id(context.repo)
    if project_id is None:  # not asked (`_wanted`): a forge deps.dev does not index
        return SourceResult(
            DEPSDEV, Outcome.PERMANENT, detail=f"deps.dev does not index {context.forge.host}"
        )
    return await collect(context.upstreams.depsdev, project_id)


def _wanted(context: ScanContext) -> bool:
    if context.forge.depsdev_project_id(context.repo) is None:
        return False  # deps.dev does not index this forge (a self-hosted GitLab): nothing it could answer
    # ecosyste.ms knows what deps.dev knows and more: deps.dev is asked beside it only as a cross-check
    return context.settings.cross_check or ECOSYSTEMS not in context.enabled


SOURCE = Source(DEPSDEV, "depsdev", _collect, wanted=_wanted)
