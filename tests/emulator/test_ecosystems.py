from __future__ import annotations

from collections.abc import Iterator

import pytest

from distscout.emulator.budget import Limits
from distscout.emulator.faults import ManualClock
from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import client, name_facts_world, tiny_world

LOOKUP = "/api/v1/packages/lookup"
WIDGET = "https://github.com/acme/widget"


@pytest.fixture(scope="module")
def tiny() -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_world()) as server:
        yield server


def test_lookup_shape(tiny: EmulatorServer) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        answer = ecosystems.get(LOOKUP, params={"repository_url": WIDGET})
    assert answer.status_code == 200
    records = {(r["ecosystem"], r["name"]): r for r in answer.json()}
    # maven is deps.dev-only in this world; composer is called packagist upstream
    assert set(records) == {
        ("npm", "@acme/widget"),
        ("pypi", "Acme_Widget"),
        ("packagist", "acme/widget"),
        ("cargo", "widget-ecosystems-only"),
    }
    npm = records[("npm", "@acme/widget")]
    assert npm["purl"] == "pkg:npm/%40acme/widget"
    assert npm["namespace"] == "@acme"
    assert npm["repository_url"] == WIDGET
    assert npm["versions_count"] == 2
    assert npm["first_release_published_at"] == "2025-01-10T09:30:12.000Z"
    assert npm["latest_release_published_at"] == "2025-03-02T17:04:55.000Z"
    assert npm["latest_release_number"] == "2.3.0"
    assert npm["registry"]["name"] == "npmjs.org"
    assert npm["registry"]["ecosystem"] == "npm"
    assert npm["status"] is None
    assert npm["metadata"] == {}
    assert isinstance(npm["id"], int)
    assert records[("packagist", "acme/widget")]["purl"] == "pkg:composer/acme/widget"
    empty = records[("packagist", "acme/widget")]
    assert (empty["versions_count"], empty["latest_release_number"], empty["first_release_published_at"]) == (
        0,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("url", "count"),
    [
        (WIDGET, 4),
        ("HTTPS://GITHUB.COM/ACME/WIDGET", 4),  # case-insensitive
        ("http://github.com/acme/widget", 0),
        ("https://github.com/acme/widget.git", 0),
        ("https://github.com/acme/widget/", 0),
        ("https://github.com/acme/widget/tree/main", 0),
        ("https://www.github.com/acme/widget", 0),
        ("https://github.com/acme/gadget", 0),
    ],
)
def test_lookup_is_an_exact_match(tiny: EmulatorServer, url: str, count: int) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        answer = ecosystems.get(LOOKUP, params={"repository_url": url})
    assert answer.status_code == 200
    assert len(answer.json()) == count


def test_lookup_filters_and_other_modes(tiny: EmulatorServer) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        pypi = ecosystems.get(LOOKUP, params={"repository_url": WIDGET, "ecosystem": "pypi"}).json()
        assert [r["name"] for r in pypi] == ["Acme_Widget"]
        assert ecosystems.get(LOOKUP, params={"repository_url": WIDGET, "ecosystem": "composer"}).json() == []
        by_purl = ecosystems.get(LOOKUP, params={"purl": "pkg:github/acme/widget"}).json()
        assert len(by_purl) == 4
        by_name = ecosystems.get(LOOKUP, params={"ecosystem": "cargo", "name": "solo-tool"}).json()
        assert [r["repository_url"] for r in by_name] == ["https://github.com/Solo/Tool"]
        assert ecosystems.get(LOOKUP).status_code == 400


def test_lookup_pagination(tiny: EmulatorServer) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        first = ecosystems.get(LOOKUP, params={"repository_url": WIDGET, "per_page": 3})
        assert len(first.json()) == 3
        assert first.headers["current-page"] == "1"
        assert 'rel="next"' in first.headers["link"]
        assert 'rel="last"' not in first.headers["link"]  # pagy countless: no last
        second = ecosystems.get(first.links["next"]["url"])
        assert len(second.json()) == 1
        assert 'rel="next"' not in second.headers["link"]
        assert {r["id"] for r in first.json()}.isdisjoint(r["id"] for r in second.json())


BULK = "/api/v1/packages/bulk_lookup"
URLS = [WIDGET, "https://github.com/solo/tool", "https://github.com/nobody/nothing", WIDGET]


