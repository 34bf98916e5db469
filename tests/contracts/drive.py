"""distscout's own GitHub clients, run against a recording emulator in every mode they have.

What the contract tests check is what these runs sent and received: the requests come from the clients'
code (their paths, parameters and GraphQL documents), not from a list written for the tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import stamina

from distscout.emulator.budget import Limits
from distscout.manifests.walk import WalkMode
from distscout.repos import RepoRef, parse_repo_ref
from distscout.scanner import scan_repo
from distscout.sources import github_manifests
from distscout.sources.github_org import OrgListingError, list_org_repos, list_user_repos
from tests.contracts.recording import Exchange, recorded
from tests.emulator.worlds import github, tiny_world
from tests.sources.helpers import settings_for, upstreams_for

REST_ONLY = {"github_graphql": False, "ecosystems_bulk": False}
BIG_ORG_REPOS = 101  # one more than a page of `/orgs/{org}/repos?per_page=100`: a next page
REFS = (
    "acme/widget",
    "acme/gadget",  # archived, another default branch
    "acme/empty",  # no tree: 409 and 404 answers
    "Solo/Tool",  # a user's repository
    "acme/old-widget",  # renamed: 301
    "acme/no-such-repo",  # 404
    "bigorg/repo-0",
)


def contract_world() -> dict[str, Any]:
    world = tiny_world()
    widget = world["repos"][0]
    widget["files"]["docs/big.json"] = '{"name": "big", "pad": "' + "x" * 520_000 + '"}'  # GraphQL cuts it
    widget["files"]["bin/nul.dat"] = "abc\x00def"
    widget["releases"].insert(0, {"tag_name": "v2.0.0-rc1", "draft": True})
    world["repos"] += [
        {"url": f"https://github.com/bigorg/repo-{i}", "paths": ["README"]} for i in range(BIG_ORG_REPOS)
    ]
    return world


def refs() -> list[RepoRef]:
    return [parse_repo_ref(f"github.com/{ref}") for ref in REFS]


async def _scan_all(server: Any, **overrides: Any) -> None:
    settings = settings_for(server, **overrides)
    async with upstreams_for(server, **overrides) as upstreams:
        await asyncio.gather(*(scan_repo(upstreams, ref, settings) for ref in refs()))
        for org in ("bigorg", "acme", "Solo", "nobody-at-all"):
            with suppress(OrgListingError):
                await list_org_repos(upstreams.github, org)
            with suppress(OrgListingError):
                await list_user_repos(upstreams.github, org)  # GitHub lists an organization's too


async def _walks(server: Any) -> None:
    """The manifest walks' other paths: a truncated tree walked sub-tree by sub-tree; the baseline plan."""
    async with upstreams_for(server, **REST_ONLY) as upstreams:
        for ref in refs()[:4]:
            await github_manifests.collect(upstreams.github, ref)
            await github_manifests.collect(upstreams.github, ref, mode=WalkMode.BASELINE)


def run_clients() -> Iterator[Exchange]:
    """Every GitHub exchange of distscout's clients in every mode: with a token through GraphQL and through
    REST, without a token, with a token that cannot read packages, with a spent budget, with small caps."""
    with stamina.set_testing(True, attempts=1):
        with recorded(contract_world()) as (server, recorder):
            asyncio.run(_scan_all(server))
            asyncio.run(_scan_all(server, **REST_ONLY))
            asyncio.run(_scan_all(server, github_token=None))
            server.set_faults({"github": {"quirks": {"token_kind": "fine_grained"}}})
            asyncio.run(_scan_all(server, **REST_ONLY))
            yield from recorder.of("github")
        small = Limits(tree_entry_cap=3, contents_entry_cap=2, github_token_per_hour=40)
        with recorded(contract_world(), limits=small) as (server, recorder):
            asyncio.run(_walks(server))
            asyncio.run(_scan_all(server, **REST_ONLY))  # the budget runs out: 403s
            yield from recorder.of("github")


def run_probes() -> Iterator[Exchange]:
    """Requests the clients do not send, on the routes they use: GitHub's other documented answers."""
    world = contract_world()
    with recorded(world) as (server, recorder):
        widget = server.emulator.world.repos_by_key["acme/widget"]
        blob = next(entry.sha for entry in widget.tree.descendants("") if entry.type == "blob")
        with github(server) as api:
            api.get("/rate_limit")
            api.get(f"/repos/acme/widget/git/trees/{blob}")  # a blob is not a tree: 422
            api.get("/repos/acme/widget/git/blobs/0000000000000000000000000000000000000000")
            api.get("/repos/acme/widget/contents/no/such/file")
            api.get("/repos/acme/widget/contents/setup.cfg")
            api.get("/repos/acme/widget/releases", params={"per_page": "1", "page": "2"})
            api.get("/users/acme/packages", params={"package_type": "npm"})  # an organization: 404
            api.get("/orgs/acme/packages", params={"package_type": "pip"})  # no such type: 400
            api.get("/orgs/acme/packages", params={"package_type": "npm", "visibility": "private"})
            api.get("/orgs/Solo/repos")  # a user: 404
            api.get("/orgs/bigorg/repos", params={"per_page": "100", "page": "2"})
        with github(server, token=None) as anonymous:
            anonymous.get("/rate_limit")
            anonymous.get("/repos/acme/widget")
        yield from recorder.of("github")
