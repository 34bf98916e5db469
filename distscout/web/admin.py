"""Admin routes (POST only, bearer token, fail closed): track repositories, queue a recheck, reprocess one
repository from its stored input, run the integrity check and carry out its recovery plan."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from distscout.integrity.repair import NothingStored, queue_rechecks, reprocess_repo
from distscout.repos import RepoRefError, parse_repo_ref
from distscout.store.repos import add_repos
from distscout.web.auth import require_admin, service
from distscout.web.errors import errors
from distscout.web.service import Service
from distscout.web.status import Name, Owner, tracked_name

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
            refs.append(parse_repo_ref(text))
        except RepoRefError as exc:
            raise HTTPException(422, f"repos[{index}]: {exc}") from None
    with current.engine.begin() as connection:
        added, existing = add_repos(connection, refs, current.now())
    return {"added": [r.full_name for r in added], "already_tracked": [r.full_name for r in existing]}


@router.post("/repos/{owner}/{name}/recheck", status_code=202, responses=errors(404, 422))
def recheck(current: Current, owner: Owner, name: Name) -> dict[str, Any]:
    """Queue the repository for the scheduler, ahead of cadence work (as the integrity recovery does)."""
    full_name = tracked_name(current, owner, name)
    return {"queued": queue_rechecks(current.engine, [full_name])}


@router.post("/repos/{owner}/{name}/reprocess", responses=errors(404, 409, 422))
def reprocess(current: Current, owner: Owner, name: Name) -> dict[str, Any]:
    """Rebuild the repository's rows and recorded outputs from its stored captures (no network)."""
    full_name = tracked_name(current, owner, name)
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