def test_bulk_lookup_by_repository_urls_finds_nothing_as_deployed(tiny: EmulatorServer) -> None:
    # upstream-apis.md §2.2: the scope downcases an Array to nil, so every array answers 200 [].
    with client(tiny, "ecosystems") as ecosystems:
        answer = ecosystems.post(BULK, json={"repository_urls": URLS})
        assert (answer.status_code, answer.json()) == (200, [])
        assert ecosystems.post(BULK, json={"repository_urls": [WIDGET], "ecosystem": "npm"}).json() == []
        # One string goes through the same scope as the single lookup, and finds what it finds.
        single = ecosystems.post(BULK, json={"repository_urls": WIDGET}).json()
        assert {r["name"] for r in single} == {r["name"] for r in ecosystems.get(LOOKUP, params={
            "repository_url": WIDGET}).json()} != set()  # fmt: skip
        assert ecosystems.post(BULK, content=b"{oops").status_code == 400
        assert ecosystems.post(BULK, json=["x"]).status_code == 400
        assert ecosystems.get(BULK).status_code == 404


def test_bulk_lookup_by_repository_urls_as_documented(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        tiny_world(), {"ecosystems": {"quirks": {"bulk_repository_urls": "as_documented"}}}
    )
    with client(server, "ecosystems") as ecosystems:
        answer = ecosystems.post(BULK, json={"repository_urls": URLS})
        assert answer.status_code == 200
        assert sorted(r["repository_url"] for r in answer.json()) == [
            "https://github.com/Solo/Tool",
            *[WIDGET] * 4,
        ]
        only_cargo = ecosystems.post(BULK, json={"repository_urls": URLS, "ecosystem": "cargo"}).json()
        assert {r["name"] for r in only_cargo} == {"widget-ecosystems-only", "solo-tool"}
    server.set_faults(None)  # back to the deployed behaviour, whatever was rendered before
    with client(server, "ecosystems") as ecosystems:
        assert ecosystems.post(BULK, json={"repository_urls": URLS}).json() == []


def test_bulk_lookup_by_names_and_purls_works_for_arrays(tiny: EmulatorServer) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        by_name = ecosystems.post(BULK, json={"names": ["solo-tool", "no-such-package"]}).json()
        assert [(r["ecosystem"], r["name"]) for r in by_name] == [("cargo", "solo-tool")]
        scoped = ecosystems.post(BULK, json={"names": ["solo-tool"], "ecosystem": "npm"}).json()
        assert scoped == []
        purls = ["pkg:npm/%40acme/widget", "pkg:cargo/solo-tool", "not a purl"]
        by_purl = ecosystems.post(BULK, json={"purls": purls}).json()
        assert sorted(r["name"] for r in by_purl) == ["@acme/widget", "solo-tool"]
        too_many = ecosystems.post(BULK, json={"purls": ["pkg:npm/a"] * 101})
        assert (too_many.status_code, too_many.json()) == (
            400,
            {"error": "Maximum 100 PURLs allowed per request"},
        )


def test_bulk_lookup_caps_at_1000(emulator_factory: EmulatorFactory) -> None:
    world = tiny_world()
    world["packages"] = [
        {"ecosystem": "npm", "name": f"p{i}", "repository_url": f"https://github.com/o/r{i % 3}"}
        for i in range(1200)
    ]
    server = emulator_factory(world, {"ecosystems": {"quirks": {"bulk_repository_urls": "as_documented"}}})
    with client(server, "ecosystems") as ecosystems:
        urls = [f"https://github.com/o/r{i}" for i in range(3)]
        assert len(ecosystems.post(BULK, json={"repository_urls": urls}).json()) == 1000
        names = [f"p{i}" for i in range(1200)]
        assert len(ecosystems.post(BULK, json={"names": names}).json()) == 1000


def test_rate_limit_headers_and_tiers(tiny: EmulatorServer) -> None:
    tiny.reset()
    with client(tiny, "ecosystems") as anonymous:
        headers = anonymous.get(LOOKUP, params={"repository_url": WIDGET}).headers
        assert (headers["x-ratelimit-tier"], headers["x-ratelimit-limit"]) == ("anonymous", "5000")
        assert headers["x-ratelimit-remaining"] == "4999"
        assert int(headers["x-ratelimit-reset"]) % 3600 == 0  # the end of the clock hour
        polite = anonymous.get(LOOKUP, params={"repository_url": WIDGET, "mailto": "ops@example.org"}).headers
        assert (polite["x-ratelimit-tier"], polite["x-ratelimit-limit"]) == ("polite", "15000")
    with client(tiny, "ecosystems", User_Agent="scout/1 (mailto:ops@example.org)") as polite_ua:
        assert (
            polite_ua.get(LOOKUP, params={"repository_url": WIDGET}).headers["x-ratelimit-tier"] == "polite"
        )
    with client(tiny, "ecosystems", apikey="k1") as keyed:
        assert keyed.get(LOOKUP, params={"repository_url": WIDGET}).headers["x-ratelimit-tier"] == "api_key"


