from __future__ import annotations

from collections.abc import Iterator

import pytest

from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import client, tiny_world


@pytest.fixture(scope="module")
def tiny() -> Iterator[EmulatorServer]:
    with EmulatorServer(tiny_world()) as server:
        yield server


def test_packageversions_shape_and_attestations_first(tiny: EmulatorServer) -> None:
    with client(tiny, "depsdev") as depsdev:
        answer = depsdev.get("/v3/projects/github.com%2Facme%2Fwidget:packageversions")
    assert answer.status_code == 200
    rows = answer.json()["versions"]
    keys = [(r["versionKey"]["system"], r["versionKey"]["name"], r["versionKey"]["version"]) for r in rows]
    assert keys[:2] == [("NPM", "@acme/widget", "2.3.0"), ("NPM", "@acme/widget", "2.2.0")]  # attested first
    # PyPI names come back canonical (PEP 503); ecosystems-only and composer packages are not deps.dev's
    assert set(keys[2:]) == {("PYPI", "acme-widget", "1.2.0"), ("PYPI", "acme-widget", "0.9")}
    assert all(r["relationType"] == "SOURCE_REPO" for r in rows)
    assert rows[0]["relationProvenance"] == "SLSA_ATTESTATION"
    assert rows[0]["slsaProvenances"][0]["sourceRepository"] == "https://github.com/acme/widget"
    assert rows[-1]["relationProvenance"] == "UNVERIFIED_METADATA"
    assert rows[-1]["attestations"] == []
    assert all("publishedAt" not in r for r in rows)  # :packageversions carries no dates


def test_maven_only_on_depsdev(tiny: EmulatorServer) -> None:
    # the world's maven package has sources ["depsdev"] but no versions: no rows, so it is absent
    with client(tiny, "depsdev") as depsdev:
        found = depsdev.get("/v3/systems/maven/packages/com.acme%3Awidget")
    assert found.status_code == 200
    assert found.json() == {"packageKey": {"system": "MAVEN", "name": "com.acme:widget"}, "versions": []}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v3/projects/github.com%2Facme%2Fwidget:packageversions", 200),
        ("/v3/projects/GitHub.com%2FACME%2FWidget:packageversions", 200),  # matched lower-cased
        (
            "/v3/projects/github.com%2facme%2fwidget:packageversions",
            200,
        ),  # lower-case escapes are escapes too
        ("/v3/projects/github.com/acme/widget:packageversions", 404),  # escaped per segment: another path
        ("/v3/projects/github.com%2Facme/widget:packageversions", 404),
        ("/v3/projects/github.com%2Facme%2Fwidget%3Apackageversions", 404),  # the verb is not part of the id
        ("/v3/projects/github.com%2Facme%2Fwidget.git:packageversions", 404),
        ("/v3/projects/github.com%2Facme%2Fgadget:packageversions", 404),  # no mapping
        ("/v3/projects/github.com%2Facme%2Fold-widget:packageversions", 200),  # packages may name any repo
    ],
)
def test_project_id_encoding(tiny: EmulatorServer, path: str, status: int) -> None:
    with client(tiny, "depsdev") as depsdev:
        assert depsdev.get(path).status_code == status


def test_get_package(tiny: EmulatorServer) -> None:
    with client(tiny, "depsdev") as depsdev:
        answer = depsdev.get("/v3/systems/npm/packages/%40acme%2Fwidget")
        assert answer.status_code == 200
        assert answer.json() == {
            "packageKey": {"system": "NPM", "name": "@acme/widget"},
            "versions": [
                {
                    "versionKey": {"system": "NPM", "name": "@acme/widget", "version": "2.2.0"},
                    "publishedAt": "2025-01-10T09:30:12Z",
                    "isDefault": False,
                    "isDeprecated": False,
                },
                {
                    "versionKey": {"system": "NPM", "name": "@acme/widget", "version": "2.3.0"},
                    "publishedAt": "2025-03-02T17:04:55Z",
                    "isDefault": True,
                    "isDeprecated": False,
                },
            ],
        }
        pypi = depsdev.get("/v3/systems/PYPI/packages/acme.widget").json()  # any PEP 503 spelling
        assert pypi["packageKey"] == {"system": "PYPI", "name": "acme-widget"}
        assert "publishedAt" not in pypi["versions"][0]  # undated version: field absent, as upstream


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v3/systems/NpM/packages/%40acme%2Fwidget", 200),
        ("/v3/systems/npm/packages/@acme/widget", 404),  # name not fully encoded
        ("/v3/systems/npm/packages/%40acme%2Fmissing", 404),
        ("/v3/systems/cargo/packages/widget-ecosystems-only", 404),  # sources: ecosystems only
        ("/v3/systems/composer/packages/acme%2Fwidget", 400),  # not a deps.dev system
        ("/v3/systems/bogus/packages/x", 400),
        ("/v3/systems/npm/packages/", 404),
    ],
)
def test_get_package_statuses(tiny: EmulatorServer, path: str, status: int) -> None:
    with client(tiny, "depsdev") as depsdev:
        answer = depsdev.get(path)
    assert answer.status_code == status
    if status != 200:
        assert set(answer.json()) == {"code", "message", "details"}


def test_corpus_reverse_lookup(corpus_emulator: EmulatorServer) -> None:
    with client(corpus_emulator, "depsdev") as depsdev:
        rows = depsdev.get("/v3/projects/github.com%2Fburntsushi%2Fripgrep:packageversions").json()[
            "versions"
        ]
        assert {r["versionKey"]["system"] for r in rows} == {"CARGO"}
        assert depsdev.get("/v3/projects/github.com%2Fsynthetic%2Fempty:packageversions").status_code == 404


def test_enums_at_their_zero_value_are_left_out(emulator_factory: EmulatorFactory) -> None:
    # proto3 JSON: UNKNOWN_PROJECT_RELATION_TYPE and _PROVENANCE are zero values, which the gateway omits.
    world = tiny_world()
    for package in world["packages"]:
        if package["name"] == "@acme/widget":
            package["provenance"] = "UNKNOWN_PROJECT_RELATION_PROVENANCE"
    server = emulator_factory(world, {"depsdev": {"quirks": {"unknown_relation_type": ["PyPI/acme-widget"]}}})
    with client(server, "depsdev") as depsdev:
        rows = depsdev.get("/v3/projects/github.com%2Facme%2Fwidget:packageversions").json()["versions"]
    by_system = {row["versionKey"]["system"]: row for row in rows}
    assert "relationType" not in by_system["PYPI"] and by_system["PYPI"]["relationProvenance"]
    assert by_system["NPM"]["relationType"] == "SOURCE_REPO"
    assert "relationProvenance" not in by_system["NPM"]
