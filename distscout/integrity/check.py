"""The integrity check: compare what exists with what should exist, and say what to do about it.

Repositories: a scanned repository's rows must be exactly what its stored captures stand for (the same
derivation rotation uses). No captures → missing primary (recheck). Rows missing → missing secondary;
rows from older code → stale; rows that contradict their input → malformed (all three: reprocess).

Outputs: every recorded output must exist, parse, carry its fingerprint, and be as new as its input.
A derivative whose parent repository lacks captures (or lost history snapshots) is blocked by input: the
parent is rechecked, the derivative waits.

Findings: an orphan that is unconfirmed (a registry that could know was silent for the repository) and a
repository whose manifests are unknown while registries list packages for it (it would be unclaimed, or
not) rest on partial evidence: the repository is a recheck target, rechecked within its backoff.

While a scan or a repair is running, the check says `in_progress` instead of findings it cannot trust.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, false, func, select

from distscout.integrity.findings import Action, Finding, FindingClass, repo_subject
from distscout.integrity.outputs import (
    FLEET_REPORTS,
    Output,
    build_card,
    build_fleet_report,
    build_history_summary,
    fingerprint,
    snapshot_count,
)
from distscout.repos import RepoRef, display_name
from distscout.rows import derived_rows, version_tag
from distscout.store.derive import load_captures_many
from distscout.store.queries import manifests_unknown_query, orphans_query, unconfirmed_orphans_query
from distscout.store.schema import (
    active_scans,
    derived_outputs,
    integrity_runs,
    repo_distribution,
    repo_distribution_manifest,
    repos,
)
from distscout.store.statistics import refresh_statistics
from distscout.triage import NO_NAME_SOURCE, Verdict

CLEAN, ISSUES, IN_PROGRESS = "clean", "issues", "in_progress"

PAGE = 200  # repositories whose captures and rows are read together while checking


@dataclass
class CheckReport:
    status: str
    findings: list[Finding] = field(default_factory=list)
    repos_checked: int = 0
    outputs_checked: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "findings": [f.as_dict() for f in self.findings],
            "repos_checked": self.repos_checked,
            "outputs_checked": self.outputs_checked,
        }


def busy(connection: Connection, now: datetime, ignore_run: int | None = None) -> bool:
    scans = connection.execute(
        select(func.count()).select_from(active_scans).where(active_scans.c.until > now)
    )
    running = (
        select(func.count())
        .select_from(integrity_runs)
        .where(integrity_runs.c.finished_at.is_(None), integrity_runs.c.until > now)
    )
    if ignore_run is not None:
        running = running.where(integrity_runs.c.id != ignore_run)
    return bool(scans.scalar_one()) or bool(connection.execute(running).scalar_one())


def run_check(
    engine: Engine, output_dir: Path, now: datetime, *, ignore_run: int | None = None
) -> CheckReport:
    refresh_statistics(engine)  # a freshly filled store's plans would grow with the fleet's square
    with engine.connect() as connection:
        if busy(connection, now, ignore_run):
            return CheckReport(IN_PROGRESS)
        findings, captureless, checked = repo_findings(connection)
        output_list, outputs_checked = output_findings(connection, output_dir, captureless)
        findings += partial_evidence_findings(connection)
    findings += output_list
    return CheckReport(ISSUES if findings else CLEAN, sorted(set(findings)), checked, outputs_checked)


def repo_findings(connection: Connection) -> tuple[list[Finding], set[str], int]:
    """Findings about repositories' rows; also the repositories whose captures are gone."""
    findings: list[Finding] = []
    captureless: set[str] = set()
    scanned = connection.execute(
        select(repos.c.id, repos.c.host, repos.c.owner, repos.c.name)
        .where(repos.c.distribution_scan_complete.is_not(None))
        .order_by(repos.c.id)
    ).all()
    for start in range(0, len(scanned), PAGE):
        page = scanned[start : start + PAGE]
        ids = [repo_id for repo_id, _, _, _ in page]
        stored_by = load_captures_many(connection, ids)
        registry_by = _rows(connection, repo_distribution, ids)
        manifests_by = _rows(connection, repo_distribution_manifest, ids)
        for repo_id, host, owner, name in page:
            full = display_name(host, owner, name)  # what a finding names, and parses back
            stored = stored_by.get(repo_id, [])
            if not stored:
                captureless.add(full)
                findings.append(
                    Finding(
                        FindingClass.MISSING_PRIMARY,
                        repo_subject(full),
                        Action.RECHECK,
                        full,
                        "scanned, but its captures (the committed input) are gone",
                    )
                )
                continue
            expected_registry, expected_manifests = derived_rows(repo_id, RepoRef(host, owner, name), stored)
            findings += _compare(
                full,
                "registry",
                expected_registry,
                registry_by.get(repo_id, []),
                key=("ecosystem", "package_name", "source"),
                version="interpreter_version",
            )
            findings += _compare(
                full,
                "manifest",
                expected_manifests,
                manifests_by.get(repo_id, []),
                key=("manifest_path",),
                version="parser_version",
            )
    return findings, captureless, len(scanned)


