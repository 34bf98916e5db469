"""Every list of the API and the dashboard pages on the server: a total, `next` / `previous` cursors and
`Link` headers, sorting by any shown column, filters, exports of the same rows — over the scanned corpus
(40 repositories)."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from distscout.store.queries import package_search
from distscout.web import paged, pages
from distscout.web.service import Service
from tests.web.conftest import ADMIN

CORPUS_ORPHANS = {"conda-forge/pip-feedstock", "conda-forge/requests-feedstock", "synthetic/legacy-setup"}


def follow(client: TestClient, url: str, rel: str = "next") -> tuple[list[Any], int]:
    """Every row reached by following the `Link` header's `rel` from `url`; and how many requests."""
    rows, requests = [], 0
    next_url: str | None = url
    while next_url:
        answer = client.get(next_url)
        assert answer.status_code == 200, answer.text
        assert int(answer.headers["X-Total-Count"]) == answer.json()["total"]
        rows += answer.json()["items"]
        requests += 1
        links = {r: u for u, r in re.findall(r'<([^>]+)>; rel="(\w+)"', answer.headers.get("Link", ""))}
        next_url = links.get(rel)
    return rows, requests


@pytest.mark.parametrize(("sort", "order"), [("repo", "asc"), ("last_run", "desc"), ("orphans", "desc")])
def test_link_headers_page_through_the_whole_list(client: TestClient, sort: str, order: str) -> None:
    whole = client.get("/api/repos", params={"sort": sort, "order": order, "limit": 1000}).json()
    rows, requests = follow(client, f"/api/repos?sort={sort}&order={order}&limit=7")
    assert rows == whole["items"] and whole["total"] == 40
    assert requests == 6  # 40 rows, 7 a page


def test_pages_link_back_and_to_the_first(client: TestClient) -> None:
    first = client.get("/api/repos", params={"limit": 10})
    assert "first" not in first.headers["Link"] and first.json()["previous"] is None
    second = client.get("/api/repos", params={"limit": 10, "cursor": first.json()["next"]})
    links = {r: u for u, r in re.findall(r'<([^>]+)>; rel="(\w+)"', second.headers["Link"])}
    assert set(links) == {"next", "prev", "first"} and "cursor" not in links["first"]
    back = client.get(links["prev"]).json()
    assert back["items"] == first.json()["items"]


def test_sorting_by_a_column_orders_by_it(client: TestClient) -> None:
    rows = client.get("/api/repos", params={"sort": "orphans", "order": "desc", "limit": 5}).json()["items"]
    assert {r["repo"] for r in rows[:3]} == CORPUS_ORPHANS and rows[0]["orphans"] >= rows[3]["orphans"]
    names = [r["repo"] for r in client.get("/api/repos", params={"limit": 1000}).json()["items"]]
    assert names == sorted(names)


