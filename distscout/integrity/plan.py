"""The recovery plan: one action per target, aimed at the root cause.

- recheck wins: a target queued for recheck is not also reprocessed;
- a derivative waits for its parent: the card or history summary of a repository queued for recheck,
  and every fleet report while any recheck is queued (their input is incomplete), are rebuilt after the
  recheck settles, not now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from distscout.integrity.findings import Action, Finding
from distscout.integrity.outputs import FLEET_REPORTS


@dataclass(frozen=True)
class RecoveryPlan:
    recheck_names: list[str]
    reprocess_names: list[str]
    deferred: list[str] = field(default_factory=list)  # derivatives rebuilt once their parents are rechecked

    def as_dict(self) -> dict[str, Any]:
        return {
            "recheck_names": self.recheck_names,
            "reprocess_names": self.reprocess_names,
            "deferred": self.deferred,
        }


def is_output(name: str) -> bool:
    return ":" in name


def make_plan(findings: list[Finding]) -> RecoveryPlan:
    recheck = sorted({f.target for f in findings if f.action is Action.RECHECK})
    wanted = {f.target for f in findings if f.action is Action.REPROCESS} - set(recheck)
    waiting = {name for name in wanted if _waits(name, set(recheck))}
    return RecoveryPlan(recheck, sorted(wanted - waiting), sorted(waiting))


def _waits(name: str, recheck: set[str]) -> bool:
    if not recheck or not is_output(name):
        return False
    return name in FLEET_REPORTS or name.partition(":")[2] in recheck
