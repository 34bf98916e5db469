"""Keyset pagination of the reports (distscout.store.paging / listings), on both backends: walking the
pages forwards or backwards gives every row exactly once in the order of one unpaged read, whatever the
sort; filters narrow; a cursor from elsewhere is refused."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, update

from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from distscout.store.listings import (
    ListFilters,
    check_filters,
    orphans_listing,
    repos_listing,
    unclaimed_listing,
    unconfirmed_listing,
)
from distscout.store.paging import MAX_LIMIT, Listing, PageError, PageRequest, read_page
from distscout.store.queries import orphans, unclaimed
from distscout.store.repos import add_repos
from distscout.store.schema import repos
from tests.emulator.fixtures import EmulatorFactory
from tests.store.helpers import Clock, scan_due, tracked

SCANNED = [
    "pallets/flask",
    "synthetic/legacy-setup",
    "synthetic/deep-monorepo",
    "synthetic/unpublished-crate",
    "synthetic/archived-lib",
    "synthetic/tricky-names",
    "conda-forge/requests-feedstock",
    "psf/requests",
]
UNSCANNED = [f"zeta-{i % 3}/Repo-{i:02d}" for i in range(9)] + ["Acme/aardvark", "acme/Zebra"]


@pytest.fixture
async def fleet(database_url: str, corpus_emulator: EmulatorServer) -> Engine:
    clock = Clock()
    engine = tracked(database_url, SCANNED, clock)
    await scan_due(engine, corpus_emulator, clock)
    with engine.begin() as connection:
        add_repos(connection, [parse_repo_ref(r) for r in UNSCANNED], clock() + timedelta(hours=1))
        # failures and an archived flag that are not in name order, so each sort differs
        connection.execute(
            update(repos).where(repos.c.name.like("Repo-0%")).values(distribution_failed_attempts=2)
        )
        connection.execute(update(repos).where(repos.c.owner == "zeta-1").values(archived=True))
    return engine


def walk(connection: Connection, listing: Listing, sort: str, descending: bool, limit: int) -> list[Any]:
    """Every row, read page by page through the `next` cursors."""
    rows, cursor, pages = [], None, 0
    while True:
        page = read_page(connection, listing, PageRequest(sort, descending, limit, cursor))
        assert len(page.rows) <= limit
        rows += page.rows
        pages += 1
        assert pages <= page.total + 1, "the cursors go round in circles"
        if page.next is None:
            return rows
        cursor = page.next


def walk_back(connection: Connection, listing: Listing, sort: str, descending: bool, limit: int) -> list[Any]:
    """Every row, from the last page back to the first through the `previous` cursors."""
    page = read_page(connection, listing, PageRequest(sort, descending, limit))
    while page.next is not None:  # to the last page
        page = read_page(connection, listing, PageRequest(sort, descending, limit, page.next))
    rows = page.rows
    while page.previous is not None:
        page = read_page(connection, listing, PageRequest(sort, descending, limit, page.previous))
        rows = page.rows + rows
    return rows


LISTINGS = {
    "repos": repos_listing,
    "orphans": orphans_listing,
    "unconfirmed": unconfirmed_listing,
    "unclaimed": unclaimed_listing,  # empty here: its own world below
}


@pytest.mark.parametrize("name", sorted(LISTINGS))
def test_every_sort_pages_through_every_row_once_both_ways(fleet: Engine, name: str) -> None:
    listing = LISTINGS[name](ListFilters())
    with fleet.connect() as connection:
        whole = read_page(connection, listing, PageRequest(limit=MAX_LIMIT))
        assert whole.next is None and whole.previous is None
        for sort in listing.sorts:
            for descending in (False, True):
                once = read_page(connection, listing, PageRequest(sort, descending, MAX_LIMIT)).rows
                assert len(once) == whole.total
                assert walk(connection, listing, sort, descending, 2) == once, (sort, descending)
                assert walk_back(connection, listing, sort, descending, 3) == once, (sort, descending)


def test_repos_sort_puts_nulls_last_both_ways_and_orders_by_the_column(fleet: Engine) -> None:
    listing = repos_listing(ListFilters())
    with fleet.connect() as connection:
        for descending in (False, True):
            rows = walk(connection, listing, "last_run", descending, 4)
            runs = [r["last_run"] for r in rows]
            dated = [r for r in runs if r is not None]
            assert runs == dated + [None] * len(UNSCANNED)
            assert dated == sorted(dated, reverse=descending)
        failures = [r["failed_attempts"] for r in walk(connection, listing, "failed_attempts", True, 5)]
        assert failures == sorted(failures, reverse=True) and failures[0] == 2
        assert len(walk(connection, listing, "repo", False, 5)) == len(SCANNED) + len(UNSCANNED)


def test_total_counts_every_row_and_pages_say_how_to_go_on(fleet: Engine) -> None:
    listing = repos_listing(ListFilters())
    with fleet.connect() as connection:
        first = read_page(connection, listing, PageRequest(limit=5))
        second = read_page(connection, listing, PageRequest(limit=5, cursor=first.next))
    assert first.total == second.total == len(SCANNED) + len(UNSCANNED)
    assert first.previous is None and first.next and second.previous and second.next
    assert {r["repo"] for r in first.rows}.isdisjoint(r["repo"] for r in second.rows)
    assert first.as_dict()["items"] == first.rows and first.as_dict()["order"] == "asc"


def test_repo_filters_narrow(fleet: Engine) -> None:
    with fleet.connect() as connection:

        def names(**filters: Any) -> set[str]:
            listing = repos_listing(ListFilters(**filters))
            return {r["repo"] for r in read_page(connection, listing, PageRequest(limit=MAX_LIMIT)).rows}

        everything = names()
        assert names(q="ZETA-1") == {r for r in UNSCANNED if r.startswith("zeta-1")}
        assert names(archived=True) >= {r for r in UNSCANNED if r.startswith("zeta-1")}
        assert names(archived=False) == everything - names(archived=True)
        assert names(status="never") == set(UNSCANNED)
        assert names(status="complete") | names(status="partial") <= set(SCANNED)
        orphaned = {row["repo"] for row in orphans(connection)}
        assert orphaned and names(has_orphan=True) == orphaned
        assert names(has_orphan=False) == everything - orphaned
        assert names(ecosystem="cargo") >= {"synthetic/unpublished-crate"}
        assert "pallets/flask" not in names(ecosystem="cargo")
        for verdict in ("unregistered", "taken", "unknown", "linked"):  # the orphans report's verdicts
            assert names(verdict=verdict) == {row["repo"] for row in orphans(connection, verdict)}, verdict
        assert names(q="100%_") == set()  # LIKE wildcards in the search are literal


def test_orphan_rows_are_the_report_rows_and_filter_by_type(fleet: Engine) -> None:
    with fleet.connect() as connection:
        paged = read_page(connection, orphans_listing(ListFilters()), PageRequest(limit=MAX_LIMIT)).rows
        assert paged == orphans(connection)
        pypi = read_page(connection, orphans_listing(ListFilters(ecosystem="pypi")), PageRequest()).rows
    assert pypi and {r["manifest_type"] for r in pypi} == {"pypi"}


UNCLAIMED_WORLD: dict[str, Any] = {
    "format": 1,
    "repos": [
        {"url": "https://github.com/acme/binary"},  # published, no manifest: unclaimed
        {"url": "https://github.com/acme/tool", "files": {"package.json": '{"name": "tool"}'}},
    ],
    "packages": [
        {
            "ecosystem": "pypi",
            "name": "acme-binary",
            "repository_url": "https://github.com/acme/binary",
            "versions": [{"version": "2.0", "published_at": "2025-02-01T00:00:00Z"}],
        },
        {
            "ecosystem": "npm",
            "name": "binary-cli",
            "repository_url": "https://github.com/acme/binary",
            "sources": ["ecosystems"],
        },
        {"ecosystem": "npm", "name": "tool", "repository_url": "https://github.com/acme/tool"},
    ],
}


async def test_unclaimed_is_one_row_per_package_with_every_source_that_saw_it(
    database_url: str, emulator_factory: EmulatorFactory
) -> None:
    clock = Clock()
    engine = tracked(database_url, ["acme/binary", "acme/tool"], clock)
    await scan_due(engine, emulator_factory(UNCLAIMED_WORLD), clock)
    with engine.connect() as connection:
        rows = read_page(connection, unclaimed_listing(ListFilters()), PageRequest()).rows
        flat = unclaimed(connection)  # the CLI's report: a row per source
        distro = read_page(connection, unclaimed_listing(ListFilters(kind="distro")), PageRequest()).rows
    assert [(r["repo"], r["ecosystem"], r["package_name"], r["kind"]) for r in rows] == [
        ("acme/binary", "npm", "binary-cli", "language"),
        ("acme/binary", "pypi", "acme-binary", "language"),
    ]
    assert rows[0]["sources"] == ["ecosyste.ms"]
    assert rows[1]["sources"] == sorted({r["source"] for r in flat if r["package_name"] == "acme-binary"})
    assert len(rows[1]["sources"]) > 1 and distro == []


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (PageRequest(sort="nope"), "sort: 'nope' is not one of repo, last_run"),
        (PageRequest(limit=0), "limit: 0 is not between 1 and 1000"),
        (PageRequest(cursor="not a cursor!"), "cursor: not a cursor this list gave"),
        (PageRequest(cursor="W10"), "cursor: not a cursor this list gave"),
    ],
)
def test_bad_page_requests_are_refused_in_words(fleet: Engine, request_: PageRequest, message: str) -> None:
    with fleet.connect() as connection, pytest.raises(PageError, match="^" + message.replace("(", r"\(")):
        read_page(connection, repos_listing(ListFilters()), request_)


def test_a_cursor_from_another_list_or_sort_is_refused(fleet: Engine) -> None:
    with fleet.connect() as connection:
        cursor = read_page(connection, repos_listing(ListFilters()), PageRequest(limit=2)).next
        for listing, request in [
            (orphans_listing(ListFilters()), PageRequest(cursor=cursor)),
            (repos_listing(ListFilters()), PageRequest(sort="last_run", cursor=cursor)),
            (repos_listing(ListFilters()), PageRequest(descending=True, cursor=cursor)),
        ]:
            with pytest.raises(PageError, match="belongs to another list or sort order"):
                read_page(connection, listing, request)


def test_unknown_filter_values_name_the_known_ones(fleet: Engine) -> None:
    with fleet.connect() as connection:
        with pytest.raises(PageError, match=r"^ecosystem: 'pipy' is not one of .*\bpypi\b"):
            check_filters(connection, ListFilters(ecosystem="pipy"))
        with pytest.raises(PageError, match=r"^status: 'done' is not one of complete, partial"):
            check_filters(connection, ListFilters(status="done"))
        check_filters(connection, ListFilters(ecosystem="cargo", verdict="taken", kind="distro"))


def test_a_hand_made_cursor_is_refused_in_words_not_a_server_error(fleet: Engine) -> None:
    listing = repos_listing(ListFilters())
    with fleet.connect() as connection:
        genuine = read_page(connection, listing, PageRequest("failed_attempts", False, 2)).next
        assert genuine is not None
        body = json.loads(base64.urlsafe_b64decode(genuine + "=" * (-len(genuine) % 4)))
        body[-1] = [0, "many", "x"]  # the row's keys: text where numbers go
        forged = base64.urlsafe_b64encode(json.dumps(body).encode()).decode()
        try:
            page = read_page(connection, listing, PageRequest("failed_attempts", False, 2, forged))
        except PageError as exc:  # PostgreSQL refuses the types
            assert "not a cursor this list gave" in str(exc)
        else:  # SQLite compares any value with any: a page, never a crash
            assert page.total == len(SCANNED) + len(UNSCANNED)
        assert read_page(connection, listing, PageRequest(limit=1)).rows  # the connection still works
