"""The recovery plan: one action per target, aimed at the root cause.

- recheck wins: a target queued for recheck is not also reprocessed;
- a derivative waits for its parent: the card or history summary of a repository queued for recheck,
  and every fleet report while any recheck is queued (their input is incomplete), are rebuilt after the
  recheck settles, not now;
- a repository whose findings rest on partial evidence (an upstream that did not answer for it) is
  rechecked *within its backoff*: it is re-claimed first, as a partial scan is, but not sooner than its
  backoff allows — making it due at once would hammer the upstream that just failed. Its outputs do not
  wait for it (the reports already show its findings as unconfirmed or unknown), and it may still be
  reprocessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distscout.integrity.findings import Action, Finding, FindingClass
from distscout.integrity.outputs import FLEET_REPORTS


@dataclass(frozen=True)
class RecoveryPlan:
    recheck_names: list[str]
    reprocess_names: list[str]
    deferred: list[str] = field(default_factory=list)  # derivatives rebuilt once their parents are rechecked
    recheck_within_backoff: list[str] = field(default_factory=list)  # findings on partial evidence

    def as_dict(self) -> dict[str, Any]:
        return {
            "recheck_names": self.recheck_names,
            "reprocess_names": self.reprocess_names,
            "deferred": self.deferred,
            "recheck_within_backoff": self.recheck_within_backoff,
        }


def is_output(name: str) -> bool:
    return ":" in name


def make_plan(findings: list[Finding]) -> RecoveryPlan:
    partial = {f.target for f in findings if f.finding_class is FindingClass.PARTIAL_EVIDENCE}
    hard = [
        f
        for f in findings
        if f.action is Action.RECHECK and f.finding_class is not FindingClass.PARTIAL_EVIDENCE
    ]
    recheck = sorted({f.target for f in hard})
    wanted = {f.target for f in findings if f.action is Action.REPROCESS} - set(recheck)
    waiting = {name for name in wanted if _waits(name, set(recheck))}
    return RecoveryPlan(recheck, sorted(wanted - waiting), sorted(waiting), sorted(partial - set(recheck)))


def _waits(name: str, recheck: set[str]) -> bool:
    if not recheck or not is_output(name):
        return False
    return name in FLEET_REPORTS or name.partition(":")[2] in recheck
