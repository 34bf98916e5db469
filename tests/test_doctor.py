"""`distscout doctor` against the emulator, in each failure mode an operator meets before a fleet scan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from distscout.cli import app
from distscout.doctor import Check, Status, run_doctor, worst
from distscout.emulator.server import EmulatorServer
from distscout.repos import parse_repo_ref
from tests.emulator.fixtures import EmulatorFactory
from tests.emulator.worlds import tiny_world
from tests.sources.gitlab_world import gitlab_world
from tests.sources.helpers import settings_for

WIDGET = parse_repo_ref("acme/widget")  # ecosyste.ms knows its packages in the tiny world
DOCUMENTED_BULK = {"ecosystems": {"quirks": {"bulk_repository_urls": "as_documented"}}}


async def doctor(server: EmulatorServer, **overrides: Any) -> dict[tuple[str, str], Check]:
    checks = await run_doctor(settings_for(server, **overrides), [WIDGET])
    return {(check.upstream, check.check): check for check in checks}


def statuses(found: dict[tuple[str, str], Check]) -> dict[tuple[str, str], str]:
    return {key: check.status.value for key, check in found.items()}


async def test_all_well(emulator_factory: EmulatorFactory) -> None:
    found = await doctor(emulator_factory(tiny_world(), DOCUMENTED_BULK))
    assert set(statuses(found).values()) == {"ok"}, statuses(found)
    assert set(found) >= {
        ("github", "reachable"),
        ("github", "token"),
        ("github", "budget"),
        ("github", "graphql"),
        ("ecosyste.ms", "reachable"),
        ("ecosyste.ms", "tier"),
        ("ecosyste.ms", "bulk canary"),
        ("deps.dev", "reachable"),
        ("local", "clock"),
    }
    assert "read:packages" in found[("github", "token")].detail
    assert found[("github", "reachable")].latency_ms is not None


async def test_the_deployed_bulk_lookup_is_degraded_with_its_fix(emulator_factory: EmulatorFactory) -> None:
    found = await doctor(emulator_factory(tiny_world()))
    canary = found[("ecosyste.ms", "bulk canary")]
    assert canary.status is Status.DEGRADED and WIDGET.url in canary.detail
    assert "single lookups" in canary.fix
    assert [key for key, status in statuses(found).items() if status != "ok"] == [
        ("ecosyste.ms", "bulk canary")
    ]


async def test_no_token(emulator_factory: EmulatorFactory) -> None:
    found = await doctor(emulator_factory(tiny_world(), DOCUMENTED_BULK), github_token=None)
    token = found[("github", "token")]
    assert token.status is Status.DEGRADED and "60 requests an hour" in token.detail
    assert "GITHUB_TOKEN" in token.fix
    assert ("github", "graphql") not in found, "GitHub answers no anonymous GraphQL: not asked"
    assert found[("github", "budget")].detail.startswith("60 of 60")


async def test_a_pool_of_tokens_is_checked_token_by_token(emulator_factory: EmulatorFactory) -> None:
    from pydantic import SecretStr

    server = emulator_factory(tiny_world(), DOCUMENTED_BULK)
    pool = (SecretStr("ghp_pool_one"), SecretStr("ghp_pool_two"))
    found = await doctor(server, github_token=None, github_tokens=pool)
    tokens = {key[1]: check for key, check in found.items() if key[1].startswith("token #")}
    assert len(tokens) == 2 and all(c.status is Status.OK for c in tokens.values()), tokens
    assert all("of 5000 requests left" in c.detail and "read:packages" in c.detail for c in tokens.values())
    assert not any("ghp_pool" in str(check) for check in found.values()), "tokens shown by label only"
    assert ("github", "graphql") in found


@pytest.mark.parametrize(
    ("quirks", "said"),
    [
        ({"token_scopes": ["repo"]}, "add the read:packages scope"),
        ({"token_kind": "fine_grained"}, "use a classic token"),
    ],
)
async def test_a_token_that_cannot_see_packages(
    emulator_factory: EmulatorFactory, quirks: dict[str, Any], said: str
) -> None:
    server = emulator_factory(tiny_world(), {**DOCUMENTED_BULK, "github": {"quirks": quirks}})
    token = (await doctor(server))[("github", "token")]
    assert token.status is Status.DEGRADED and said in token.fix, token


async def test_the_anonymous_tier(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), DOCUMENTED_BULK)
    tier = (await doctor(server, polite_email=None, user_agent="scout/1"))[("ecosyste.ms", "tier")]
    assert tier.status is Status.DEGRADED and tier.detail.startswith("anonymous tier")
    assert tier.fix == "set polite_email to join ecosyste.ms' polite pool: 3x the budget"


@pytest.mark.parametrize("service", ["github", "ecosystems", "depsdev"])
async def test_an_upstream_answering_5xx_is_failing(emulator_factory: EmulatorFactory, service: str) -> None:
    server = emulator_factory(tiny_world(), {service: {"error_rate": 1.0}})
    found = await doctor(server)
    upstream = {"ecosystems": "ecosyste.ms", "depsdev": "deps.dev"}.get(service, service)
    reach = found[(upstream, "reachable")]
    assert reach.status is Status.FAILING and reach.detail.startswith("HTTP 5"), reach
    assert worst(list(found.values())) is Status.FAILING
    requests = server.stats()[service]["requests"]
    assert requests <= 2, f"a pre-flight sends a handful of requests, never retries: {requests}"


async def test_a_wrong_clock(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), {**DOCUMENTED_BULK, "github": {"quirks": {"clock_skew_s": 600}}})
    clock = (await doctor(server))[("local", "clock")]
    assert clock.status is Status.DEGRADED and "behind github's Date" in clock.detail, clock
    assert clock.detail.startswith(("599 s", "600 s", "601 s")) and "NTP" in clock.fix


async def test_a_handful_of_requests_and_never_a_scan(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(tiny_world(), DOCUMENTED_BULK)
    await doctor(server)
    stats = server.stats()
    assert sum(service["requests"] for service in stats.values()) <= 6, stats
    assert not any("/git/" in route or "/contents" in route for route in stats["github"]["by_route"])


def test_the_command_prints_each_line_and_exits_by_the_worst(
    emulator_factory: EmulatorFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = emulator_factory(tiny_world(), {"depsdev": {"error_rate": 1.0}})
    for name, value in settings_for(server).model_dump(mode="json").items():
        if name in ("depsdev_url", "ecosystems_url", "github_api_url", "polite_email"):
            monkeypatch.setenv(f"DISTSCOUT_{name.upper()}", value)
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKEN", "ghp_test")
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", f"sqlite:///{tmp_path / 'doctor.db'}")
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    shown = json.loads(result.stdout)
    assert shown["status"] == "failing"
    failing = [c for c in shown["checks"] if c["status"] == "failing"]
    assert [(c["upstream"], c["check"]) for c in failing] == [("deps.dev", "reachable")]
    assert all(c["fix"] for c in failing)
    monkeypatch.setenv("COLUMNS", "60")  # a narrow terminal still shows every line
    table = CliRunner().invoke(app, ["doctor"])
    assert table.exit_code == 1 and "deps.dev" in table.stdout and "failing" in table.stdout


async def test_gitlab_is_checked_where_the_fleet_has_projects(emulator_factory: EmulatorFactory) -> None:
    server = emulator_factory(gitlab_world(), DOCUMENTED_BULK)
    github_only = await doctor(server)
    assert not any(upstream.startswith("gitlab") for upstream, _ in github_only)  # none tracked there
    base = server.url_for("gitlab")
    project = parse_repo_ref("https://gitlab.com/acme/tools/widget")
    settings = settings_for(server, gitlab_instances=(base,))
    found = {(c.upstream, c.check): c for c in await run_doctor(settings, [project])}
    instance = "gitlab " + base.removeprefix("http://")
    for upstream in ("gitlab", instance):
        assert found[(upstream, "reachable")].status is Status.OK
        assert "no token" in found[(upstream, "token")].detail and found[(upstream, "token")].fix
        assert "requests left this minute" in found[(upstream, "budget")].detail
    # the bulk canary's few candidates may all be on GitHub: the fleet's hosts still name gitlab.com
    fleet = {(c.upstream, c.check) for c in await run_doctor(settings, [WIDGET], hosts={"gitlab.com"})}
    assert ("gitlab", "reachable") in fleet
    refused = emulator_factory(gitlab_world(), {"gitlab": {"error_rate": 1}})
    failing = {(c.upstream, c.check): c for c in await run_doctor(settings_for(refused), [project])}
    assert failing[("gitlab", "reachable")].status is Status.FAILING
    assert "gitlab_api_url" in failing[("gitlab", "reachable")].fix


async def test_a_clock_off_the_database_servers(emulator_factory: EmulatorFactory) -> None:
    """A fleet compares beats and leases written by each machine's clock: one half a beat off the database
    server's clock is said (PostgreSQL; SQLite's clock is this machine's, and no line is shown)."""
    settings = settings_for(emulator_factory(tiny_world(), DOCUMENTED_BULK))
    for skew, status, said in [(12.0, Status.DEGRADED, "12.0 s behind"), (-0.4, Status.OK, "0.4 s ahead of")]:
        checks = await run_doctor(settings, [WIDGET], database_skew=skew)
        (line,) = [c for c in checks if c.check == "database clock"]
        assert line.status is status and line.detail.startswith(said), line
        assert ("NTP" in line.fix) is (status is Status.DEGRADED)
    assert not [c for c in await run_doctor(settings, [WIDGET]) if c.check == "database clock"]


