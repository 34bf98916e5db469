"""Read routes of the REST API: the same reports as `distscout stats` and `distscout export`."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from distscout.ecosystems import PACKAGE_REF_PATTERN, PackageRefError, normalize_name, parse_package_ref
from distscout.store.exports import EXPORT_TABLES, column_names, csv_text, export_chunks, jsonl_text
from distscout.store.listings import (
    ListFilters,
    declarations_listing,
    manifests_unknown_listing,
    orphans_listing,
    publishers_listing,
    repos_listing,
    unclaimed_listing,
    unconfirmed_listing,
)
from distscout.store.paging import MAX_LIMIT
from distscout.store.queries import coverage_by_ecosystem, fleet_stats, package_search
from distscout.web.auth import require_reader, service
from distscout.web.errors import errors
from distscout.web.paged import (
    EcosystemFilter,
    FormatQuery,
    Listed,
    ListFormat,
    Paging,
    answer,
)
from distscout.web.service import Service
from distscout.web.status import (
    ForgePath,
    Host,
    Name,
    Owner,
    forge_repo_ref,
    integrity_panel,
    repo_ref,
    tracked_repo,
    worker_status,
)

router = APIRouter(dependencies=[Depends(require_reader)], responses=errors(401, 503))
Current = Annotated[Service, Depends(service)]
PROMETHEUS = "text/plain; version=0.0.4; charset=utf-8"


class ExportTable(StrEnum):
    distribution = "distribution"
    manifests = "manifests"
    orphans = "orphans"
    orphans_unconfirmed = "orphans_unconfirmed"
    unclaimed = "unclaimed"
    manifests_unknown = "manifests_unknown"
    repos = "repos"


class VerdictFilter(StrEnum):
    """An orphan's verdict (distscout.triage); linked, unlinked and invalid-name are not orphans, and
    list the manifests that carry them."""

    unregistered = "unregistered"
    taken = "taken"
    unknown = "unknown"
    linked = "linked"
    unlinked = "unlinked"
    invalid_name = "invalid-name"


VerdictQuery = Annotated[VerdictFilter | None, Query(description="Only the manifests with this verdict.")]


class ExportFormat(StrEnum):
    csv = "csv"
    jsonl = "jsonl"


@router.get("/api/stats", tags=["reads"])
def stats(current: Current) -> dict[str, Any]:
    """The fleet rollup, and publication coverage by ecosystem."""
    with current.engine.connect() as connection:
        return {**fleet_stats(connection).as_dict(), "coverage": coverage_by_ecosystem(connection)}


class RepoStatus(StrEnum):
    """A repository's latest scan."""

    complete = "complete"
    partial = "partial"
    failed = "failed"
    never = "never"
    not_found = "not_found"


class PackageKind(StrEnum):
    language = "language"
    distro = "distro"


def _ecosystem(value: str | None) -> str | None:
    return value.strip().lower() or None if value is not None else None


PAGED: dict[int | str, dict[str, Any]] = {
    **errors(422),
    200: {
        "description": "A page: `items`, `total`, `next` / `previous` cursors; with `format` csv, jsonl "
        "or parquet, every row the filters select.",
        "content": {
            "application/json": {},
            "text/csv": {},
            "application/x-ndjson": {},
            "application/vnd.apache.parquet": {},
        },
        "headers": {
            "Link": {"description": "next, prev and first pages (RFC 8288)", "schema": {"type": "string"}},
            "X-Total-Count": {"description": "rows the filters select", "schema": {"type": "integer"}},
        },
    },
}


@router.get("/api/orphans", tags=["reads"], responses=PAGED)
def orphan_manifests(
    listed: Listed, ecosystem: EcosystemFilter = None, verdict: VerdictQuery = None
) -> Response:
    """Manifests that declare intent to publish a package no registry has for the same repo, where every
    registry that could know the ecosystem answered (the others are at `/api/orphans/unconfirmed`); each
    with its verdict (unregistered, taken, unknown), unregistered first. Sorts: verdict, repo,
    manifest_path, manifest_type, package_name_declared."""
    return listed.answer(orphans_listing, ecosystem=_ecosystem(ecosystem), verdict=_value(verdict))


