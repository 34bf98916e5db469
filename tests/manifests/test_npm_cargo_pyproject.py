from __future__ import annotations

import pytest

from distscout.manifests.declaration import ParseStatus
from distscout.manifests.parsers import cargo, npm, pyproject
from distscout.manifests.registry import read_manifest


class TestNpm:
    def test_scoped_name(self) -> None:
        d = read_manifest("package.json", '{"name": "@acme/widget", "version": "1.0.0"}')
        assert d is not None
        assert (d.name, d.normalized_name, d.purl, d.intent) == (
            "@acme/widget",
            "@acme/widget",
            "pkg:npm/%40acme/widget",
            True,
        )

    @pytest.mark.parametrize("private", ["true", '"true"'])
    def test_private_means_no_intent(self, private: str) -> None:
        d = npm.parse('{"name": "internal-dashboard", "private": %s}' % private)  # noqa: UP031
        assert d.name == "internal-dashboard"
        assert not d.intent and d.intent_reason == "private: true"

    def test_private_false_keeps_intent(self) -> None:
        assert npm.parse('{"name": "x", "private": false}').intent

    def test_workspace_root_without_name(self) -> None:
        d = npm.parse('{"private": true, "workspaces": ["packages/*"]}')
        assert d.status is ParseStatus.NO_NAME and not d.intent

    @pytest.mark.parametrize(
        "text", ['{"name": "x",}', "[1, 2]", '"name"', "", '{"name": 5}', '{"name": "   "}']
    )
    def test_bad_documents(self, text: str) -> None:
        d = npm.parse(text)
        assert d.status in (ParseStatus.MALFORMED, ParseStatus.NO_NAME)
        assert d.name is None and not d.intent

    def test_bom_and_crlf_through_the_registry(self) -> None:
        d = read_manifest("package.json", b'\xef\xbb\xbf{\r\n  "name": "crlf-pkg"\r\n}\r\n')
        assert d is not None and d.name == "crlf-pkg"


class TestCargo:
    def test_package_name(self) -> None:
        d = cargo.parse('[package]\nname = "grep-cli"  # a comment\nversion = "0.1.0"\n')
        assert d.name == "grep-cli" and d.intent

    def test_publish_false_first(self) -> None:
        d = cargo.parse('[package]\npublish = false\nname = "acme-internal"\n')
        assert d.name == "acme-internal" and not d.intent and "publish = false" in d.intent_reason

    def test_publish_empty_registry_list(self) -> None:
        assert not cargo.parse('[package]\nname = "x"\npublish = []\n').intent

    def test_publish_to_named_registry_is_still_intent(self) -> None:
        assert cargo.parse('[package]\nname = "x"\npublish = ["my-registry"]\n').intent

    def test_workspace_root_has_no_name(self) -> None:
        d = cargo.parse('[workspace]\nmembers = ["serde", "serde_derive"]\n')
        assert d.status is ParseStatus.NO_NAME and "workspace" in d.intent_reason

    def test_inline_table_and_normalization(self) -> None:
        d = read_manifest("Cargo.toml", 'package = { name = "Serde_Json", version = "1" }')
        assert d is not None and d.name == "Serde_Json" and d.normalized_name == "serde-json"

    def test_broken_toml(self) -> None:
        d = cargo.parse('[package\nname = "broken"\n')
        assert d.status is ParseStatus.MALFORMED and "TOML" in d.detail


class TestPyproject:
    def test_pep621_name_normalized(self) -> None:
        d = read_manifest("pyproject.toml", '[project]\nname = "Acme_Tricky.Pkg"\ndynamic = ["version"]\n')
        assert d is not None
        assert (d.name, d.normalized_name, d.purl) == (
            "Acme_Tricky.Pkg",
            "acme-tricky-pkg",
            "pkg:pypi/acme-tricky-pkg",
        )

    def test_poetry_name(self) -> None:
        assert pyproject.parse('[tool.poetry]\nname = "poetry-core"\n').name == "poetry-core"

    def test_pep621_wins_over_poetry(self) -> None:
        assert pyproject.parse('[project]\nname = "a"\n[tool.poetry]\nname = "b"\n').name == "a"

    @pytest.mark.parametrize(
        ("text", "reason"),
        [
            ('[tool.poetry]\nname = "app"\npackage-mode = false\n', "package-mode"),
            ('[project]\nname = "app"\n[tool.uv]\npackage = false\n', "uv"),
            ('[project]\nname = "app"\n[tool.pdm]\ndistribution = false\n', "pdm"),
            ('[project]\nname = "app"\nclassifiers = ["Private :: Do Not Upload"]\n', "Private"),
            ('[project]\nname = "app"\nclassifiers = ["Private :: Internal"]\n', "Private :: Internal"),
            ('[tool.poetry]\nname = "app"\nclassifiers = ["private :: any reason"]\n', "private ::"),
            ('[tool.flit.metadata]\nmodule = "app"\nclassifiers = ["Private :: Do Not Upload"]\n', "Private"),
        ],
    )
    def test_no_publish_signals_of_each_tool(self, text: str, reason: str) -> None:
        d = pyproject.parse(text)
        assert d.name == "app" and not d.intent and reason in d.intent_reason

    def test_filtering_private_classifiers_is_not_one(self) -> None:
        text = '[project]\nname = "app"\nclassifiers = ["Private ::", 3, "Topic :: Private :: X"]\n'
        assert pyproject.parse(text).intent

    def test_non_package_mode_without_name(self) -> None:
        d = pyproject.parse("[tool.poetry]\npackage-mode = false\n")
        assert d.status is ParseStatus.NO_NAME and "package-mode" in d.intent_reason

    def test_tool_config_only(self) -> None:
        d = pyproject.parse("[tool.black]\nline-length = 100\n")
        assert d.status is ParseStatus.NO_NAME

    def test_flit_legacy_metadata(self) -> None:
        assert pyproject.parse('[tool.flit.metadata]\nmodule = "flit_pkg"\n').name == "flit_pkg"

    def test_wrong_types_do_not_crash(self) -> None:
        assert pyproject.parse('project = "x"\ntool = 3\n').status is ParseStatus.NO_NAME
