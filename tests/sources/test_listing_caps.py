"""A listing longer than a collector reads (its MAX_PAGES) is not an answer: the packages past the cap
were never seen, so the source must not end `ok` — else a package listed there reads as "not published",
and a manifest declaring it as a confirmed orphan (design §2: an empty answer is evidence of absence only
when the call could have answered). The same rule as GitLab's lister (`gitlab_lists.list_pages`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import stamina

from distscout.http import Outcome
from distscout.repos import parse_repo_ref
from distscout.results import Verdict, judge
from distscout.sources import ecosystems, github_packages
from tests.emulator.fixtures import EmulatorFactory
from tests.sources.helpers import registry_of, upstreams_for

GITHUB_PAGE = 100  # the client's per_page, GitHub's largest
ECOSYSTEMS_PAGE = ecosystems.PER_PAGE


@pytest.fixture(autouse=True)
def _no_backoff() -> Iterator[None]:
    with stamina.set_testing(True, attempts=1):
        yield


def _npm(prefix: str, count: int) -> list[dict[str, str]]:
    return [{"name": f"{prefix}-{i:05}", "package_type": "npm"} for i in range(count)]


def _packages_world() -> dict[str, Any]:
    """Two organisations whose own repository's npm package comes after the others': `fits` has exactly
    MAX_PAGES full pages (its package is the last of page 10), `spills` one more (alone on page 11)."""
    full = github_packages.MAX_PAGES * GITHUB_PAGE
    repos: list[dict[str, Any]] = []
    for owner in ("fits", "spills"):
        others = full - 1 if owner == "fits" else full
        repos += [
            {"url": f"https://github.com/{owner}/other", "owner_type": "Organization",
             "github_packages": _npm("other", others)},
            {"url": f"https://github.com/{owner}/widget", "owner_type": "Organization",
             "github_packages": [{"name": "widget", "package_type": "npm"}]},
        ]  # fmt: skip
    return {"format": 1, "repos": repos, "packages": []}


async def test_github_packages_past_the_page_cap_are_not_an_answer_of_absence(
    emulator_factory: EmulatorFactory,
) -> None:
    server = emulator_factory(_packages_world())
    async with upstreams_for(server) as upstreams:
        fits = await github_packages.collect(upstreams.github, parse_repo_ref("fits/widget"), "Organization")
        spills = await github_packages.collect(
            upstreams.github, parse_repo_ref("spills/widget"), "Organization"
        )

    # Exactly MAX_PAGES pages: the whole listing was read, a complete answer that finds the package.
    assert fits.outcome is Outcome.OK and not fits.detail
    assert [r.package_name for r in registry_of(fits, "fits/widget")] == ["@fits/widget"]
    assert judge([fits]) is Verdict.COMPLETE

    # One page more: the 11th page is never read, so the package on it is unknown, not absent.
    assert spills.outcome is Outcome.TRANSIENT
    assert judge([spills]) is Verdict.PARTIAL, "the scan is not complete: the package may be past the cap"
    assert spills.detail == "more than 10 pages of npm packages at /orgs/spills/packages"
    npm = [c for c in spills.captures if c.subject == "npm"]
    assert len(npm) == github_packages.MAX_PAGES, "the pages read stay captured"
    assert not registry_of(spills, "spills/widget")


def _ecosystems_world(count: int) -> dict[str, Any]:
    return {
        "format": 1,
        "repos": [{"url": "https://github.com/acme/mono"}],
        "packages": [
            {
                "ecosystem": "npm",
                "name": f"@acme/p{i:05}",
                "repository_url": "https://github.com/acme/mono",
                "sources": ["ecosystems"],
            }
            for i in range(count)
        ],
    }


async def test_ecosystems_lookup_past_the_page_cap_is_not_an_answer(
    emulator_factory: EmulatorFactory,
) -> None:
    # One package more than MAX_PAGES full pages of the single lookup hold (pagy countless: `rel="next"`).
    server = emulator_factory(_ecosystems_world(ecosystems.MAX_PAGES * ECOSYSTEMS_PAGE + 1))
    mono = parse_repo_ref("acme/mono")
    async with upstreams_for(server) as upstreams:
        result = await ecosystems.collect(upstreams.ecosystems, mono)

    assert result.outcome is Outcome.TRANSIENT
    assert judge([result]) is Verdict.FAILED
    assert result.detail == "more than 10 pages of packages for https://github.com/acme/mono"
    assert not result.captures, "a partial list is not an answer (as when a page fails)"
    assert server.stats()["ecosystems"]["requests"] == ecosystems.MAX_PAGES, "the 11th page is not asked"
