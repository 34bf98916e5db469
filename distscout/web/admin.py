"""Admin routes (POST only, bearer token, fail closed): track repositories, queue a recheck, reprocess one
repository from its stored input, run the integrity check and carry out its recovery plan."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from distscout.integrity.repair import NothingStored, queue_rechecks, reprocess_repo
from distscout.repos import RepoRef, RepoRefError, parse_repo_ref
from distscout.store.repos import add_repos
from distscout.web.auth import require_admin, service
from distscout.web.errors import errors
from distscout.web.service import Service
from distscout.web.status import ForgePath, Host, Name, Owner, forge_repo_ref, repo_ref, tracked_name

router = APIRouter(
    prefix="/api/admin", tags=["admin"], dependencies=[Depends(require_admin)], responses=errors(401, 503)
)
Current = Annotated[Service, Depends(service)]


class NewRepos(BaseModel):
    repos: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=1, max_length=10_000, description="URLs or owner/name; one bad entry and none is added."
    )


class RepairOnly(StrEnum):
    recheck = "recheck"
    reprocess = "reprocess"


@router.post("/repos", responses=errors(422))
def add(current: Current, body: NewRepos) -> dict[str, list[str]]:
    """Track repositories (like `distscout repos add`): all of them, or none when one is invalid."""
    refs = []
    for index, text in enumerate(body.repos):
        try:
            refs.append(parse_repo_ref(text, current.settings.forges()))
        except RepoRefError as exc:
            raise HTTPException(422, f"repos[{index}]: {exc}") from None
    with current.engine.begin() as connection:
        added, existing = add_repos(connection, refs, current.now())
    return {"added": [r.display for r in added], "already_tracked": [r.display for r in existing]}


@router.post("/repos/{owner}/{name}/recheck", status_code=202, responses=errors(404, 422))
def recheck(current: Current, owner: Owner, name: Name) -> dict[str, Any]:
    """Queue the repository for the scheduler, ahead of cadence work (as the integrity recovery does)."""
    return _recheck(current, repo_ref(owner, name))


@router.post("/repos/{host}/{path:path}/recheck", status_code=202, responses=errors(404, 422))
def recheck_on_forge(current: Current, host: Host, path: ForgePath) -> dict[str, Any]:
    """The same, for a repository off GitHub (`gitlab.com/group/sub/project`)."""
    return _recheck(current, forge_repo_ref(current, host, path))


@router.post("/repos/{owner}/{name}/reprocess", responses=errors(404, 409, 422))
def reprocess(current: Current, owner: Owner, name: Name) -> dict[str, Any]:
    """Rebuild the repository's rows and recorded outputs from its stored captures (no network)."""
    return _reprocess(current, repo_ref(owner, name))


@router.post("/repos/{host}/{path:path}/reprocess", responses=errors(404, 409, 422))
def reprocess_on_forge(current: Current, host: Host, path: ForgePath) -> dict[str, Any]:
    """The same, for a repository off GitHub."""
    return _reprocess(current, forge_repo_ref(current, host, path))


def _recheck(current: Service, ref: RepoRef) -> dict[str, Any]:
    return {"queued": queue_rechecks(current.engine, [tracked_name(current, ref)])}


def _reprocess(current: Service, ref: RepoRef) -> dict[str, Any]:
    full_name = tracked_name(current, ref)
    try:
        rebuilt = reprocess_repo(current.engine, full_name, current.settings.output_dir, current.now())
    except NothingStored as exc:
        raise HTTPException(409, str(exc)) from None
    return {"reprocessed": rebuilt}


@router.post("/integrity", status_code=202, responses={200: {"description": "a repair is already running"}})
def integrity(current: Current, only: RepairOnly | None = None) -> JSONResponse:
    """Run the integrity check and carry out its recovery plan, in the background: poll
    `GET /api/integrity/run`. While one runs, answers 200 with that run instead of starting another."""
    state, started = current.integrity.start(only.value if only else None)
    return JSONResponse({"run": state.as_dict(), "started": started}, 202 if started else 200)
