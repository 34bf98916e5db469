"""Orphan triage over the shared corpus world (issue 18): every orphan of the scanned corpus has the verdict
the world's registry facts give, read off the world here without distscout's triage code."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

from distscout.ecosystems import DEPSDEV_SYSTEMS, ECOSYSTEMS_REGISTRIES, normalize_name
from distscout.emulator.model import World
from distscout.emulator.world import load_world
from tests.corpus import CORPUS


def _facts(world: World, repo_url: str, ecosystem: str, name: str) -> str:
    if ecosystem in DEPSDEV_SYSTEMS:
        service = "depsdev"
    elif ecosystem in ECOSYSTEMS_REGISTRIES:
        service = "ecosystems"
    else:
        return "unknown"  # no registry answers name lookups there
    wanted = normalize_name(ecosystem, name)
    known = [
        p
        for p in world.packages
        if p.ecosystem == ecosystem and service in p.sources and normalize_name(ecosystem, p.name) == wanted
    ]
    if not known:
        return "unregistered"
    link = known[0].repository_url
    if link is None:
        return "unlinked"
    spelled = link.lower().removeprefix("git+").removesuffix("/").removesuffix(".git")
    spelled = spelled.replace("http://", "https://").replace("://www.", "://")
    if spelled != repo_url.lower():
        return "taken"
    return "linked" if link.lower() == repo_url.lower() else "unlinked"


def test_every_corpus_orphan_has_the_verdict_of_the_worlds_facts(scanned_corpus: Path) -> None:
    world = load_world(CORPUS / "world")
    with sqlite3.connect(scanned_corpus) as connection:
        rows = connection.execute(
            "SELECT r.host, r.owner, r.name, m.manifest_path, m.manifest_type, m.package_name_declared,"
            " m.verdict"
            " FROM repo_distribution_manifest m JOIN repos r ON r.id = m.repo_id"
            " WHERE m.verdict IS NOT NULL AND m.verdict != 'invalid-name'"
        ).fetchall()
    assert rows, "the corpus has orphans to triage"
    print("corpus verdicts:", Counter(row[-1] for row in rows))  # shown with -s: the figures of the note
    for host, owner, name, path, ecosystem, declared, verdict in rows:
        wanted = _facts(world, f"https://{host}/{owner}/{name}", ecosystem, declared)
        assert verdict == wanted, f"{owner}/{name} {path} ({ecosystem} {declared})"
