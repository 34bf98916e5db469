"""Reports over the current rows: the fleet rollup, orphans, unclaimed repos, one repo's drill-down.

Registry evidence for these reports means a package registry: deps.dev, ecosyste.ms or GitHub Packages.
Release assets are shown, but a `.whl` on a GitHub release is not a PyPI release. Noise rows (go /
actions / docker where the repo does not declare them) never count.

An orphan is a manifest that declares intent (status ok) whose ecosystem and normalized name match no
registry row of the same repo. SwiftPM identifies packages by repository URL, so any SwiftPM row
matches the repo's Package.swift.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from distscout.ecosystems import normalize_name
from distscout.interpreters import registry_coverage, registry_sources
from distscout.interpreters.github_packages import GITHUB_PACKAGES
from distscout.interpreters.manifests import MANIFESTS
from distscout.pairing import pair
from distscout.repos import RepoRef, display_name
from distscout.store.schema import (
    repo_distribution,
    repo_distribution_history,
    repo_distribution_manifest,
    repo_distribution_manifest_history,
    repo_label,
    repos,
    scan_runs,
)
from distscout.triage import NAME_MATCHED, ORPHAN_VERDICTS, Verdict

d, m = repo_distribution, repo_distribution_manifest


def registry_evidence() -> Any:
    return and_(d.c.source.in_(registry_sources()), d.c.noise == false())


def _published() -> Any:
    """Over `repo_distribution_manifest`: a registry of the same repo has the package the manifest names."""
    return exists().where(
        d.c.repo_id == m.c.repo_id,
        registry_evidence(),
        d.c.ecosystem == m.c.manifest_type,
        or_(d.c.normalized_name == m.c.normalized_name, m.c.manifest_type == "swiftpm"),
    )


def _declares_intent() -> Any:
    return and_(m.c.intent == true(), m.c.status == "ok")


def orphan_condition() -> Any:
    """The WHERE clause, over `repo_distribution_manifest`, that selects (confirmed) orphan manifests."""
    return and_(_declares_intent(), ~_published(), ~_unconfirmed())


def unconfirmed_orphan_condition() -> Any:
    """Declared and not seen published, but a registry source that could know the ecosystem never answered
    for the repository: not an orphan until it does (shown apart, with the source named)."""
    return and_(_declares_intent(), ~_published(), _unconfirmed())


def _unconfirmed() -> Any:
    return or_(*_silent_sources().values())


def _silent_sources() -> dict[str, Any]:
    """Per registry source, over `repo_distribution_manifest`: it covers the manifest's ecosystem, it was
    asked for this repository, and it never answered (ok or a clean miss) in any scan. Evidence kept from
    an older answered scan counts: only a source that never answered leaves the question open."""
    silent = {}
    for source, ecosystems in registry_coverage().items():
        covers = true() if ecosystems is None else m.c.manifest_type.in_(sorted(ecosystems))
        asked = _scan_said(m.c.repo_id, source, None)
        answered = _scan_said(m.c.repo_id, source, ("ok", "miss"))
        silent[source] = and_(covers, asked, ~answered)
    return silent


def _scan_said(repo_id: Any, source: str, outcomes: tuple[str, ...] | None) -> Any:
    """Some scan of the repository ended `source` with one of `outcomes` (None: with any outcome)."""
    return exists().where(*_said(repo_id, source, outcomes))


def _said(repo_id: Any, source: str, outcomes: tuple[str, ...] | None) -> tuple[Any, Any]:
    if outcomes is None:
        said = [json.dumps(source) + ": "]
    else:
        said = [json.dumps({source: outcome})[1:-1] for outcome in outcomes]
    # rotation writes the outcomes with json.dumps(sort_keys=True): `"source": "outcome"` is their spelling
    return (
        scan_runs.c.repo_id == repo_id,
        or_(*(scan_runs.c.outcomes.contains(text, autoescape=True) for text in said)),
    )


def answered_at() -> list[Any]:
    """Over `repo_distribution_manifest`, per registry source that covers the manifest's ecosystem: when it
    last answered for the repository (NULL where it does not cover it). A confirmed orphan may rest on an
    answer kept from an older scan: these are the dates of the evidence it rests on."""
    columns = []
    for source, ecosystems in registry_coverage().items():
        last = (
            select(func.max(scan_runs.c.finished_at))
            .where(*_said(m.c.repo_id, source, ("ok", "miss")))
            .correlate(m)
            .scalar_subquery()
        )
        covers = true() if ecosystems is None else m.c.manifest_type.in_(sorted(ecosystems))
        slug = source.replace(".", "_")  # deps_dev, ecosyste_ms, github_packages
        columns.append(case((covers, last), else_=None).label(f"{slug}_answered_at"))
    return columns


@dataclass(frozen=True)
class FleetStats:
    total: int
    scanned: int
    with_registry: int
    with_manifest: int
    orphans: int
    orphans_unconfirmed: int  # repos with a declared package not seen published, a registry still silent
    unclaimed: int
    manifests_unknown: int  # scanned, but no manifest walk has answered yet: neither unclaimed nor not
    not_found: int  # GitHub answered 404 for the repository in its latest scan
    archived: int
    partial: int
    failing: int
    packages_not_visible: int  # latest scan: GitHub Packages refused this token (no read:packages)
    # Orphan triage (distscout.triage), in manifests: the orphans by verdict, and the declared names the
    # name lookup found published (not orphans) or refused as invalid.
    orphan_manifests: int
    orphans_unregistered: int
    orphans_taken: int
    orphans_unknown: int
    names_linked: int
    names_unlinked: int
    invalid_names: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def fleet_stats(connection: Connection) -> FleetStats:
    def count(*conditions: Any) -> int:
        return int(
            connection.execute(select(func.count()).select_from(repos).where(*conditions)).scalar_one()
        )

    has_registry = exists().where(d.c.repo_id == repos.c.id, registry_evidence())
    has_manifest = _has_manifest()
    orphaned = exists().where(m.c.repo_id == repos.c.id, orphan_condition())
    scanned = repos.c.distribution_scan_complete.is_not(None)
    found = repos.c.distribution_not_found == false()
    return FleetStats(
        total=count(),
        scanned=count(scanned),
        with_registry=count(has_registry),
        with_manifest=count(has_manifest),
        orphans=count(orphaned),
        orphans_unconfirmed=count(exists().where(m.c.repo_id == repos.c.id, unconfirmed_orphan_condition())),
        unclaimed=count(has_registry, ~has_manifest, scanned, manifests_walked()),
        manifests_unknown=count(~has_manifest, scanned, ~manifests_walked(), found),
        not_found=count(~found),
        archived=count(repos.c.archived == true()),
        partial=count(repos.c.distribution_scan_complete == false()),
        failing=count(repos.c.distribution_failed_attempts > 0),
        packages_not_visible=count(_latest_scan_says(GITHUB_PACKAGES, "not_visible")),
        **verdict_counts(connection),
    )


def verdict_counts(connection: Connection) -> dict[str, int]:
    """The orphan manifests by verdict, and the declared names found published or invalid (one query)."""
    orphan = orphan_condition()
    counted = {
        "orphan_manifests": orphan,
        **{f"orphans_{v.value}": and_(orphan, verdict_column() == v.value) for v in ORPHAN_VERDICTS},
        **{f"names_{v.value}": m.c.verdict == v.value for v in NAME_MATCHED},
        "invalid_names": m.c.verdict == Verdict.INVALID_NAME.value,
    }
    columns = [func.count(case((condition, 1))).label(name) for name, condition in counted.items()]
    row = connection.execute(select(*columns).select_from(m)).one()
    return {name: int(row._mapping[name] or 0) for name in counted}


def verdict_column() -> ColumnElement[str]:
    """Over `repo_distribution_manifest`: an orphan's verdict; one without (a row from before the triage, or
    with the name lookup turned off) is unknown."""
    return func.coalesce(m.c.verdict, literal(Verdict.UNKNOWN.value))


def verdict_rank() -> ColumnElement[int]:
    """Unregistered first (a name anyone can take), then taken, then unknown."""
    return case(
        *((verdict_column() == v.value, literal(rank)) for rank, v in enumerate(ORPHAN_VERDICTS)),
        else_=literal(len(ORPHAN_VERDICTS)),
    )


def manifests_walked() -> Any:
    """Over `repos`: some scan's manifest walk answered (files read, or a clean "none here").

    "No manifest" is evidence only then: a repository whose walk always failed (no token, a spent budget,
    an open breaker) has manifests unknown, and is never reported unclaimed for it.
    """
    return _scan_said(repos.c.id, MANIFESTS, ("ok", "miss"))


def manifest_state() -> Any:
    """Over `repos`: "found" (a manifest row), "none" (a walk answered and found none), "unknown" (scanned,
    no walk answered) or "not scanned"."""
    return case(
        (_has_manifest(), literal("found")),
        (manifests_walked(), literal("none")),
        (repos.c.distribution_scan_complete.is_not(None), literal("unknown")),
        else_=literal("not scanned"),
    )


def _latest_scan_says(source: str, outcome: str) -> Any:
    """Over `repos`: the repository's latest scan ended `source` with `outcome` (scan_runs.outcomes JSON)."""
    latest = (
        select(scan_runs.c.outcomes)
        .where(scan_runs.c.repo_id == repos.c.id)
        .order_by(scan_runs.c.id.desc())
        .limit(1)
        .correlate(repos)
        .scalar_subquery()
    )
    return latest.contains(json.dumps({source: outcome})[1:-1], autoescape=True)


