"""The reports as pageable listings (distscout.store.paging): repositories, orphans, unconfirmed orphans,
unclaimed packages and manifests unknown, each with its filters and the columns it sorts by.

The API and the dashboard page, sort and filter the same listings, so a page of the dashboard is a page
of `GET /api/...` with the same parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, exists, false, func, literal, select, true, union
from sqlalchemy.sql.elements import ColumnElement

from distscout.ecosystems import DEPSDEV_SYSTEMS, DISTRO_ECOSYSTEMS, ECOSYSTEMS_REGISTRIES
from distscout.interpreters import registry_sources
from distscout.interpreters.release_assets import ASSET_ECOSYSTEMS
from distscout.manifests.registry import all_parsers
from distscout.store.paging import Listing, PageError
from distscout.store.queries import (
    answered_at,
    d,
    m,
    manifests_unknown_query,
    orphan_condition,
    orphans_query,
    registries_answered_at,
    registry_evidence,
    unclaimed_condition,
    unconfirmed_orphans_query,
    verdict_rank,
    with_verdict,
)
from distscout.store.repos import iso
from distscout.store.schema import repo_label, repos
from distscout.triage import VERDICTS

REPO_STATUSES = ("complete", "partial", "failed", "never", "not_found")
PACKAGE_KINDS = ("language", "distro")


@dataclass(frozen=True)
class ListFilters:
    """What a reader narrows a list to; each listing reads the filters that apply to it."""

    q: str | None = None  # a substring of the repository (or of a path or package name, where listed)
    status: str | None = None  # repositories: their latest scan (REPO_STATUSES)
    ecosystem: str | None = None
    verdict: str | None = None
    archived: bool | None = None
    has_orphan: bool | None = None  # repositories: with an orphan manifest, or without
    kind: str | None = None  # unclaimed: language registries, or distribution packages (deb, rpm, apk)


def known_ecosystems(connection: Connection) -> list[str]:
    """Every ecosystem a filter may name: those the code knows, and those the store holds."""
    known = {parser.manifest_type for parser in all_parsers()}
    known |= {*DEPSDEV_SYSTEMS, *ECOSYSTEMS_REGISTRIES, *ASSET_ECOSYSTEMS.values(), *DISTRO_ECOSYSTEMS}
    stored = union(select(d.c.ecosystem.label("e")).distinct(), select(m.c.manifest_type).distinct())
    known |= set(connection.execute(stored).scalars())
    return sorted(known)


def check_filters(connection: Connection, filters: ListFilters) -> None:
    """Refuse a filter value that can never match, naming the values that can (an unknown ecosystem is a
    mistake to report, not an empty list)."""
    if filters.ecosystem is not None and filters.ecosystem not in (known := known_ecosystems(connection)):
        raise PageError(f"ecosystem: {filters.ecosystem[:40]!r} is not one of {', '.join(known)}")
    choices = (("status", REPO_STATUSES), ("verdict", VERDICTS), ("kind", PACKAGE_KINDS))
    for name, allowed in choices:
        value = getattr(filters, name)
        if value is not None and value not in allowed:
            raise PageError(f"{name}: {value[:40]!r} is not one of {', '.join(allowed)}")


def _scan_status() -> ColumnElement[str]:
    return case(
        (repos.c.distribution_not_found == true(), literal("not_found")),
        (repos.c.distribution_scan_complete == true(), literal("complete")),
        (repos.c.distribution_scan_complete == false(), literal("partial")),
        (repos.c.distribution_last_run.is_(None), literal("never")),
        else_=literal("failed"),
    )


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    return func.lower(column).contains(text.strip().lower(), autoescape=True)


def repos_listing(filters: ListFilters) -> Listing:
    """Tracked repositories with their latest scan and how many orphan manifests each has."""
    orphan_count = (
        select(func.count())
        .select_from(m)
        .where(m.c.repo_id == repos.c.id, orphan_condition())
        .correlate(repos)
        .scalar_subquery()
    )
    query = select(
        repos.c.id,
        repos.c.host,
        repos.c.owner,
        repos.c.name,
        repo_label().label("repo"),
        repos.c.url,
        repos.c.archived,
        repos.c.distribution_last_run.label("last_run"),
        _scan_status().label("scan"),
        repos.c.distribution_scan_complete.label("scan_complete"),
        repos.c.distribution_failed_attempts.label("failed_attempts"),
        repos.c.distribution_last_error.label("last_error"),
        orphan_count.label("orphans"),
    )
    conditions = []
    if filters.q:
        conditions.append(_contains(repo_label(), filters.q))
    if filters.status:
        conditions.append(_scan_status() == filters.status)
    if filters.archived is not None:
        conditions.append(repos.c.archived == filters.archived)
    if filters.has_orphan is not None:
        orphaned = exists().where(m.c.repo_id == repos.c.id, orphan_condition())
        conditions.append(orphaned if filters.has_orphan else ~orphaned)
    if filters.ecosystem:
        conditions.append(
            exists().where(
                d.c.repo_id == repos.c.id, d.c.ecosystem == filters.ecosystem, d.c.noise == false()
            )
            | exists().where(m.c.repo_id == repos.c.id, m.c.manifest_type == filters.ecosystem)
        )
    if filters.verdict:
        conditions.append(exists().where(m.c.repo_id == repos.c.id, with_verdict(filters.verdict)))
    return Listing(
        name="repos",
        query=query.where(*conditions),
        sorts={
            "repo": ("repo",),
            "last_run": ("last_run",),
            "scan": ("scan",),
            "failed_attempts": ("failed_attempts",),
            "archived": ("archived",),
            "orphans": ("orphans",),
        },
        default_sort="repo",
        unique=("id",),
        hidden=frozenset({"id", "host", "owner", "name"}),
        shape=_repo_row,
    )


def _repo_row(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"last_run": iso(row["last_run"]), "orphans": int(row["orphans"] or 0)}


def orphans_listing(filters: ListFilters) -> Listing:
    """Orphan manifests (or the manifests with one verdict), each with its verdict and evidence dates."""
    query = orphans_query(filters.verdict).add_columns(m.c.id.label("row_id"), verdict_rank().label("rank"))
    query = _manifest_filters(query, filters)
    answered = [column.name for column in answered_at()]
    return Listing(
        name="orphans",
        query=query,
        sorts={
            "verdict": ("rank",),
            "repo": ("repo",),
            "manifest_path": ("manifest_path",),
            "manifest_type": ("manifest_type",),
            "package_name_declared": ("package_name_declared",),
            "verdict_detail": ("verdict_detail",),
            "purl": ("purl",),
            "intent_reason": ("intent_reason",),
        },
        default_sort="verdict",
        unique=("repo", "manifest_path", "row_id"),
        hidden=frozenset({"row_id", "rank", "data_collection_date", *answered}),
        shape=lambda row: row | {"registries_answered_at": registries_answered_at(row)},
    )


def _manifest_filters(query: Select[Any], filters: ListFilters) -> Select[Any]:
    if filters.ecosystem:
        query = query.where(m.c.manifest_type == filters.ecosystem)
    if filters.archived is not None:
        query = query.where(repos.c.archived == filters.archived)
    if filters.q:
        text = filters.q
        query = query.where(
            _contains(repo_label(), text)
            | _contains(m.c.manifest_path, text)
            | _contains(func.coalesce(m.c.package_name_declared, ""), text)
        )
    return query


def unconfirmed_listing(filters: ListFilters) -> Listing:
    """Declared, not seen published, a registry that could know never answered: with whom it waits on."""
    query = _manifest_filters(unconfirmed_orphans_query().add_columns(m.c.id.label("row_id")), filters)
    return Listing(
        name="unconfirmed",
        query=query,
        sorts={
            "repo": ("repo",),
            "manifest_path": ("manifest_path",),
            "manifest_type": ("manifest_type",),
            "package_name_declared": ("package_name_declared",),
            "waiting_on": ("waiting_on",),
        },
        default_sort="repo",
        unique=("repo", "manifest_path", "row_id"),
        hidden=frozenset({"row_id", "normalized_name", "intent_reason", "data_collection_date"}),
        shape=lambda row: row | {"waiting_on": row["waiting_on"].split()},
    )


def unclaimed_listing(filters: ListFilters) -> Listing:
    """Unclaimed packages, one row per package of a repository with every source that saw it; `kind`
    tells distribution packages (deb, rpm, apk) from language registries."""
    kind = case((d.c.ecosystem.in_(sorted(DISTRO_ECOSYSTEMS)), literal("distro")), else_=literal("language"))
    query = (
        select(
            d.c.repo_id,
            repo_label().label("repo"),
            d.c.ecosystem,
            func.min(d.c.package_name).label("package_name"),
            d.c.normalized_name,
            kind.label("kind"),
            func.aggregate_strings(d.c.source, " ").label("sources"),
            func.min(d.c.purl).label("purl"),
        )
        .join(repos, repos.c.id == d.c.repo_id)
        .where(registry_evidence(), unclaimed_condition())
        .group_by(d.c.repo_id, repos.c.host, repos.c.owner, repos.c.name, d.c.ecosystem, d.c.normalized_name)
    )
    if filters.ecosystem:
        query = query.where(d.c.ecosystem == filters.ecosystem)
    if filters.kind:
        query = query.where(kind == filters.kind)
    if filters.archived is not None:
        query = query.where(repos.c.archived == filters.archived)
    if filters.q:
        query = query.where(_contains(repo_label(), filters.q) | _contains(d.c.package_name, filters.q))
    return Listing(
        name="unclaimed",
        query=query,
        sorts={
            "repo": ("repo",),
            "ecosystem": ("ecosystem",),
            "package_name": ("package_name",),
            "kind": ("kind",),  # not by sources: their aggregate's order is the database's to choose
        },
        default_sort="repo",
        unique=("repo_id", "ecosystem", "normalized_name"),
        hidden=frozenset({"repo_id"}),
        shape=lambda row: row | {"sources": sorted(set(row["sources"].split()))},
    )


def manifests_unknown_listing(filters: ListFilters) -> Listing:
    """Scanned repositories no manifest walk has answered for yet."""
    query = manifests_unknown_query().add_columns(repos.c.id)
    if filters.q:
        query = query.where(_contains(repo_label(), filters.q))
    if filters.archived is not None:
        query = query.where(repos.c.archived == filters.archived)
    return Listing(
        name="manifests_unknown",
        query=query,
        sorts={
            "repo": ("repo",),
            "registry_packages": ("registry_packages",),
            "last_run": ("last_run",),
            "last_error": ("last_error",),
        },
        default_sort="repo",
        unique=("id",),
        hidden=frozenset({"id"}),
        shape=lambda row: row | {"last_run": iso(row["last_run"])},
    )


def publishers_listing(ecosystem: str, normalized: str) -> Listing:
    """The registry and release rows of one package (names compared as its ecosystem compares them)."""
    query = (
        select(
            d.c.id.label("row_id"),
            repo_label().label("repo"),
            d.c.package_name,
            d.c.source,
            d.c.purl,
            d.c.version_count,
            d.c.noise,
        )
        .join(repos, repos.c.id == d.c.repo_id)
        .where(d.c.ecosystem == ecosystem, d.c.normalized_name == normalized)
    )
    registries = frozenset(registry_sources())
    return Listing(
        name=f"published:{ecosystem}/{normalized}",  # a cursor of one package's list fits no other's
        query=query,
        sorts={"repo": ("repo",), "source": ("source",), "version_count": ("version_count",)},
        default_sort="repo",
        unique=("row_id",),
        hidden=frozenset({"row_id"}),
        shape=lambda row: row | {"registry": row["source"] in registries and not row["noise"]},
    )


def declarations_listing(ecosystem: str, normalized: str) -> Listing:
    """The manifests that declare one package."""
    query = (
        select(
            m.c.id.label("row_id"),
            repo_label().label("repo"),
            m.c.manifest_path,
            m.c.package_name_declared,
            m.c.intent,
            m.c.intent_reason,
        )
        .join(repos, repos.c.id == m.c.repo_id)
        .where(m.c.manifest_type == ecosystem, m.c.normalized_name == normalized)
    )
    return Listing(
        name=f"declared:{ecosystem}/{normalized}",
        query=query,
        sorts={"repo": ("repo",), "manifest_path": ("manifest_path",), "intent": ("intent",)},
        default_sort="repo",
        unique=("row_id",),
        hidden=frozenset({"row_id"}),
    )
