"""Every table prints outside values literally and keeps names and paths whole at 80 columns (issue #19).

A repository, a registry or an upstream writes the names, paths, reasons and errors the CLI shows. Rich markup
in them (`[link=…]…[/link]`, `[bold]`) must be printed as those characters, never obeyed; control characters
never reach the terminal. At 80 columns the columns that matter — package names, manifest paths,
repositories — are printed whole, on one line; less important ones are left out, with a note naming them.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import update

from distscout.cli import Plan
from distscout.commands import tables
from distscout.commands.export import TABLES
from distscout.commands.integrity import CLEAN, IN_PROGRESS
from distscout.commands.stats import VERDICTS
from distscout.doctor import Check, Status
from distscout.integrity import check
from distscout.integrity.check import CheckReport
from distscout.integrity.findings import Action, Finding, FindingClass
from distscout.manifests.walk import WalkMode
from distscout.store.engine import open_engine
from distscout.store.exports import EXPORT_TABLES
from distscout.store.schema import repo_distribution, repo_distribution_manifest, repos
from distscout.triage import VERDICTS as TRIAGE_VERDICTS
from tests.cli.helpers import run

LINK = "[link=https://x.example]click[/link]"
NAME = f"@evil/{LINK}"
REASON = "no [project] or [tool.poetry] name"
PATH_PREFIX = "[bold]pkgs[/bold]/"
ERROR = "[red]boom[/red] [link=https://x.example]here[/link]"
ESCAPE = "\x1b]8;;https://x.example\x1b\\click\x1b]8;;\x1b\\"  # an OSC 8 hyperlink in raw escapes


def _hostile(url: str) -> None:
    """Every name, path, reason and error of the scanned corpus replaced by markup."""
    engine = open_engine(url)
    try:
        with engine.begin() as connection:
            m = repo_distribution_manifest
            connection.execute(
                update(m).values(
                    package_name_declared=NAME,
                    manifest_path=PATH_PREFIX + m.c.manifest_path,
                    intent_reason=REASON,
                    verdict_detail=ERROR,
                )
            )
            d = repo_distribution
            connection.execute(update(d).values(package_name=NAME + "/" + d.c.package_name))
            connection.execute(update(repos).values(distribution_last_error=ERROR))
    finally:
        engine.dispose()


def _literal(output: str, *values: str) -> None:
    for value in values:
        assert value in output, (value, output)
    assert "\x1b" not in output


@pytest.fixture
def hostile_db(corpus_db: str) -> str:
    _hostile(corpus_db)
    return corpus_db


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--orphans"],
        ["stats", "--orphans", "--verdict", "taken"],
        ["stats", "--repo", "synthetic/legacy-setup"],
        ["stats", "--package", "pypi/requests"],
    ],
    ids=" ".join,
)
def test_stats_tables_print_markup_literally(hostile_db: str, args: list[str]) -> None:
    _literal(run(args).stdout, NAME)


def test_the_orphan_table_shows_why_intent_and_the_verdict_literally(hostile_db: str) -> None:
    human = run(["stats", "--orphans", "--wide"]).stdout  # reasons whole, on one line
    _literal(human, NAME, PATH_PREFIX, REASON, ERROR, "declares intent by")


def test_the_repo_drill_down_prints_errors_and_paths_literally(hostile_db: str) -> None:
    _literal(
        run(["stats", "--repo", "synthetic/legacy-setup"]).stdout, PATH_PREFIX + "setup.py", REASON, ERROR
    )


def test_repos_list_and_config_show_print_markup_literally(
    hostile_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "synthetic/legacy-setup" in run(["repos", "list"]).stdout
    monkeypatch.setenv("DISTSCOUT_USER_AGENT", LINK)
    _literal(run(["config", "show"]).stdout, LINK)


def test_unconfirmed_and_unknown_tables_print_markup_literally(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = {
        "repo": "acme/widget",
        "manifest_path": PATH_PREFIX + "package.json",
        "manifest_type": "npm",
        "package_name_declared": NAME,
        "purl": None,
        "waiting_on": [LINK],
    }
    monkeypatch.setattr("distscout.store.queries.unconfirmed_orphans", lambda connection: [row])
    unknown = {"repo": "acme/widget", "registry_packages": 2, "last_run": None, "last_error": ERROR}
    monkeypatch.setattr("distscout.store.queries.manifests_unknown", lambda connection: [unknown])
    unclaimed = {"repo": "acme/widget", "ecosystem": "npm", "package_name": NAME, "source": LINK}
    monkeypatch.setattr("distscout.store.queries.unclaimed", lambda connection: [unclaimed])
    _literal(run(["stats", "--unclaimed"]).stdout, NAME, LINK)
    _literal(run(["stats", "--unconfirmed"]).stdout, NAME, PATH_PREFIX, LINK)
    _literal(run(["stats", "--manifests-unknown"]).stdout, ERROR)


def test_doctor_and_integrity_tables_print_markup_literally(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def doctor(*args: Any, **kwargs: Any) -> list[Check]:
        return [Check("github", "reachable", Status.DEGRADED, ERROR, LINK)]

    monkeypatch.setattr("distscout.doctor.run_doctor", doctor)
    _literal(run(["doctor"]).stdout, ERROR, LINK)
    finding = Finding(FindingClass.MISSING_PRIMARY, f"repo:{LINK}", Action.RECHECK, LINK, ERROR)
    monkeypatch.setattr(
        "distscout.integrity.check.run_check", lambda *args: CheckReport("issues", [finding], 1, 0)
    )
    _literal(run(["integrity", "check"], code=1).stdout, ERROR, f"repo:{LINK}")


def _checkout(root: Path) -> Path:
    (root / "package.json").write_text(json.dumps({"name": LINK}))
    (root / "tools" / "escape").mkdir(parents=True)
    (root / "tools" / "escape" / "package.json").write_text(json.dumps({"name": ESCAPE}))
    (root / "py").mkdir()
    (root / "py" / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    return root


def test_manifests_prints_a_hostile_checkout_literally(tmp_path: Path) -> None:
    human = run(["manifests", str(_checkout(tmp_path))]).stdout
    _literal(human, LINK, REASON, "3 manifests")
    assert repr(ESCAPE)[1:-1].split("\\\\")[0] in human  # the escape shown as \x1b…, never sent


def test_one_manifest_is_singular(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"name": "x"}')
    assert "1 manifest (deep plan)" in run(["manifests", str(tmp_path)]).stdout


# -- 80 columns ----------------------------------------------------------------------------------------

LONG_PATH = "packages/frontend/long-workspace-member-name/package.json"
LONG_NAME = "@organisation-scope/very-long-workspace-member-name"


def test_manifests_at_80_columns_keep_paths_and_names_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    target = tmp_path / LONG_PATH
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps({"name": LONG_NAME, "workspaces": []}))
    (tmp_path / "package.json").write_text(json.dumps({"name": "root", "workspaces": ["packages/*/*"]}))
    result = run(["manifests", str(tmp_path)])
    assert LONG_PATH in result.stdout and LONG_NAME in result.stdout
    assert "…" not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "note: at 80 columns type, status left out; --wide or --json shows every column" in result.stderr
    wide = run(["manifests", str(tmp_path), "--wide"])
    assert "type" in wide.stdout and LONG_PATH in wide.stdout and "left out" not in wide.stderr


def test_orphans_at_80_columns_keep_names_whole(corpus_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = json.loads(run(["stats", "--orphans", "--json"]).stdout)
    result = run(["stats", "--orphans"])
    for row in rows:
        for value in (row["repo"], row["manifest_path"], row["package_name_declared"], row["verdict"]):
            assert value in result.stdout, value
    assert "…" not in result.stdout
    assert all(len(line) <= 80 for line in result.stdout.splitlines())


def test_repo_drill_down_at_80_columns_drops_dates_not_names(
    corpus_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    report = json.loads(run(["stats", "--repo", "pallets/flask", "--json"]).stdout)
    result = run(["stats", "--repo", "pallets/flask"])
    for row in report["distribution"]:
        assert row["package_name"] in result.stdout
    for row in report["manifests"]:
        assert row["manifest_path"] in result.stdout
    assert "…" not in result.stdout
    wide = run(["stats", "--repo", "pallets/flask", "--wide"]).stdout
    assert "first published" in wide and "latest published" in wide


def test_a_name_wider_than_the_terminal_folds_never_cut(monkeypatch: pytest.MonkeyPatch) -> None:

    name = "n" * 120
    console = Console(file=StringIO(), width=80, highlight=False)
    tables.print_table(console, "t", (tables.key("name"), tables.short("x", drop=1)), [(name, "y")])
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    cells = "".join(line.strip("│ ") for line in printed.splitlines() if line.startswith("│"))
    assert cells.count("n") == 120 and "…" not in printed


def test_the_spelled_out_constants_match_their_modules() -> None:
    """The command line spells out what it would otherwise import at start-up; they must agree."""
    assert set(VERDICTS) == {v.value for v in TRIAGE_VERDICTS}
    assert tuple(EXPORT_TABLES) == TABLES
    assert (CLEAN, IN_PROGRESS) == (check.CLEAN, check.IN_PROGRESS)
    assert {p.value for p in Plan} == {m.value for m in WalkMode}


def test_a_table_too_wide_for_any_folding_is_printed_as_records_every_value_whole() -> None:
    """At 40 columns doctor's table squeezed its detail and fix columns to nothing (`│││`): where even the
    columns never left out cannot fit, each row is a record of `header: value` lines (psql's `\\x auto`)."""
    detail = "classic token with scopes [repo, read:packages]; 4,999 of 5,000 requests left"
    fix = "set polite_email to join ecosyste.ms' polite pool: 3x the budget"
    columns = (tables.short("upstream"), tables.short("check"), tables.short("status"))
    columns += (tables.text("detail"), tables.text("fix"))
    terminal = Console(file=StringIO(), width=40, force_terminal=True, color_system=None)
    tables.print_table(terminal, "doctor: ok", columns, [("github", "token", "ok", detail, fix)])
    printed = terminal.file.getvalue()  # type: ignore[attr-defined]
    lines = printed.splitlines()
    assert all(len(line) <= 40 for line in lines) and "│" not in printed
    assert " ".join(printed.split()).count(detail) == 1 and fix in " ".join(printed.split())
    assert "upstream: github" in lines and "status: ok" in lines
    piped = Console(file=StringIO(), width=40, soft_wrap=True)  # a pipe: each record's line whole
    tables.print_table(piped, "doctor: ok", columns, [("github", "token", "ok", detail, fix)])
    assert f"detail: {detail}" in piped.file.getvalue().splitlines()  # type: ignore[attr-defined]


def test_the_fleet_rollup_keeps_its_counts_whole_at_40_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'fleet.db'}")
    monkeypatch.setenv("COLUMNS", "40")
    shown = run(["stats"]).stdout
    assert "…" not in shown and "│ tracked repositories" in shown and "│     0 │" in shown
