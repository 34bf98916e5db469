"""The deep walk over every corpus repository finds what `expected.json` says it declares."""

from __future__ import annotations

from pathlib import Path

import pytest

from distscout.manifests.checkout import scan_checkout
from distscout.manifests.declaration import Declaration, ParseStatus
from tests.corpus import CorpusRepo, repos

REPOS = list(repos())


def _scan(repo: CorpusRepo, tmp_path: Path) -> dict[str, Declaration]:
    root = repo.materialize(tmp_path / "checkout")
    return {d.path: d for d in scan_checkout(root).declarations}


@pytest.mark.parametrize("repo", REPOS, ids=[r.slug for r in REPOS])
def test_expected_manifests_found_with_their_names_and_intent(repo: CorpusRepo, tmp_path: Path) -> None:
    found = _scan(repo, tmp_path)
    for path, want in repo.expected["manifests"].items():
        assert path in found, f"{path} not found by the deep walk"
        got = found[path]
        if want["name"] is not None:
            assert got.name == want["name"], (
                f"{path}: {got.name!r} != {want['name']!r} ({got.status}: {got.detail})"
            )
        else:
            # No package here. A parser may still read a name the corpus left out (a BOM-prefixed
            # package.json, which npm reads), but it must not claim intent to publish it.
            assert not got.intent, f"{path}: the corpus says no package, but intent is true"
        if "type" in want:
            assert got.manifest_type == want["type"], path
        if want["published"]:
            assert got.intent, f"{path} is published, but intent is false: {got.intent_reason}"
        if want.get("intent") is False:
            assert not got.intent, f"{path} declares no intent, but intent is true"


def test_hostile_repo_gives_statuses_and_runs_nothing(tmp_path: Path) -> None:
    pwned = Path("/tmp/distscout-pwned")
    pwned.unlink(missing_ok=True)
    (hostile,) = [r for r in REPOS if r.slug == "synthetic/hostile"]
    root = hostile.materialize(tmp_path / "checkout")
    before = sorted(p.relative_to(root) for p in root.rglob("*"))

    found = _scan(hostile, tmp_path)

    assert not pwned.exists(), "setup.py was executed"
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before, "the scan wrote into the checkout"
    assert set(found) == set(hostile.files), "every hostile manifest gets a recorded declaration"
    assert found["package.json"].status is ParseStatus.MALFORMED
    assert found["Cargo.toml"].status is ParseStatus.MALFORMED
    for pom in ("pom.xml", "java/pom.xml"):  # billion laughs; external entity to /etc/passwd
        assert found[pom].status is ParseStatus.MALFORMED
        assert found[pom].name is None
    assert found["DESCRIPTION"].name is None
    assert found["setup.py"].name is None and found["setup.py"].status is not ParseStatus.OK
    assert found["big/package.json"].status is ParseStatus.TOO_LARGE
    assert not any(d.intent for d in found.values())
