"""What an integrity check finds, and what it proposes to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FindingClass(StrEnum):
    MISSING_PRIMARY = "missing_primary"  # committed input is gone: only the upstream can give it back
    MISSING_SECONDARY = "missing_secondary"  # an output is gone while its input is there
    STALE_SECONDARY = "stale_secondary"  # an output built by older code, or before its input changed
    MALFORMED_SECONDARY = "malformed_secondary"  # an output that does not parse or contradicts its input
    BLOCKED_BY_INPUT = "blocked_by_input"  # a derivative whose parent lacks input: fix the parent
    # a finding (orphan, unclaimed) whose evidence did not all arrive: an upstream was silent for the repo
    PARTIAL_EVIDENCE = "partial_evidence"


class Action(StrEnum):
    RECHECK = "recheck"  # fetch upstream again (the scheduler claims the repo ahead of cadence work)
    REPROCESS = "reprocess"  # rebuild locally from stored input; never a network request


@dataclass(frozen=True, order=True)
class Finding:
    finding_class: FindingClass
    subject: (
        str  # what is wrong: "repo:owner/name", "report:orphans", "card:owner/name", "history:owner/name"
    )
    action: Action
    target: str  # what the action applies to: a repository "owner/name", or an output name
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "class": self.finding_class.value,
            "subject": self.subject,
            "action": self.action.value,
            "target": self.target,
            "reason": self.reason,
        }


def repo_subject(full_name: str) -> str:
    return f"repo:{full_name}"