def orphans_query(verdict: str | None = None) -> Select[Any]:
    """Orphan manifests, one row each with the repository as `owner/name` (the report and the export),
    each with its verdict: unregistered first. `verdict`: only those; a name-matched (linked, unlinked)
    or invalid name is not an orphan, and is listed with the manifests that carry that verdict instead."""
    chosen = orphan_condition() if verdict is None else with_verdict(verdict)
    return (
        select(
            repo_label().label("repo"),
            m.c.manifest_path,
            m.c.manifest_type,
            m.c.package_name_declared,
            m.c.normalized_name,
            m.c.purl,
            m.c.intent_reason,
            verdict_column().label("verdict"),
            m.c.verdict_detail,
            m.c.linked_repository,
            m.c.data_collection_date,
            *answered_at(),
        )
        .join(repos, repos.c.id == m.c.repo_id)
        .where(chosen)
        .order_by(verdict_rank(), repos.c.owner, repos.c.name, m.c.manifest_path)
    )


def with_verdict(verdict: str) -> Any:
    """Over `repo_distribution_manifest`: an orphan with this verdict (one stored without is unknown), or
    a manifest carrying a name-matched or invalid-name verdict."""
    if verdict in {v.value for v in ORPHAN_VERDICTS}:
        return and_(orphan_condition(), verdict_column() == verdict)
    return m.c.verdict == verdict