@pytest.mark.parametrize("database", ["refused", "a file in the way"])
def test_a_database_doctor_cannot_read_is_failing_not_passed(
    emulator_factory: EmulatorFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database: str
) -> None:
    """A fleet whose database was away passed doctor ("degraded", exit 0), its canary line saying that no
    tracked repository was known — which it could not know."""
    server = emulator_factory(tiny_world())
    for name, value in settings_for(server).model_dump(mode="json").items():
        if name in ("depsdev_url", "ecosystems_url", "github_api_url", "polite_email"):
            monkeypatch.setenv(f"DISTSCOUT_{name.upper()}", value)
    monkeypatch.setenv("DISTSCOUT_GITHUB_TOKEN", "ghp_test")
    (tmp_path / "file").write_text("")
    url = {
        "refused": "postgresql://distscout:s3cret@127.0.0.1:1/fleet",  # nothing listens on port 1
        "a file in the way": f"sqlite:///{tmp_path / 'file' / 'doctor.db'}",
    }[database]
    monkeypatch.setenv("DISTSCOUT_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["doctor", "--json"])
    assert result.exit_code == 1, result.output
    checks = {(c["upstream"], c["check"]): c for c in json.loads(result.stdout)["checks"]}
    line = checks[("local", "database")]
    assert line["status"] == "failing" and "cannot use the database" in line["detail"]
    assert "s3cret" not in result.output and "\n" not in line["detail"] and line["fix"]
    assert "could not be read" in checks[("ecosyste.ms", "bulk canary")]["detail"]


async def test_a_readable_database_adds_no_line(emulator_factory: EmulatorFactory) -> None:
    found = await doctor(emulator_factory(tiny_world()))
    assert ("local", "database") not in found
