from __future__ import annotations

from collections.abc import Iterator

import pytest

from distscout.emulator.server import EmulatorServer
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import client, name_facts_world, tiny_world


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


@pytest.fixture(scope="module")
def facts() -> Iterator[EmulatorServer]:
    with EmulatorServer(name_facts_world()) as server:
        yield server


def test_get_version_of_a_canonical_link(facts: EmulatorServer) -> None:
    with client(facts, "depsdev") as depsdev:
        answer = depsdev.get("/v3/systems/npm/packages/%40acme%2Fwidget/versions/2.3.0")
    assert answer.status_code == 200
    proof = {
        "sourceRepository": "https://github.com/acme/widget",
        "commit": "0" * 40,
        "url": "https://attestations.example/npm/@acme/widget/2.3.0",
        "verified": True,
    }
    assert answer.json() == {
        "versionKey": {"system": "NPM", "name": "@acme/widget", "version": "2.3.0"},
        "publishedAt": "2025-03-02T17:04:55Z",
        "isDefault": True,
        "isDeprecated": False,
        "licenses": [],
        "advisoryKeys": [],
        "links": [
            {"label": "ORIGIN", "url": "https://registry.npmjs.org/@acme%2Fwidget/2.3.0"},
            {"label": "SOURCE_REPO", "url": "https://github.com/acme/widget"},
        ],
        "slsaProvenances": [proof],
        "attestations": [{"type": "https://slsa.dev/provenance/v1", **proof}],
        "registries": [],
        "relatedProjects": [
            {
                "projectKey": {"id": "github.com/acme/widget"},
                "relationProvenance": "SLSA_ATTESTATION",
                "relationType": "SOURCE_REPO",
            }
        ],
    }


def test_get_version_keeps_the_raw_link_and_canonicalizes_the_project(facts: EmulatorServer) -> None:
    with client(facts, "depsdev") as depsdev:
        body = depsdev.get("/v3/systems/pypi/packages/acme-variant/versions/3.0.0").json()
        gizmo = depsdev.get("/v3/systems/maven/packages/org.acme%3Agizmo/versions/1.0").json()
        berg = depsdev.get("/v3/systems/rubygems/packages/acme-berg/versions/1.0.0").json()
    assert body["links"][1] == {"label": "SOURCE_REPO", "url": "git+https://github.com/Acme/Widget.git"}
    assert body["relatedProjects"] == [
        {
            "projectKey": {"id": "github.com/acme/widget"},
            "relationProvenance": "UNVERIFIED_METADATA",
            "relationType": "SOURCE_REPO",
        }
    ]
    assert (body["slsaProvenances"], body["attestations"], body["isDefault"]) == ([], [], True)
    assert gizmo["links"][1]["url"] == "https://gitlab.com/Acme/Tools/Gizmo.git"
    assert [p["projectKey"]["id"] for p in gizmo["relatedProjects"]] == ["gitlab.com/acme/tools/gizmo"]
    assert "publishedAt" not in gizmo  # an undated version: no field, as upstream
    # a host deps.dev keeps no projects for: the link is there, no related project
    assert berg["links"][1]["url"] == "https://codeberg.org/acme/berg"
    assert berg["relatedProjects"] == []


def test_get_version_of_a_package_without_a_link(facts: EmulatorServer) -> None:
    with client(facts, "depsdev") as depsdev:
        answer = depsdev.get("/v3/systems/npm/packages/%40acme%2Funlinked/versions/1.0.0")
    assert answer.status_code == 200
    body = answer.json()
    assert [link["label"] for link in body["links"]] == ["ORIGIN"]
    assert body["relatedProjects"] == []
    # no repository, so no attestation naming one, whatever the world's provenance says
    assert (body["slsaProvenances"], body["attestations"]) == ([], [])


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/v3/systems/npm/packages/%40acme%2Fwidget/versions/2.2.0", 200),
        ("/v3/systems/NPM/packages/%40acme%2Fwidget/versions/2.3.0", 200),
        ("/v3/systems/pypi/packages/Acme.Widget/versions/0.9", 200),  # any PEP 503 spelling
        ("/v3/systems/npm/packages/%40acme%2Fwidget/versions/9.9.9", 404),
        ("/v3/systems/npm/packages/%40acme%2Fmissing/versions/1.0.0", 404),
        ("/v3/systems/npm/packages/@acme/widget/versions/2.3.0", 404),  # name not fully encoded
        ("/v3/systems/cargo/packages/widget-ecosystems-only/versions/1.0.0", 404),
        ("/v3/systems/cran/packages/AcmeR/versions/1.0", 400),
    ],
)
def test_get_version_statuses(facts: EmulatorServer, path: str, status: int) -> None:
    with client(facts, "depsdev") as depsdev:
        answer = depsdev.get(path)
    assert answer.status_code == status
    if status != 200:
        assert set(answer.json()) == {"code", "message", "details"}


def test_reverse_lookup_canonicalizes_links_and_skips_lag_and_null(facts: EmulatorServer) -> None:
    with client(facts, "depsdev") as depsdev:
        rows = depsdev.get("/v3/projects/github.com%2Facme%2Fwidget:packageversions").json()["versions"]
        names = {row["versionKey"]["name"] for row in rows}
        assert "acme-variant" in names  # linked as git+https://github.com/Acme/Widget.git
        assert "@acme/unlinked" not in names
        gitlab = depsdev.get("/v3/projects/gitlab.com%2Facme%2Ftools%2Fgizmo:packageversions")
        assert [row["versionKey"]["name"] for row in gitlab.json()["versions"]] == ["org.acme:gizmo"]
        # index lag: acme/gadget's only package is not listed yet, though its name answers
        assert depsdev.get("/v3/projects/github.com%2Facme%2Fgadget:packageversions").status_code == 404
        assert depsdev.get("/v3/systems/cargo/packages/lagging").status_code == 200
        lagging = depsdev.get("/v3/systems/cargo/packages/lagging/versions/0.1.0").json()
        assert [p["projectKey"]["id"] for p in lagging["relatedProjects"]] == ["github.com/acme/gadget"]


def test_the_unknown_relation_type_quirk_reaches_get_version(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(
        name_facts_world(), {"depsdev": {"quirks": {"unknown_relation_type": ["pypi/acme-variant"]}}}
    )
    with client(server, "depsdev") as depsdev:
        related = depsdev.get("/v3/systems/pypi/packages/acme-variant/versions/3.0.0").json()[
            "relatedProjects"
        ]
    assert related == [
        {"projectKey": {"id": "github.com/acme/widget"}, "relationProvenance": "UNVERIFIED_METADATA"}
    ]