@router.get("/api/orphans/unconfirmed", tags=["reads"], responses=PAGED)
def unconfirmed_orphan_manifests(listed: Listed, ecosystem: EcosystemFilter = None) -> Response:
    """Manifests not seen published where a registry that could know never answered for the repository:
    not orphans until it does. `waiting_on` names the registries still waited on."""
    return listed.answer(unconfirmed_listing, ecosystem=_ecosystem(ecosystem))


@router.get("/api/unclaimed", tags=["reads"], responses=PAGED)
def unclaimed_packages(
    listed: Listed,
    ecosystem: EcosystemFilter = None,
    kind: Annotated[PackageKind | None, Query(description="language registries or distro packages.")] = None,
) -> Response:
    """Registry packages of scanned repos whose manifest walk answered and found no manifest at all
    (repos whose walk never answered are at `/api/manifests/unknown`): one row per package of a
    repository, with every source that saw it; `kind` is `distro` for deb / rpm / apk."""
    return listed.answer(unclaimed_listing, ecosystem=_ecosystem(ecosystem), kind=_value(kind))


@router.get("/api/manifests/unknown", tags=["reads"], responses=PAGED)
def repos_with_manifests_unknown(listed: Listed) -> Response:
    """Scanned repositories no manifest walk has answered for yet (no token, a spent budget, an outage):
    neither unclaimed nor not. `registry_packages` counts what would be unclaimed if the walk found none."""
    return listed.answer(manifests_unknown_listing)


@router.get("/api/repos", tags=["reads"], responses=PAGED)
def repositories(
    listed: Listed,
    status: Annotated[RepoStatus | None, Query(description="The latest scan.")] = None,
    ecosystem: EcosystemFilter = None,
    verdict: VerdictQuery = None,
    has_orphan: Annotated[bool | None, Query(description="With (true) or without an orphan.")] = None,
) -> Response:
    """Tracked repositories with their last scan, completeness, failures, archived flag and orphan count.
    Sorts: repo, last_run, scan, failed_attempts, archived, orphans."""
    return listed.answer(
        repos_listing,
        status=_value(status),
        ecosystem=_ecosystem(ecosystem),
        verdict=_value(verdict),
        has_orphan=has_orphan,
    )


def _value(choice: StrEnum | None) -> str | None:
    return choice.value if choice is not None else None


@router.get("/api/repos/{owner}/{name}", tags=["reads"], responses=errors(404, 422))
def repository(current: Current, owner: Owner, name: Name) -> dict[str, Any]:
    """One repository: registry rows, manifests, scan and failure state, history summary."""
    return tracked_repo(current, repo_ref(owner, name))


@router.get("/api/repos/{host}/{path:path}", tags=["reads"], responses=errors(404, 422))
def repository_on_forge(current: Current, host: Host, path: ForgePath) -> dict[str, Any]:
    """One repository off GitHub (`gitlab.com/group/sub/project`), as `/api/repos/{owner}/{name}`."""
    return tracked_repo(current, forge_repo_ref(current, host, path))