def orphans(connection: Connection, verdict: str | None = None) -> list[dict[str, Any]]:
    shown = (
        "repo",
        "manifest_path",
        "manifest_type",
        "package_name_declared",
        "normalized_name",
        "purl",
        "intent_reason",
        "verdict",
        "verdict_detail",
        "linked_repository",
    )
    return [
        {key: row._mapping[key] for key in shown}
        | {"registries_answered_at": registries_answered_at(row._mapping)}
        for row in connection.execute(orphans_query(verdict))
    ]


def registries_answered_at(row: Any) -> dict[str, str | None]:
    """An orphan row's `*_answered_at` columns (orphans_query) as one mapping, those with a date only."""
    return {key: _iso(row[key]) for key in (column.name for column in answered_at()) if row.get(key)}


def unconfirmed_orphans_query() -> Select[Any]:
    """Manifests that would be orphans but for a registry source that never answered for the repository,
    each with `waiting_on`: the sources still waited on, space-separated (the report and the export)."""
    waiting: ColumnElement[str] = literal("")
    for name, silent in _silent_sources().items():
        waiting = waiting + case((silent, literal(f"{name} ")), else_=literal(""))
    return (
        select(
            repo_label().label("repo"),
            m.c.manifest_path,
            m.c.manifest_type,
            m.c.package_name_declared,
            m.c.normalized_name,
            m.c.purl,
            m.c.intent_reason,
            func.trim(waiting).label("waiting_on"),
            m.c.data_collection_date,
        )
        .join(repos, repos.c.id == m.c.repo_id)
        .where(unconfirmed_orphan_condition())
        .order_by(repos.c.owner, repos.c.name, m.c.manifest_path)
    )


