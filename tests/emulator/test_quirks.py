"""The fault plan's quirks: parsed strictly (bad input is a clear error naming the field), real by default."""

from __future__ import annotations

import pytest

from distscout.emulator.faults import FaultPlanError, load_fault_plan
from distscout.emulator.quirks import DEFAULTS, EcosystemsQuirks, GithubQuirks


def test_defaults_are_the_real_services() -> None:
    plan = load_fault_plan(None)
    assert plan.quirks_for("ecosystems") == EcosystemsQuirks("as_deployed") == DEFAULTS["ecosystems"]
    github = plan.quirks_for("github")
    assert isinstance(github, GithubQuirks) and github.can_read_packages and github.clock_skew_s == 0


def test_quirks_are_read() -> None:
    plan = load_fault_plan(
        {
            "github": {
                "quirks": {"token_kind": "fine_grained", "clock_skew_s": -30, "revoked_tokens": ["ghp_x"]}
            },
            "ecosystems": {"quirks": {"bulk_repository_urls": "as_documented"}},
            "depsdev": {"quirks": {"unknown_relation_type": ["PyPI/Acme-Widget"]}},
        }
    )
    github = plan.quirks_for("github")
    assert isinstance(github, GithubQuirks) and not github.can_read_packages and github.clock_skew_s == -30
    assert github.revoked_tokens == frozenset({"ghp_x"})
    assert github.graphql_secondary_limit_status == 403, "GitHub's 403 form unless told otherwise"
    two_hundred = load_fault_plan({"github": {"quirks": {"graphql_secondary_limit_status": 200}}})
    assert two_hundred.quirks_for("github").graphql_secondary_limit_status == 200  # type: ignore[union-attr]
    assert plan.quirks_for("ecosystems") == EcosystemsQuirks("as_documented")
    assert plan.quirks_for("depsdev").unknown_relation_type == frozenset({"pypi/acme-widget"})  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("plan", "said"),
    [
        ({"github": {"quirks": {"token_kind": "app"}}}, "token_kind: expected one of classic, fine_grained"),
        ({"github": {"quirks": {"token_scopes": "repo"}}}, "token_scopes: expected a list of scope names"),
        ({"github": {"quirks": {"token_scopes": [""]}}}, "expected a scope name"),
        ({"github": {"quirks": {"clock_skew_s": 10**9}}}, "clock_skew_s: expected a number between"),
        ({"github": {"quirks": {"revoked_tokens": "ghp_x"}}}, "revoked_tokens: expected a list of tokens"),
        ({"github": {"quirks": {"revoked_tokens": ["ghp_x", ""]}}}, "revoked_tokens[1]: expected a token"),
        ({"github": {"quirks": {"revoked_tokens": [7]}}}, "expected a token, got"),
        ({"github": {"quirks": {"graphql_secondary_limit_status": 429}}}, "status: expected 403 or 200"),
        ({"github": {"quirks": {"graphql_secondary_limit_status": True}}}, "status: expected 403 or 200"),
        ({"ecosystems": {"quirks": {"bulk_repository_urls": "sometimes"}}}, "as_deployed, as_documented"),
        ({"ecosystems": {"quirks": {"nonsense": 1}}}, "nonsense"),
        ({"depsdev": {"quirks": {"unknown_relation_type": ["noslash"]}}}, "expected 'ecosystem/name'"),
        ({"depsdev": {"quirks": []}}, "expected an object"),
    ],
)
def test_bad_quirks_are_refused_with_the_field_named(plan: dict[str, object], said: str) -> None:
    with pytest.raises(FaultPlanError) as refused:
        load_fault_plan(plan)
    message = str(refused.value)
    assert said in message and "quirks" in message and "\n" not in message, message