def test_etag_and_304(tiny: EmulatorServer) -> None:
    with client(tiny, "ecosystems") as ecosystems:
        first = ecosystems.get(LOOKUP, params={"repository_url": WIDGET})
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        again = ecosystems.get(LOOKUP, params={"repository_url": WIDGET}, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        other = ecosystems.get(
            LOOKUP, params={"repository_url": WIDGET}, headers={"If-None-Match": '"other"'}
        )
        assert other.status_code == 200


def test_quota_exhaustion_answers_429_without_retry_after(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock(start=7200.0)
    server = emulator_factory(tiny_world(), clock=clock, limits=Limits(ecosystems_anonymous_per_hour=2))
    with client(server, "ecosystems") as ecosystems:
        for _ in range(2):
            assert ecosystems.get(LOOKUP, params={"repository_url": WIDGET}).status_code == 200
        refused = ecosystems.get(LOOKUP, params={"repository_url": WIDGET})
        assert refused.status_code == 429
        assert refused.json() == {
            "error_msg": "Rate limit exceeded. See https://ecosyste.ms/api for details."
        }
        assert "retry-after" not in refused.headers
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert refused.headers["x-ratelimit-reset"] == "10800"
        clock.advance(3600)  # the next clock hour: a fresh window
        assert ecosystems.get(LOOKUP, params={"repository_url": WIDGET}).status_code == 200


def test_corpus_lookup(corpus_emulator: EmulatorServer) -> None:
    with client(corpus_emulator, "ecosystems") as ecosystems:
        records = ecosystems.get(
            LOOKUP, params={"repository_url": "https://github.com/BurntSushi/ripgrep"}
        ).json()
    assert {"homebrew", "conda", "cargo"} <= {r["ecosystem"] for r in records}


@pytest.fixture(scope="module")
def facts() -> Iterator[EmulatorServer]:
    with EmulatorServer(name_facts_world()) as server:
        yield server


REGISTRY = "/api/v1/registries"


@pytest.mark.parametrize(
    ("path", "name", "link"),
    [
        ("npmjs.org/packages/%40acme%2Fwidget", "@acme/widget", WIDGET),
        ("npmjs.org/packages/@acme/widget", "@acme/widget", WIDGET),  # the service routes `id: /.*/`
        (
            "repo1.maven.org/packages/org.acme%3Agizmo",
            "org.acme:gizmo",
            "https://gitlab.com/Acme/Tools/Gizmo.git",
        ),
        ("pypi.org/packages/acme-variant", "acme-variant", "git+https://github.com/Acme/Widget.git"),
        ("pypi.org/packages/acme-widget", "Acme_Widget", WIDGET),  # PyPI: the normalized name finds it
        ("packagist.org/packages/ACME%2FWIDGET", "acme/widget", WIDGET),  # then the lower-cased name
        ("cran.r-project.org/packages/AcmeR", "AcmeR", None),
        ("crates.io/packages/lagging", "lagging", "https://github.com/acme/gadget"),  # lag: names answer
    ],
)
def test_registry_package_lookup(facts: EmulatorServer, path: str, name: str, link: str | None) -> None:
    with client(facts, "ecosystems") as ecosystems:
        answer = ecosystems.get(f"{REGISTRY}/{path}")
    assert answer.status_code == 200
    record = answer.json()
    assert (record["name"], record["repository_url"]) == (name, link)
    assert record["registry"]["name"] == path.partition("/")[0]


@pytest.mark.parametrize(
    "path",
    [
        "npmjs.org/packages/%40acme%2Fmissing",
        "cran.r-project.org/packages/acmer",  # the lower-cased name is tried, not a case-insensitive match
        "nope.example/packages/acme-widget",
        "npmjs.org/packages/",
        "repo1.maven.org/packages/com.acme%3Awidget",  # deps.dev-only in this world
    ],
)
def test_registry_package_lookup_not_found(facts: EmulatorServer, path: str) -> None:
    with client(facts, "ecosystems") as ecosystems:
        answer = ecosystems.get(f"{REGISTRY}/{path}")
    assert (answer.status_code, answer.json()) == (404, {"error": "Not Found"})


def test_registry_record(facts: EmulatorServer) -> None:
    with client(facts, "ecosystems") as ecosystems:
        cran = ecosystems.get(f"{REGISTRY}/cran.r-project.org")
        assert cran.status_code == 200
        assert (cran.json()["name"], cran.json()["ecosystem"]) == ("cran.r-project.org", "cran")
        assert ecosystems.get(f"{REGISTRY}/conda-forge.org").json()["ecosystem"] == "conda"
        unknown = ecosystems.get(f"{REGISTRY}/nope.example")
        assert (unknown.status_code, unknown.json()) == (404, {"error": "Not Found"})


def test_registry_package_lookup_is_budgeted_and_tagged(emulator_factory: EmulatorFactory) -> None:
    clock = ManualClock(start=7200.0)
    server = emulator_factory(name_facts_world(), clock=clock, limits=Limits(ecosystems_anonymous_per_hour=3))
    path = f"{REGISTRY}/hex.pm/packages/nothing-here"
    with client(server, "ecosystems") as ecosystems:
        first = ecosystems.get(f"{REGISTRY}/npmjs.org/packages/%40acme%2Fwidget")
        assert (first.headers["x-ratelimit-tier"], first.headers["x-ratelimit-remaining"]) == (
            "anonymous",
            "2",
        )
        assert first.headers["x-ratelimit-reset"] == "10800"
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        again = ecosystems.get(first.url, headers={"If-None-Match": etag})
        assert (again.status_code, again.headers["etag"]) == (304, etag)
        missing = ecosystems.get(path)  # a 404 is an answer too, and is paid for
        assert (missing.status_code, missing.headers["x-ratelimit-remaining"]) == (404, "1")
        assert ecosystems.get(path).headers["x-ratelimit-remaining"] == "0"
        refused = ecosystems.get(path)
    assert refused.status_code == 429
    assert refused.json() == {"error_msg": "Rate limit exceeded. See https://ecosyste.ms/api for details."}


def test_a_registry_spelling_is_not_found_by_the_https_url(facts: EmulatorServer) -> None:
    # ecosyste.ms matches the stored string (case aside); deps.dev canonicalizes (test_depsdev.py)
    with client(facts, "ecosystems") as ecosystems:
        names = {r["name"] for r in ecosystems.get(LOOKUP, params={"repository_url": WIDGET}).json()}
        assert "acme-variant" not in names and "@acme/widget" in names
        raw = ecosystems.get(LOOKUP, params={"repository_url": "GIT+HTTPS://GITHUB.COM/ACME/WIDGET.GIT"})
        assert [r["name"] for r in raw.json()] == ["acme-variant"]
        by_purl = ecosystems.get(LOOKUP, params={"purl": "pkg:github/acme/widget"}).json()
        assert "acme-variant" not in {r["name"] for r in by_purl}


def test_index_lag_and_null_links_hide_from_reverse_lookups_only(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        name_facts_world(), {"ecosystems": {"quirks": {"bulk_repository_urls": "as_documented"}}}
    )
    gadget = "https://github.com/acme/gadget"
    with client(server, "ecosystems") as ecosystems:
        assert ecosystems.get(LOOKUP, params={"repository_url": gadget}).json() == []
        assert ecosystems.get(LOOKUP, params={"purl": "pkg:github/acme/gadget"}).json() == []
        assert ecosystems.post(BULK, json={"repository_urls": [gadget]}).json() == []
        # the names still answer: single lookup by name, bulk names and purls
        by_name = ecosystems.get(LOOKUP, params={"ecosystem": "cargo", "name": "lagging"}).json()
        assert [r["repository_url"] for r in by_name] == [gadget]
        bulk = ecosystems.post(BULK, json={"names": ["lagging", "AcmeR", "@acme/unlinked"]}).json()
        assert {(r["ecosystem"], r["name"], r["repository_url"]) for r in bulk} == {
            ("cargo", "lagging", gadget),
            ("cran", "AcmeR", None),
            ("npm", "@acme/unlinked", None),
        }
        assert ecosystems.post(BULK, json={"names": ["acmer"]}).json() == []  # where(name:) is exact
        purls = ecosystems.post(BULK, json={"purls": ["pkg:cargo/lagging", "pkg:cran/AcmeR"]}).json()
        assert sorted(r["name"] for r in purls) == ["AcmeR", "lagging"]
        only_cran = ecosystems.post(BULK, json={"names": ["AcmeR", "lagging"], "ecosystem": "cran"}).json()
        assert [r["name"] for r in only_cran] == ["AcmeR"]