def test_repo_filters(client: TestClient) -> None:
    def names(**params: str) -> set[str]:
        return {
            r["repo"] for r in client.get("/api/repos", params={"limit": "1000", **params}).json()["items"]
        }

    assert names(has_orphan="true") == CORPUS_ORPHANS
    assert names(q="FEEDSTOCK") == {"conda-forge/pip-feedstock", "conda-forge/requests-feedstock"}
    assert names(ecosystem="cargo") >= {"BurntSushi/ripgrep", "serde-rs/serde"}
    assert "pallets/flask" not in names(ecosystem="cargo")
    assert names(verdict="unregistered") == {"synthetic/legacy-setup"}
    assert names(status="complete") | names(status="partial") | names(status="not_found") == names()
    assert names(archived="true").isdisjoint(names(archived="false"))


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/api/repos?ecosystem=pipy", "ecosystem: 'pipy' is not one of "),
        ("/api/orphans?ecosystem=rust", "ecosystem: 'rust' is not one of "),
        ("/api/unclaimed?ecosystem=nope", "ecosystem: 'nope' is not one of "),
        ("/api/repos?sort=stars", "sort: 'stars' is not one of repo, last_run, scan"),
        ("/api/repos?cursor=garbage", "cursor: not a cursor this list gave"),
        ("/api/repos?status=done", "status: Input should be 'complete'"),
        ("/api/unclaimed?kind=binary", "kind: Input should be 'language' or 'distro'"),
        ("/api/repos?order=up", "order: Input should be 'asc' or 'desc'"),
        ("/api/repos?limit=1001", "limit"),
    ],
)
def test_bad_list_parameters_say_what_is_known(client: TestClient, path: str, says: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 422 and says in answer.json()["error"], answer.text
    if "ecosystem" in says:
        assert "pypi" in answer.json()["error"] and "cargo" in answer.json()["error"]


def test_a_cursor_only_goes_with_its_own_list_and_order(client: TestClient) -> None:
    cursor = client.get("/api/repos", params={"limit": 3}).json()["next"]
    for path in ("/api/orphans?", "/api/repos?order=desc&", "/api/repos?sort=last_run&"):
        answer = client.get(f"{path}cursor={cursor}")
        assert answer.status_code == 422 and "start again from the first page" in answer.json()["error"]


def test_exports_are_the_same_rows_as_the_pages(client: TestClient) -> None:
    params = {"sort": "repo", "order": "desc", "has_orphan": "true"}
    page = client.get("/api/repos", params=params).json()
    as_csv = client.get("/api/repos", params={**params, "format": "csv", "limit": "1"})
    assert as_csv.headers["content-type"].startswith("text/csv") and as_csv.headers["X-Total-Count"] == "3"
    assert 'filename="repos.csv"' in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert (
        [r["repo"] for r in rows]
        == [r["repo"] for r in page["items"]]
        == sorted(CORPUS_ORPHANS, reverse=True)
    )
    lines = client.get("/api/orphans", params={"format": "jsonl", "verdict": "taken"}).text.splitlines()
    assert [json.loads(line)["verdict"] for line in lines] == ["taken", "taken"]
    assert client.get("/api/unclaimed", params={"format": "csv"}).text.strip() == ""  # the corpus has none


def test_invalid_json_says_where(client: TestClient) -> None:
    answer = client.post(
        "/api/admin/repos",
        content=b'{"repos":\n  ["a/b",]}',
        headers={**ADMIN, "content-type": "application/json"},
    )
    assert answer.status_code == 422
    assert answer.json()["error"].startswith("body: invalid JSON at line 2, column 10")


def test_repos_page_pages_sorts_and_filters(client: TestClient) -> None:
    page = client.get("/repos", params={"limit": "5"}).text
    assert len(re.findall(r'<tr><td><a href="/repos/', page)) == 5
    assert "showing 5 of 40 repositories" in page
    next_link = re.search(r'<a href="([^"]+)" rel="next">', page)
    assert next_link and "cursor=" in next_link.group(1) and "limit=5" in next_link.group(1)
    second = client.get(next_link.group(1).replace("&amp;", "&")).text
    first_rows = set(re.findall(r'<tr><td><a href="(/repos/[^"]+)"', page))
    assert first_rows.isdisjoint(re.findall(r'<tr><td><a href="(/repos/[^"]+)"', second))
    assert 'rel="prev"' in second and 'rel="first"' in second
    assert 'aria-sort="ascending"><a href="/repos?limit=5&amp;sort=repo&amp;order=desc"' in page
    assert 'href="/api/repos?format=csv"' in page or 'href="/api/repos?format=csv' in page
    filtered = client.get("/repos", params={"q": "flask", "status": "", "archived": ""}).text
    assert re.findall(r'<tr><td><a href="(/repos/[^"]+)"', filtered) == ["/repos/pallets/flask"]
    assert 'href="/api/repos?q=flask&amp;format=csv"' in filtered
    empty = client.get("/repos", params={"q": "no-such-thing"}).text
    assert "No repository matches these filters." in empty


def test_pages_refuse_bad_filters_in_words(client: TestClient) -> None:
    answer = client.get("/repos", params={"ecosystem": "pipy"})
    assert answer.status_code == 422 and "is not one of" in answer.text and "<html" in answer.text
    assert client.get("/repos", params={"archived": "maybe"}).status_code == 422


def test_orphans_page_sorts_filters_and_exports(client: TestClient) -> None:
    page = client.get("/orphans", params={"sort": "repo", "order": "desc"}).text
    repos = re.findall(r'<td><a href="/repos/([^"]+)">', page)
    assert repos[:3] == sorted(CORPUS_ORPHANS, reverse=True)
    taken = client.get("/orphans", params={"verdict": "taken", "ecosystem": "conda"}).text
    assert taken.count('class="verdict verdict-taken"') == 2
    assert 'href="/api/orphans?verdict=taken&amp;ecosystem=conda&amp;format=jsonl"' in taken


def test_unclaimed_page_shows_distribution_packages_apart(client: TestClient) -> None:
    page = client.get("/unclaimed").text
    assert 'data-kind="language"' in page and 'data-kind="distro"' in page
    assert "No unclaimed packages." in page


def test_a_packages_rows_page_through_like_any_list(client: TestClient, service: Service) -> None:
    with service.engine.connect() as connection:
        found = package_search(connection, "pypi", "Flask")
    rows, requests = follow(client, "/api/packages/published?package=pypi/Flask&limit=1")
    assert requests == found["published_total"] > 1
    assert sorted((r["repo"], r["source"], r["registry"]) for r in rows) == sorted(
        (r["repo"], r["source"], r["registry"]) for r in found["published_by"]
    )
    declared, _ = follow(client, "/api/packages/declared?package=PyPI/flask")
    assert [r["manifest_path"] for r in declared] == [r["manifest_path"] for r in found["declared_by"]]
    answer = client.get("/api/packages/published", params={"package": "requests"})
    assert answer.status_code == 422 and "expected ecosystem/name" in answer.json()["error"]
    export = client.get("/api/packages/published", params={"package": "npm/Ā", "format": "csv"})
    assert 'filename="published-npm-.csv"' in export.headers["content-disposition"]


def test_the_search_page_links_to_every_row_when_it_shows_some(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "SEARCH_ROWS", 1)
    search = client.get("/packages", params={"package": "pypi/Flask"}).text
    assert 'href="/packages/published?package=pypi/Flask">page through them all</a>' in search
    page = client.get("/packages/published", params={"package": "pypi/Flask", "limit": "1"}).text
    assert "showing 1 of " in page and 'rel="next"' in page and "pallets/flask" in page
    assert client.get("/packages/elsewhere", params={"package": "pypi/Flask"}).status_code == 422


def test_parquet_needs_pyarrow_on_the_server(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paged, "parquet_available", lambda: False)
    answer = client.get("/api/repos", params={"format": "parquet"})
    assert answer.status_code == 422 and "pip install pyarrow" in answer.json()["error"]
    assert 'data-export="parquet"' not in client.get("/repos").text  # not offered


def test_parquet_export_is_the_same_rows(client: TestClient) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq  # type: ignore[import-not-found, import-untyped, unused-ignore]

    assert 'data-export="parquet"' in client.get("/orphans").text
    answer = client.get("/api/orphans", params={"format": "parquet", "sort": "repo"})
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(answer.content))
    rows = client.get("/api/orphans", params={"sort": "repo"}).json()["items"]
    assert table.column("repo").to_pylist() == [r["repo"] for r in rows]
    assert [json.loads(v) for v in table.column("registries_answered_at").to_pylist()] == [
        r["registries_answered_at"] for r in rows
    ]
    repos = pq.read_table(io.BytesIO(client.get("/api/repos", params={"format": "parquet"}).content))
    assert repos.num_rows == 40 and str(repos.schema.field("failed_attempts").type) == "int64"