def unconfirmed_orphans(connection: Connection) -> list[dict[str, Any]]:
    """Manifests that would be orphans but for a registry source that never answered: each with the
    sources still waited on (a list), until a scan hears from them."""
    shown = ("repo", "manifest_path", "manifest_type", "package_name_declared", "purl")
    return [
        {key: row._mapping[key] for key in shown} | {"waiting_on": row.waiting_on.split()}
        for row in connection.execute(unconfirmed_orphans_query())
    ]


def _has_manifest() -> Any:
    return exists().where(m.c.repo_id == repos.c.id)


def unclaimed_query() -> Select[Any]:
    """Registry packages of scanned repositories whose manifest walk answered and found no manifest."""
    return (
        select(
            repo_label().label("repo"),
            d.c.ecosystem,
            d.c.package_name,
            d.c.source,
            d.c.purl,
            d.c.data_collection_date,
        )
        .join(repos, repos.c.id == d.c.repo_id)
        .where(registry_evidence(), unclaimed_condition())
        .order_by(repos.c.owner, repos.c.name, d.c.ecosystem, d.c.package_name, d.c.source)
    )


def unclaimed_condition() -> Any:
    """Over `repos`: scanned, its manifest walk answered, and it found no manifest."""
    return and_(~_has_manifest(), repos.c.distribution_scan_complete.is_not(None), manifests_walked())


def unclaimed(connection: Connection) -> list[dict[str, Any]]:
    shown = ("repo", "ecosystem", "package_name", "source", "purl")
    return [{key: row._mapping[key] for key in shown} for row in connection.execute(unclaimed_query())]


def manifests_unknown_query() -> Select[Any]:
    """Scanned repositories (found on GitHub) with no manifest row and no manifest walk that ever answered:
    neither unclaimed nor not, until one does. `registry_packages` counts the registry rows that would be
    unclaimed if the walk found nothing, so the ones worth a recheck first are visible."""
    packages = (
        select(func.count())
        .where(d.c.repo_id == repos.c.id, registry_evidence())
        .correlate(repos)
        .scalar_subquery()
    )
    return (
        select(
            repo_label().label("repo"),
            packages.label("registry_packages"),
            repos.c.distribution_last_run.label("last_run"),
            repos.c.distribution_scan_complete.label("scan_complete"),
            repos.c.distribution_last_error.label("last_error"),
        )
        .where(
            ~_has_manifest(),
            repos.c.distribution_scan_complete.is_not(None),
            ~manifests_walked(),
            repos.c.distribution_not_found == false(),
        )
        .order_by(repos.c.owner, repos.c.name)
    )


def manifests_unknown(connection: Connection) -> list[dict[str, Any]]:
    return [
        {**row._mapping, "last_run": _iso(row.last_run)}
        for row in connection.execute(manifests_unknown_query())
    ]