@router.get("/api/packages", tags=["reads"], responses=errors(422))
def packages(
    current: Current,
    package: Annotated[
        str, Query(pattern=PACKAGE_REF_PATTERN, description="ecosystem/name, like pypi/requests")
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per list at most.")] = MAX_LIMIT,
) -> dict[str, Any]:
    """Which repositories publish a package (registry and release rows), and which manifests declare it:
    at most `limit` rows each, `published_total` / `declared_total` counting them all, `truncated` true
    when a list was cut (`/api/packages/published` and `/api/packages/declared` page through them)."""
    try:
        ecosystem, name = parse_package_ref(package)
    except PackageRefError as exc:
        raise HTTPException(422, f"package: {exc}") from None
    with current.engine.connect() as connection:
        return package_search(connection, ecosystem, name, limit)


PackageParam = Annotated[
    str, Query(pattern=PACKAGE_REF_PATTERN, description="ecosystem/name, like pypi/requests")
]


def package_key(package: str) -> tuple[str, str]:
    """The package's ecosystem and its name as that ecosystem compares names, or a 422 in words."""
    try:
        ecosystem, name = parse_package_ref(package)
    except PackageRefError as exc:
        raise HTTPException(422, f"package: {exc}") from None
    return ecosystem, normalize_name(ecosystem, name)


@router.get("/api/packages/published", tags=["reads"], responses=PAGED)
def package_publishers(
    request: Request,
    current: Current,
    paging: Paging,
    package: PackageParam,
    format: FormatQuery = ListFormat.json,
) -> Response:
    """Every registry and release row of one package, a page at a time (`published_by` of
    `/api/packages`, whole). Sorts: repo, source, version_count."""
    listing = publishers_listing(*package_key(package))
    return answer(request, current.engine, listing, paging, ListFilters(), format)


@router.get("/api/packages/declared", tags=["reads"], responses=PAGED)
def package_declarations(
    request: Request,
    current: Current,
    paging: Paging,
    package: PackageParam,
    format: FormatQuery = ListFormat.json,
) -> Response:
    """Every manifest that declares one package, a page at a time (`declared_by` of `/api/packages`,
    whole). Sorts: repo, manifest_path, intent."""
    listing = declarations_listing(*package_key(package))
    return answer(request, current.engine, listing, paging, ListFilters(), format)


@router.get(
    "/api/export/{table}",
    tags=["reads"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}, "application/x-ndjson": {}}}, **errors(422)},
)
def export(
    current: Current,
    table: ExportTable,
    format: ExportFormat = ExportFormat.csv,
    raw: Annotated[
        bool, Query(description="CSV: cells exactly as stored (formula-like cells are not neutralised).")
    ] = False,
) -> Response:
    """A whole table as CSV or JSON Lines, streamed (the same rows as `distscout export`). A CSV cell that
    begins like a spreadsheet formula (= + - @ tab CR) gets a leading ' unless `raw`."""
    query = EXPORT_TABLES[table.value]()

    def pieces() -> Iterator[str]:
        with current.engine.connect() as connection:
            chunks = export_chunks(connection, query)
            yield from (
                csv_text(chunks, column_names(query), raw=raw)
                if format is ExportFormat.csv
                else jsonl_text(chunks)
            )

    media = "text/csv; charset=utf-8" if format is ExportFormat.csv else "application/x-ndjson"
    filename = f"{table.value}.{format.value}"
    return StreamingResponse(
        pieces(), media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/api/trends", tags=["reads"], responses=errors(422))
def trends(
    current: Current, points: Annotated[int, Query(ge=2, le=500, description="Moments to sample.")] = 60
) -> dict[str, Any]:
    """Fleet trends from the history tables: at `points` evenly spaced moments from the first scan to now,
    how many repositories had registry evidence (`published`), an orphan manifest, or were unclaimed —
    each judged by the live reports' rules with the scans known then. The last point is the rollup (computed
    at most once a minute)."""
    return current.trends(points)


@router.get("/api/integrity", tags=["reads"])
def integrity(current: Current) -> dict[str, Any]:
    """A fresh integrity check: findings with their recovery action and target, the recovery plan, and
    the state of the latest repair started in this process."""
    return integrity_panel(current)


@router.get("/api/integrity/run", tags=["reads"])
def integrity_run(current: Current) -> dict[str, Any]:
    """The latest repair started in this process (cheap: the dashboard polls it)."""
    latest = current.integrity.latest
    return {"run": latest.as_dict() if latest else None}


@router.get("/api/workers", tags=["reads"])
def workers(current: Current) -> dict[str, Any]:
    """Queue depth, the in-process dispatcher and its breakers (when workers run here), the latest scans."""
    return worker_status(current)


@router.get("/api/doctor", tags=["reads"])
async def doctor(current: Current) -> dict[str, Any]:
    """The upstreams' pre-flight (`distscout doctor`): each check ok / degraded / failing with its fix.
    Run at most once every five minutes; later requests get that run."""
    return await current.preflight.latest()


@router.get(
    "/metrics", tags=["reads"], response_class=Response, responses={200: {"content": {PROMETHEUS: {}}}}
)
def metrics(current: Current) -> Response:
    """Prometheus exposition: scans, upstream requests / errors / latency, breakers, queue, integrity."""
    return Response(current.metrics.exposition(), media_type=PROMETHEUS)