def partial_evidence_findings(connection: Connection) -> list[Finding]:
    """Findings the reports show as unconfirmed or unknown: each repository is rechecked for its missing
    evidence (the registries waited on; the manifest walk its registry packages wait on).

    Only repositories whose latest scan was partial: a complete scan with a silent source means GitHub
    Packages refused the token (not_visible), and a recheck with the same token would be refused again,
    every cycle (the doctor and the `packages_not_visible` count name that root cause instead)."""
    partial = repos.c.distribution_scan_complete == false()
    waiting: dict[str, set[str]] = {}
    for row in connection.execute(unconfirmed_orphans_query().where(partial)):
        waiting.setdefault(row.repo, set()).update(row.waiting_on.split())
    found = [
        Finding(
            FindingClass.PARTIAL_EVIDENCE,
            repo_subject(repo),
            Action.RECHECK,
            repo,
            f"orphans unconfirmed: {', '.join(sorted(sources))} never answered for it",
        )
        for repo, sources in waiting.items()
    ]
    for row in connection.execute(manifests_unknown_query().where(partial)):
        if row.registry_packages:
            found.append(
                Finding(
                    FindingClass.PARTIAL_EVIDENCE,
                    repo_subject(row.repo),
                    Action.RECHECK,
                    row.repo,
                    f"manifests unknown (no manifest walk answered): {row.registry_packages} registry "
                    f"package{'s' if row.registry_packages > 1 else ''} may be unclaimed",
                )
            )
    return found + _unanswered_names(connection, partial)


def _unanswered_names(connection: Connection, partial: Any) -> list[Finding]:
    """Orphans whose verdict is unknown because the name lookup did not answer (not because no registry
    serves the ecosystem: a recheck cannot change that)."""
    names: dict[str, list[str]] = {}
    unanswered = ~repo_distribution_manifest.c.verdict_detail.startswith(NO_NAME_SOURCE, autoescape=True)
    for row in connection.execute(orphans_query(Verdict.UNKNOWN.value).where(partial, unanswered)):
        names.setdefault(row.repo, []).append(row.package_name_declared or row.manifest_path)
    return [
        Finding(
            FindingClass.PARTIAL_EVIDENCE,
            repo_subject(repo),
            Action.RECHECK,
            repo,
            f"orphan verdicts unknown (the name lookup did not answer): {', '.join(sorted(found)[:5])}",
        )
        for repo, found in names.items()
    ]