def coverage_by_ecosystem(connection: Connection) -> list[dict[str, Any]]:
    """Per ecosystem: manifests that declare intent to publish, and how many of them a registry has."""
    published = cast(_published(), Integer)
    query = (
        select(m.c.manifest_type, func.count(), func.sum(published))
        .where(_declares_intent())
        .group_by(m.c.manifest_type)
        .order_by(func.count().desc(), m.c.manifest_type)
    )
    return [
        {"ecosystem": ecosystem, "declared": int(declared), "published": int(found or 0)}
        for ecosystem, declared, found in connection.execute(query)
    ]


def package_search(
    connection: Connection, ecosystem: str, name: str, limit: int | None = None
) -> dict[str, Any]:
    """Which repositories publish `ecosystem/name` (registry and release rows), and which declare it.

    Names compare as the ecosystem compares them (`Flask_Login` finds `flask-login` on PyPI). With a
    `limit`, each list holds at most that many rows; `published_total` / `declared_total` count them all
    and `truncated` says whether a list was cut.
    """
    normalized = normalize_name(ecosystem, name)
    label = repo_label().label("repo")
    publishing = (
        select(label, d.c.package_name, d.c.source, d.c.purl, d.c.version_count, d.c.noise)
        .join(repos, repos.c.id == d.c.repo_id)
        .where(d.c.ecosystem == ecosystem, d.c.normalized_name == normalized)
        .order_by(repos.c.owner, repos.c.name, d.c.source)
    )
    declaring = (
        select(label, m.c.manifest_path, m.c.package_name_declared, m.c.intent, m.c.intent_reason)
        .join(repos, repos.c.id == m.c.repo_id)
        .where(m.c.manifest_type == ecosystem, m.c.normalized_name == normalized)
        .order_by(repos.c.owner, repos.c.name, m.c.manifest_path)
    )
    totals = [
        int(connection.execute(select(func.count()).select_from(q.order_by(None).subquery())).scalar_one())
        for q in (publishing, declaring)
    ]
    published, declared = (connection.execute(q.limit(limit)) for q in (publishing, declaring))
    return {
        "ecosystem": ecosystem,
        "name": name,
        "normalized_name": normalized,
        "published_by": [
            {**r._mapping, "registry": r.source in registry_sources() and not r.noise} for r in published
        ],
        "declared_by": [dict(r._mapping) for r in declared],
        "published_total": totals[0],
        "declared_total": totals[1],
        "truncated": limit is not None and max(totals) > limit,
    }


def due_count(connection: Connection, now: datetime, cadence: timedelta, *, partial_first: bool) -> int:
    """How many repositories are due now: the scheduler's queue depth (the claim queries, counted)."""
    from distscout.store.claims import due_queries  # noqa: PLC0415 - lazy: the claims load the rotation

    ids = [
        q.with_only_columns(repos.c.id).order_by(None)
        for q in due_queries(now, cadence, partial_first=partial_first)
    ]
    queue = union(*ids).subquery()
    return int(connection.execute(select(func.count()).select_from(queue)).scalar_one())


def recent_scans(connection: Connection, limit: int = 20) -> list[dict[str, Any]]:
    """The fleet's latest finished scans, newest first, with each source's outcome."""
    runs = connection.execute(
        select(
            repos.c.host,
            repos.c.owner,
            repos.c.name,
            scan_runs.c.finished_at,
            scan_runs.c.verdict,
            scan_runs.c.outcomes,
        )
        .join(repos, repos.c.id == scan_runs.c.repo_id)
        .order_by(scan_runs.c.finished_at.desc(), scan_runs.c.id.desc())
        .limit(limit)
    )
    return [
        {
            "repo": display_name(r.host, r.owner, r.name),
            "finished_at": _iso(r.finished_at),
            "verdict": r.verdict,
            "outcomes": json.loads(r.outcomes),
        }
        for r in runs
    ]


