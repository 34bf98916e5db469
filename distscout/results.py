"""What a scan hands to the store: each source's outcome and captures, the forge's word on the repository,
and the verdict they add up to (design §2). Plain data, below both the scanner and the store, so that
persistence never imports the upstream stack.

- complete: every enabled source ended ok or miss, or was not visible with these credentials (a GitHub token
  without `read:packages`: shown as such per repository and in `stats`, never as "nothing published");
- partial: some source answered (data or a clean miss) and some failed transiently (or its breaker was
  open) — stored, and re-claimed ahead of cadence work;
- failed: every enabled source failed and nothing arrived — nothing is stored, the failure count grows;
- not found: the forge answers 404 for the repository, after following renames — stored (its rows go to
  history), rescanned on the cadence, and counted apart: a typo in a fleet file is not a clean "nothing".

A source returns captures only: they are interpreted once, when the store derives the rows from them, so
what a scan reports is what it stored (`Stored`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from distscout.captures import Capture
from distscout.http.outcome import Outcome
from distscout.repos import RepoRef


class Verdict(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class SourceResult:
    source: str
    outcome: Outcome
    captures: tuple[Capture, ...] = ()
    notes: tuple[str, ...] = ()
    detail: str = ""  # why the outcome is not ok, for the operator
    # Its captures are this scan's whole answer, its failed calls included (the name lookup: one capture
    # set per name): they replace the stored ones even when some calls failed, which their verdicts show.
    whole: bool = False

    @property
    def has_data(self) -> bool:
        """Whether the upstream answered anything a scan can store (an answer, or some answered calls)."""
        return self.outcome.is_answer or any(c.status == 200 for c in self.captures)


@dataclass(frozen=True)
class RepoMetadata:
    """The forge's word on a repository: what the scheduler keeps and what later sources need."""

    ref: RepoRef  # the current name (after a rename)
    archived: bool
    default_branch: str
    owner_type: str | None  # "User" | "Organization" (GitLab: "Group")
    renamed_from: RepoRef | None  # the name we asked for, when the forge redirected us
    tree_oid: str | None = None  # GitHub GraphQL only: the default branch's root tree; None if empty
    releases: Any = None  # GitHub GraphQL only: {"totalCount": n, "nodes": [{databaseId, updatedAt, …}]}
    project_id: str | None = None  # GitLab: the numeric project id its API routes take
    empty: bool = False  # GitLab says the repository has no commits: no tree to list


@dataclass(frozen=True)
class ScanResult:
    ref: RepoRef  # the repository as asked for
    metadata: RepoMetadata | None
    results: dict[str, SourceResult] = field(default_factory=dict)
    metadata_capture: Capture | None = None
    metadata_outcome: Outcome | None = None  # how the forge answered the repository's own metadata

    @property
    def verdict(self) -> Verdict:
        if self.metadata is None and self.metadata_outcome is Outcome.MISS:
            return Verdict.NOT_FOUND
        return judge(list(self.results.values()))

    @property
    def current_ref(self) -> RepoRef:
        return self.metadata.ref if self.metadata is not None else self.ref

    def outcomes(self) -> dict[str, str]:
        return {source: result.outcome.value for source, result in self.results.items()}


@dataclass(frozen=True)
class Stored:
    """What the store made of one scan: its verdict and the current rows it now holds."""

    verdict: Verdict
    registry_rows: int = 0
    manifest_rows: int = 0


def judge(results: list[SourceResult]) -> Verdict:
    if results and all(r.outcome.is_settled for r in results):
        return Verdict.COMPLETE
    if any(r.has_data for r in results):
        return Verdict.PARTIAL
    return Verdict.FAILED


def worst(outcomes: list[Outcome]) -> Outcome:
    """One outcome for several calls: a failure anywhere makes the source incomplete."""
    for bad in (Outcome.CIRCUIT_OPEN, Outcome.TRANSIENT, Outcome.PERMANENT, Outcome.NOT_VISIBLE):
        if bad in outcomes:
            return bad
    return Outcome.OK if Outcome.OK in outcomes else Outcome.MISS
