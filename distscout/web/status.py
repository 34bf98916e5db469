"""The reads that the API and the dashboard share beyond `distscout.store.queries`: one repository by its
path segments, the worker status, and the integrity panel."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import HTTPException, Path
from sqlalchemy import Connection

from distscout.integrity.check import run_check
from distscout.integrity.plan import make_plan
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.store.queries import due_count, recent_scans, repo_report
from distscout.store.repos import find_repo
from distscout.store.workers import list_workers
from distscout.web.service import Service
from distscout.worker.heartbeat import stale_after

# As `distscout.repos` reads a segment; ".", ".." and a bare ".git" also match, and answer 422.
_SEGMENT = r"^[A-Za-z0-9_.-]{1,100}$"
Owner = Annotated[str, Path(pattern=_SEGMENT, description="GitHub owner (user or organization)")]
Name = Annotated[str, Path(pattern=_SEGMENT, description="repository name")]
# A repository off GitHub: its host, then its path (`gitlab.com` + `group/sub/project`; a self-hosted GitLab's
# host is followed by its base path)
Host = Annotated[str, Path(pattern=r"^[A-Za-z0-9.-]+\.[A-Za-z0-9.:-]+$", description="forge host")]
ForgePath = Annotated[str, Path(max_length=600, description="the repository's path on that forge")]


def repo_ref(owner: str, name: str) -> RepoRef:
    """The repository named by two path segments; 422 with the parser's own message when malformed."""
    try:  # the host is explicit: an owner with a dot is not read as a host name
        return parse_repo_ref(f"github.com/{owner}/{name}")
    except RepoRefError as exc:
        raise HTTPException(422, str(exc)) from None


def forge_repo_ref(service: Service, host: str, path: str) -> RepoRef:
    """The repository at `host/path` on a known forge; 422 with the parser's message otherwise."""
    try:
        return parse_repo_ref(f"https://{host}/{path}", service.settings.forges())
    except RepoRefError as exc:
        raise HTTPException(422, str(exc)) from None


def tracked_name(service: Service, ref: RepoRef) -> str:
    """The tracked repository's name as stored (`owner/name`, or `host/path` off GitHub); 404 when
    it is not tracked."""
    with service.engine.connect() as connection:
        found = find_repo(connection, ref)
    if found is None:
        raise _untracked(ref)
    return found.ref.display


def tracked_repo(service: Service, ref: RepoRef) -> dict[str, Any]:
    with service.engine.connect() as connection:
        report = repo_report(connection, ref)
    if report is None:
        raise _untracked(ref)
    return report


def _untracked(ref: RepoRef) -> HTTPException:
    return HTTPException(404, f"{ref.display} is not tracked (add it with POST /api/admin/repos)")


def worker_status(service: Service, scans: int = 20) -> dict[str, Any]:
    settings = service.settings
    with service.engine.connect() as connection:
        cadence = timedelta(days=settings.cadence_days)
        due = due_count(connection, service.now(), cadence, partial_first=settings.immediate_partial_reclaim)
        latest = recent_scans(connection, scans)
        fleet = _registered(connection, service.now(), settings.heartbeat_seconds)
    dispatcher, upstreams = service.dispatcher, service.upstreams
    return {
        "workers_in_process": dispatcher is not None,
        "due": due,
        "running": dispatcher.running if dispatcher else None,
        "workers": settings.workers,
        "stats": dict(dispatcher.stats.__dict__) if dispatcher else None,
        "breakers": [
            {
                "upstream": client.config.name,
                "state": client.breaker.state.value,
                "consecutive_failures": client.breaker.consecutive_failures,
            }
            for client in (upstreams.all() if upstreams else ())
        ],
        "budgets": [
            {
                "upstream": client.config.name,
                "token": credential.label,  # never the token itself
                "remaining": credential.rate.remaining,
                "limit": credential.rate.limit,
                "requests": credential.requests,
            }
            for client in (upstreams.budgeted() if upstreams else ())
            for credential in client.tokens.credentials
        ],
        "recent_scans": latest,
        "fleet": fleet,
    }


def _registered(connection: Connection, now: datetime, heartbeat_seconds: float) -> list[dict[str, Any]]:
    """Every process registered by its heartbeat, on any machine, with how long ago it last beat: the one
    place a fleet's operator sees its machines (a `--workers-only` process serves no page of its own)."""
    stale = stale_after(heartbeat_seconds)
    return [
        row.as_dict()
        | {
            "beat_seconds_ago": round((now - row.beat_at).total_seconds(), 1),
            "late": now - row.beat_at > stale,
        }
        for row in list_workers(connection)
    ]


def integrity_panel(service: Service) -> dict[str, Any]:
    """A fresh check with its recovery plan, and the state of the latest repair started here."""
    report = run_check(service.engine, service.settings.output_dir, service.now())
    service.metrics.observe_check(report)
    latest = service.integrity.latest
    return {
        **report.as_dict(),
        "plan": make_plan(report.findings).as_dict(),
        "run": latest.as_dict() if latest else None,
    }