def repo_report(connection: Connection, ref: RepoRef) -> dict[str, Any] | None:
    walk = manifest_state().label("manifests_state")
    repo = connection.execute(select(repos, walk).where(repos.c.repo_key == ref.key)).first()
    if repo is None:
        return None
    distribution = connection.execute(
        select(d).where(d.c.repo_id == repo.id).order_by(d.c.ecosystem, d.c.package_name, d.c.source)
    ).all()
    finding = case(
        (orphan_condition(), literal("orphan")),
        (unconfirmed_orphan_condition(), literal("unconfirmed")),
        else_=None,
    )
    manifests = connection.execute(
        select(m, finding.label("finding")).where(m.c.repo_id == repo.id).order_by(m.c.manifest_path)
    ).all()
    history = history_summary(connection, repo.id)
    rows, declared = pair(
        [_row(r._mapping, skip=("id", "repo_id")) for r in distribution],
        [_row(r._mapping, skip=("id", "repo_id")) for r in manifests],
        registry_sources(),
    )
    return {
        "repo": display_name(repo.host, repo.owner, repo.name),
        "url": repo.url,
        "archived": repo.archived,
        # found / none / unknown / not scanned: a registry row with no manifest pairs with nothing, but
        # "no manifest" is evidence only when a manifest walk answered
        "manifests_state": repo.manifests_state,
        "state": _state(repo._mapping),
        # each row with the manifests it pairs with, each manifest with the packages (distscout.pairing)
        "distribution": rows,
        "manifests": declared,
        "history": history,
        # Sources whose evidence the latest scan did not see (not visible, failed): their rows, if any,
        # are the older ones kept, and an absence there is unknown, not "nothing".
        "unseen": {
            source: outcome
            for source, outcome in (history["scans"][0]["outcomes"] if history["scans"] else {}).items()
            if outcome not in ("ok", "miss")
        },
    }


def history_summary(connection: Connection, repo_id: int) -> dict[str, Any]:
    """When each package and manifest was first and last seen (current rows and snapshots together)."""
    dh, mh = repo_distribution_history, repo_distribution_manifest_history
    runs = connection.execute(
        select(scan_runs.c.finished_at, scan_runs.c.verdict, scan_runs.c.outcomes)
        .where(scan_runs.c.repo_id == repo_id)
        .order_by(scan_runs.c.finished_at.desc())
        .limit(20)
    ).all()

    def package_key(table: Any) -> Any:
        return table.c.ecosystem + "/" + table.c.package_name + " via " + table.c.source

    def manifest_key(table: Any) -> Any:
        return table.c.manifest_path

    return {
        "scans": [
            {"finished_at": _iso(r.finished_at), "verdict": r.verdict, "outcomes": json.loads(r.outcomes)}
            for r in runs
        ],
        "packages": (packages := _spans(connection, repo_id, d, dh, package_key)),
        "manifests": (manifests := _spans(connection, repo_id, m, mh, manifest_key)),
        "verdicts": (verdicts := verdict_events(connection, repo_id)),
        "timeline": timeline(packages, manifests, verdicts),
    }


