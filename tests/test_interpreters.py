"""The interpreter list is the registry of evidence sources: names, registries and coverage come from it,
and `interpret()` dispatches through it, so a new source's interpreter is one module and one line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from distscout import interpreters
from distscout.captures import Capture
from distscout.config import ALL_SOURCES
from distscout.interpret import interpret
from distscout.interpreters import (
    Interpretation,
    Interpreter,
    evidence_sources,
    registry_coverage,
    registry_sources,
)
from distscout.observations import RegistryObservation


def test_names_are_unique_and_the_settings_take_them_all() -> None:
    names = evidence_sources()
    assert len(set(names)) == len(names)
    assert names == ALL_SOURCES
    assert set(registry_sources()) == {
        *("deps.dev", "ecosyste.ms", "github_packages", "gitlab_packages"),
        "name_lookup",  # a linked or unlinked name is registry evidence …
    }
    assert "name_lookup" not in registry_coverage(), "… but its silence never leaves an orphan unconfirmed"


def _read(captures: Sequence[Capture], repo_full_name: str) -> Interpretation:
    return Interpretation(
        registry=tuple(
            RegistryObservation("npm", c.body.decode(), "example.registry")
            for c in captures
            if c.status == 200
        )
    )


def test_a_registered_interpreter_gets_its_own_captures(monkeypatch: pytest.MonkeyPatch) -> None:
    extra = Interpreter("example.registry", _read, registry=True, coverage=frozenset({"npm"}))
    monkeypatch.setattr(interpreters, "INTERPRETERS", (*interpreters.INTERPRETERS, extra))
    now = datetime.now(UTC)
    captured = [
        Capture("example.registry", "example.lookup", "GET /x", 200, b"left-pad", now),
        Capture("deps.dev", "depsdev.packageversions", "GET /y", 404, b"{}", now),
    ]
    found = interpret(captured, "acme/widget")
    assert [(r.source, r.package_name) for r in found.registry] == [("example.registry", "left-pad")]
    assert "example.registry" in evidence_sources() and "example.registry" in registry_sources()
    assert interpreters.registry_coverage()["example.registry"] == frozenset({"npm"})
