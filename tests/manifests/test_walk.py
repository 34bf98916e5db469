from __future__ import annotations

import pytest

from distscout.manifests import walk
from distscout.manifests.location import non_package_location
from distscout.manifests.walk import WalkMode, plan_walk
from distscout.manifests.workspaces import member_patterns


def _reader(files: dict[str, str]) -> walk.ContextReader:
    return files.get


class TestBaseline:
    def test_root_and_first_level_only(self) -> None:
        paths = ["package.json", "a/package.json", "a/b/package.json", "README.md"]
        plan = plan_walk(paths, WalkMode.BASELINE)
        assert plan.manifests == ("package.json", "a/package.json")
        assert plan.omitted == 1

    def test_bounded_to_fifty_directories(self) -> None:
        paths = [f"d{i:03}/Cargo.toml" for i in range(60)]
        plan = plan_walk(paths, WalkMode.BASELINE)
        assert len(plan.manifests) == 50 and plan.omitted == 10


class TestDeep:
    def test_bounded_depth_without_workspaces(self) -> None:
        paths = ["crates/cli/Cargo.toml", "a/b/c/package.json", "a/b/c/d/package.json"]
        plan = plan_walk(paths, WalkMode.DEEP, _reader({}))
        assert set(plan.manifests) == {"crates/cli/Cargo.toml", "a/b/c/package.json"}

    def test_workspace_members_at_any_depth(self) -> None:
        files = {"package.json": '{"private": true, "workspaces": ["libs/*/*/*/*", "!libs/x/skip/**"]}'}
        paths = ["package.json", "libs/a/b/c/d/package.json", "libs/x/skip/c/d/package.json"]
        plan = plan_walk(paths, WalkMode.DEEP, _reader(files))
        assert "libs/a/b/c/d/package.json" in plan.manifests
        assert "libs/x/skip/c/d/package.json" not in plan.manifests
        assert plan.workspace_files == ("package.json",)

    def test_vendored_and_hidden_directories_are_skipped(self) -> None:
        paths = [
            "node_modules/x/package.json",
            ".git/package.json",
            "vendor/a/composer.json",
            "src/package.json",
        ]
        assert plan_walk(paths, WalkMode.DEEP, _reader({})).manifests == ("src/package.json",)

    def test_plan_is_bounded_in_count(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(walk, "MAX_MANIFESTS", 5)
        plan = plan_walk([f"p{i}/package.json" for i in range(8)], WalkMode.DEEP, _reader({}))
        assert len(plan.manifests) == 5 and plan.omitted == 3

    def test_root_context_files_are_listed(self) -> None:
        plan = plan_walk(["settings.gradle.kts", "build.gradle.kts", "sub/settings.gradle"], WalkMode.DEEP)
        assert "settings.gradle.kts" in plan.context and "sub/settings.gradle" not in plan.context

    def test_unreadable_workspace_declaration_still_plans_by_depth(self) -> None:
        plan = plan_walk(
            ["Cargo.toml", "crates/a/Cargo.toml"], WalkMode.DEEP, _reader({"Cargo.toml": "[oops"})
        )
        assert plan.manifests == ("Cargo.toml", "crates/a/Cargo.toml")


@pytest.mark.parametrize(
    ("filename", "text", "members"),
    [
        ("package.json", '{"workspaces": {"packages": ["packages/*"]}}', ["packages/*"]),
        (
            "pnpm-workspace.yaml",
            "packages:\n  - 'packages/*'\n  - '!**/test/**'\n",
            ["packages/*", "!**/test/**"],
        ),
        ("lerna.json", "{}", ["packages/*"]),
        ("lerna.json", '{"packages": ["modules/*"]}', ["modules/*"]),
        (
            "Cargo.toml",
            '[workspace]\nmembers = ["crates/*"]\nexclude = ["crates/x"]\n',
            ["crates/*", "!crates/x"],
        ),
        ("pyproject.toml", '[tool.uv.workspace]\nmembers = ["packages/*"]\n', ["packages/*"]),
        (
            "pom.xml",
            '<project xmlns="http://maven.apache.org/POM/4.0.0"><modules><module>gson</module></modules>'
            "<profiles><profile><modules><module>extras</module></modules></profile></profiles></project>",
            ["gson", "extras"],
        ),
        ("settings.gradle", "include ':app', ':lib:core'\n", ["app", "lib/core"]),
        ("settings.gradle.kts", 'include(":acme-extras")\n', ["acme-extras"]),
        (
            "cabal.project",
            "packages: .\n          attoparsec-aeson\n-- comment\ntests: true\n",
            [".", "attoparsec-aeson"],
        ),
        ("pubspec.yaml", "name: ws\nworkspace:\n  - pkgs/a\n", ["pkgs/a"]),
        (
            "go.work",
            "go 1.22\nuse (\n  ./api // the api\n  ./cmd\n)\nuse ./tools\n",
            ["./api", "./cmd", "./tools"],
        ),
        (
            "All.sln",
            'Project("{FAE04EC0}") = "Lib", "src\\Lib\\Lib.csproj", "{1}"\nEndProject\n',
            ["src/Lib/Lib.csproj"],
        ),
        ("Cargo.toml", "[oops", []),
        ("package.json", "[]", []),
    ],
)
def test_workspace_readers(filename: str, text: str, members: list[str]) -> None:
    assert member_patterns(filename, text) == members


def test_solution_members_are_found_deep() -> None:
    files = {"All.sln": 'Project("{X}") = "Lib", "a\\b\\c\\d\\Lib\\Lib.csproj", "{1}"\n'}
    plan = plan_walk(["All.sln", "a/b/c/d/Lib/Lib.csproj"], WalkMode.DEEP, _reader(files))
    assert plan.manifests == ("a/b/c/d/Lib/Lib.csproj",)


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("examples/celery/pyproject.toml", "examples"),
        ("packages/vite/src/node/__tests__/fixtures/a/package.json", "__tests__"),
        ("test_package/conanfile.txt", "test_package"),
        ("Src/Newtonsoft.Json.Tests/x.csproj", "Newtonsoft.Json.Tests"),
        ("playground/x/package.json", "playground"),
        ("docs/Project.toml", "docs"),
        ("package.json", None),
        ("packages/test-utils/package.json", None),
        ("latest/package.json", None),
        ("crates/index/Cargo.toml", None),
    ],
)
def test_non_package_locations(path: str, where: str | None) -> None:
    assert non_package_location(path) == where