def timeline(
    packages: list[dict[str, Any]], manifests: list[dict[str, Any]], verdicts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One repository's events, newest first: each package and manifest first seen and (when gone)
    removed, and each change of a declared name's verdict (registered, freed)."""
    events = []
    for kind, spans in (("package", packages), ("manifest", manifests)):
        for span in spans:
            events.append(
                {"at": span["first_seen"], "event": "first seen", "kind": kind, "what": span["key"]}
            )
            if not span["present"] and span["removed_at"]:
                events.append(
                    {"at": span["removed_at"], "event": "removed", "kind": kind, "what": span["key"]}
                )
    for change in verdicts:
        what = change["manifest_path"]
        events.append({"at": change["at"], "event": change["event"], "kind": "name", "what": what})
    return sorted(events, key=lambda e: (e["at"] or "", e["kind"], e["what"]), reverse=True)


# A change of verdict worth a sentence of its own: what happened to the name between two scans.
_EVENTS = {
    (Verdict.UNREGISTERED.value, Verdict.TAKEN.value): "somebody registered your name (it links elsewhere)",
    (Verdict.UNREGISTERED.value, Verdict.UNLINKED.value): "the name was registered, with no link here",
    (Verdict.UNREGISTERED.value, Verdict.LINKED.value): "the name was registered from this repository",
    (Verdict.TAKEN.value, Verdict.UNREGISTERED.value): "the name was freed",
    (Verdict.UNREGISTERED.value, "none"): "published: the reverse lookups now find it",
}


def verdict_events(connection: Connection, repo_id: int) -> list[dict[str, Any]]:
    """When each manifest's verdict changed, oldest first: snapshots (in the order they were taken) then
    the current rows. A row without a verdict before one is no event: rows stored before the triage had
    none, and "published" is no verdict either."""
    tables = (repo_distribution_manifest_history, m)  # snapshots first, then the current rows
    seen = union_all(
        *(
            select(
                t.c.manifest_path,
                t.c.verdict,
                t.c.data_collection_date.label("at"),
                literal(rank).label("rank"),
                t.c.id,
            ).where(t.c.repo_id == repo_id)
            for rank, t in enumerate(tables)
        )
    ).subquery()
    rows = connection.execute(
        select(seen.c.manifest_path, seen.c.verdict, seen.c.at).order_by(
            seen.c.manifest_path, seen.c.at, seen.c.rank, seen.c.id
        )
    ).all()
    events: list[dict[str, Any]] = []
    last: dict[str, str | None] = {}
    for path, verdict, at in rows:
        before = last.get(path)
        if before is not None and before != verdict:
            after = verdict or "none"
            events.append(
                {
                    "manifest_path": path,
                    "from": before,
                    "to": after,
                    "at": _iso(at),
                    "event": _EVENTS.get((before, after), f"verdict {before} → {after}"),
                }
            )
        last[path] = verdict
    return sorted(events, key=lambda e: (e["at"] or "", e["manifest_path"]))


def _spans(
    connection: Connection, repo_id: int, current: Any, history: Any, key: Any
) -> list[dict[str, Any]]:
    seen = union_all(
        select(key(history).label("key"), history.c.data_collection_date.label("at")).where(
            history.c.repo_id == repo_id
        ),
        select(key(current).label("key"), current.c.data_collection_date.label("at")).where(
            current.c.repo_id == repo_id
        ),
    ).subquery()
    rows = connection.execute(
        select(seen.c.key, func.min(seen.c.at), func.max(seen.c.at)).group_by(seen.c.key).order_by(seen.c.key)
    ).all()
    present = set(connection.execute(select(key(current)).where(current.c.repo_id == repo_id)).scalars())
    # Gone: the scan that replaced its last snapshot removed it (rotation stamps the snapshot with its time).
    snapshots = (
        select(key(history).label("key"), history.c.rotated_at).where(history.c.repo_id == repo_id).subquery()
    )
    removed: dict[str, Any] = dict(
        connection.execute(
            select(snapshots.c.key, func.max(snapshots.c.rotated_at)).group_by(snapshots.c.key)
        ).all()
    )
    return [
        {
            "key": r[0],
            "first_seen": _iso(r[1]),
            "last_seen": _iso(r[2]),
            "present": r[0] in present,
            "removed_at": None if r[0] in present else _iso(removed.get(r[0])),
        }
        for r in rows
    ]


def _state(values: Any) -> dict[str, Any]:
    return {
        "last_run": _iso(values["distribution_last_run"]),
        "scan_complete": values["distribution_scan_complete"],
        "not_found": values["distribution_not_found"],
        "failed_attempts": values["distribution_failed_attempts"],
        "last_failed_at": _iso(values["distribution_last_failed_at"]),
        "retry_at": _iso(values["distribution_retry_at"]),
        "last_error": values["distribution_last_error"],
    }


def _row(values: Any, skip: tuple[str, ...]) -> dict[str, Any]:
    return {k: _iso(v) if hasattr(v, "isoformat") else v for k, v in values.items() if k not in skip}


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