def _rows(connection: Connection, table: Any, repo_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """The current rows of `table` for each of `repo_ids` (one query for the page)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for row in connection.execute(select(table).where(table.c.repo_id.in_(repo_ids))):
        found.setdefault(row.repo_id, []).append({k: v for k, v in row._mapping.items() if k != "id"})
    return found


def _compare(
    full: str,
    what: str,
    expected: list[dict[str, Any]],
    actual: list[dict[str, Any]],
    *,
    key: tuple[str, ...],
    version: str,
) -> list[Finding]:
    wanted = {tuple(r[k] for k in key): r for r in expected}
    have = {tuple(r[k] for k in key): r for r in actual}
    missing = wanted.keys() - have.keys()
    stale = {k for k in have.keys() & wanted.keys() if have[k][version] != wanted[k][version]}
    wrong = {k for k in have.keys() & wanted.keys() - stale if have[k] != wanted[k]} | (
        have.keys() - wanted.keys()
    )
    found = []
    subject = repo_subject(full)
    if missing:
        found.append(
            Finding(
                FindingClass.MISSING_SECONDARY,
                subject,
                Action.REPROCESS,
                full,
                f"{len(missing)} {what} rows missing while their captures are stored",
            )
        )
    if stale:
        found.append(
            Finding(
                FindingClass.STALE_SECONDARY,
                subject,
                Action.REPROCESS,
                full,
                f"{len(stale)} {what} rows built by older code ({version})",
            )
        )
    if wrong:
        found.append(
            Finding(
                FindingClass.MALFORMED_SECONDARY,
                subject,
                Action.REPROCESS,
                full,
                f"{len(wrong)} {what} rows contradict their captures",
            )
        )
    return found


def output_findings(
    connection: Connection, output_dir: Path, captureless: set[str]
) -> tuple[list[Finding], int]:
    recorded = connection.execute(select(derived_outputs).order_by(derived_outputs.c.name)).all()
    findings: list[Finding] = []
    for row in recorded:
        blocked = _blocked(connection, row, captureless)
        if blocked:
            findings += blocked
            continue
        rebuilt, newer = _rebuilt(connection, row)
        findings += _output_state(row, output_dir, rebuilt.fingerprint if rebuilt else None, newer)
    return findings, len(recorded)


def _blocked(connection: Connection, row: Any, captureless: set[str]) -> list[Finding]:
    """The root causes a derivative waits on: its parents without captures, or lost history snapshots."""
    parent = row.name.partition(":")[2]
    if row.name in FLEET_REPORTS:
        return [
            Finding(
                FindingClass.BLOCKED_BY_INPUT,
                row.name,
                Action.RECHECK,
                repo,
                f"merges {repo}, whose captures are gone",
            )
            for repo in sorted(captureless)
        ]
    if parent in captureless:
        return [
            Finding(
                FindingClass.BLOCKED_BY_INPUT,
                row.name,
                Action.RECHECK,
                parent,
                f"derived from {parent}, whose captures are gone",
            )
        ]
    if row.kind == "history_summary":
        finding = _history_blocked(connection, row, parent)
        return [finding] if finding else []
    return []


def _rebuilt(connection: Connection, row: Any) -> tuple[Output | None, bool]:
    """The output as it would be built now, and whether its input is newer than the recorded build."""
    if row.name in FLEET_REPORTS:
        latest = connection.execute(select(func.max(repos.c.distribution_last_run))).scalar_one_or_none()
        return build_fleet_report(connection, row.name), latest is not None and latest > row.built_at
    if row.repo_id is None:
        return None, False
    if row.kind == "repo_card":
        card = build_card(connection, row.repo_id)
        recorded_run = json.loads(row.inputs).get("last_run")
        return card, card is not None and card.inputs["last_run"] != recorded_run
    return build_history_summary(connection, row.repo_id), False


def _history_blocked(connection: Connection, row: Any, parent: str) -> Finding | None:
    recorded = json.loads(row.inputs).get("snapshots", 0)
    now = snapshot_count(connection, row.repo_id) if row.repo_id is not None else 0
    if now < recorded:
        return Finding(
            FindingClass.BLOCKED_BY_INPUT,
            row.name,
            Action.RECHECK,
            parent,
            f"summarizes {recorded} history snapshots of {parent}, {recorded - now} of them are gone",
        )
    return None


def _output_state(row: Any, output_dir: Path, current: str | None, newer: bool) -> list[Finding]:
    problem = _document_problem(row, output_dir)
    if problem == "missing":
        return [
            Finding(
                FindingClass.MISSING_SECONDARY,
                row.name,
                Action.REPROCESS,
                row.name,
                f"{row.path or 'the stored summary'} is gone",
            )
        ]
    if problem:
        return [Finding(FindingClass.MALFORMED_SECONDARY, row.name, Action.REPROCESS, row.name, problem)]
    if (
        row.interpreter_version != version_tag()
        or newer
        or (current is not None and current != row.fingerprint)
    ):
        why = "built by older code" if row.interpreter_version != version_tag() else "its input changed since"
        return [Finding(FindingClass.STALE_SECONDARY, row.name, Action.REPROCESS, row.name, why)]
    return []


def _document_problem(row: Any, output_dir: Path) -> str:
    """What is wrong with the stored output ("missing", or why it cannot be trusted); "" when it is sound."""
    if row.path is not None:
        try:
            text = (output_dir / row.path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return "missing"
        except OSError as exc:
            return f"unreadable: {exc.strerror or exc}"
    elif row.content is None:
        return "missing"
    else:
        text = row.content
    try:
        document = json.loads(text)
    except ValueError:
        return "does not parse as JSON (truncated or damaged)"
    if not isinstance(document, dict) or "data" not in document or document.get("name") != row.name:
        return "not a distscout output document"
    if fingerprint(document["data"]) != row.fingerprint:
        return "its content does not match its recorded fingerprint"
    return ""
