"""Every REST request distscout's GitHub clients send is a documented operation of api.github.com, with
documented query parameters and values (`@octokit/openapi`, the version contracts/package.json pins)."""

from __future__ import annotations

from typing import Any

from distscout.emulator.budget import Limits
from distscout.emulator.github import GithubService
from distscout.emulator.world import world_from_dict
from distscout.sources import github_packages
from tests.contracts import rest_contract
from tests.contracts.official import OPENAPI_PACKAGE, installed_version, pinned_version
from tests.contracts.recording import Exchange

# Requests of the clients that the description does not document, each with why it is still sent; a
# deviation that becomes documented (or is no longer sent) fails `test_known_deviations_still_deviate`.
# Requests GitHub answers that its description does not document, each with why it is sent anyway. None
# today (the baseline walk's root listing, once GET /repos/{o}/{r}/contents, now goes by the Trees API).
KNOWN_DEVIATIONS: dict[tuple[str, str], str] = {}
# Routes the emulator serves because GitHub answers them, though its description does not document them.
SERVED_UNDOCUMENTED = {
    ("GET", "/repos/{owner}/{repo}/contents"): "the root listing without a path (the description: {path})",
}


def _shape(exchange: Exchange) -> tuple[str, str]:
    """The request's path with its owner and repository elided, for grouping messages."""
    parts = exchange.path.split("/")
    if parts[1:2] == ["repos"] and len(parts) >= 4:
        parts[2:4] = ["{owner}", "{repo}"]
    return exchange.method, "/".join(parts)


def _rest(exchanges: list[Exchange]) -> list[Exchange]:
    return [e for e in exchanges if e.path != "/graphql"]


def test_the_installed_description_is_the_pinned_one() -> None:
    assert installed_version(OPENAPI_PACKAGE) == pinned_version(OPENAPI_PACKAGE)
    assert rest_contract.openapi()["openapi"].startswith("3.0.")


def test_every_request_is_a_documented_operation(client_exchanges: list[Exchange]) -> None:
    undocumented: dict[tuple[str, str], str] = {}
    for exchange in _rest(client_exchanges):
        if rest_contract.operation(exchange.method, exchange.path) is None:
            undocumented.setdefault(_shape(exchange), str(exchange))
    unexpected = {shape: seen for shape, seen in undocumented.items() if shape not in KNOWN_DEVIATIONS}
    assert not unexpected, f"requests GitHub's OpenAPI description does not document: {unexpected}"


def test_known_deviations_still_deviate(client_exchanges: list[Exchange]) -> None:
    sent = {_shape(e) for e in _rest(client_exchanges)}
    for (method, shape), reason in KNOWN_DEVIATIONS.items():
        assert (method, shape) in sent, f"no longer sent, drop it from KNOWN_DEVIATIONS: {reason}"
        path = shape.replace("{owner}", "acme").replace("{repo}", "widget")
        assert rest_contract.operation(method, path) is None, f"now documented, drop it: {reason}"


def _coerced(value: str, schema: dict[str, Any]) -> Any:
    """A query string value as the parameter's schema types it."""
    kind = schema.get("type")
    if kind == "integer" and value.lstrip("-").isdigit():
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def test_every_query_parameter_is_declared_and_its_value_fits(client_exchanges: list[Exchange]) -> None:
    problems: dict[str, str] = {}
    for exchange in _rest(client_exchanges):
        found = rest_contract.operation(exchange.method, exchange.path)
        if found is None:
            continue  # the test above reports it
        declared = found.query_parameters()
        for name, value in exchange.query_items:
            key = f"{found.method} {found.template} ?{name}"
            if name not in declared:
                problems.setdefault(key, f"not a parameter of the operation ({exchange})")
                continue
            schema = declared[name].get("schema", {})
            errors = [e.message for e in rest_contract.validator(schema).iter_errors(_coerced(value, schema))]
            if errors:
                problems.setdefault(key, f"{value!r}: {errors[0]} ({exchange})")
    assert not problems, problems


def test_the_package_types_asked_for_are_the_documented_ones() -> None:
    for template in ("/users/{username}/packages", "/orgs/{org}/packages"):
        found = rest_contract.operation("GET", template.replace("{username}", "u").replace("{org}", "o"))
        assert found is not None and found.template == template
        enum = found.query_parameters()["package_type"]["schema"]["enum"]
        assert set(github_packages.PACKAGE_TYPES) <= set(enum), (template, enum)


def test_every_route_the_emulator_serves_is_documented() -> None:
    """The emulator's GitHub routes, each filled with sample values, name a documented operation."""
    samples = {"owner": "acme", "repo": "widget", "path": "docs/index.md", "ref": "HEAD", "sha": "0" * 40}
    service = GithubService(world_from_dict({"format": 1, "repos": []}), Limits())
    for served in service.build_routes():
        if served.template == "/graphql":
            continue  # GraphQL has its own contract (test_graphql_*.py)
        path = served.template.format(**samples)
        if (served.method, served.template) in KNOWN_DEVIATIONS | SERVED_UNDOCUMENTED:
            continue
        found = rest_contract.operation(served.method, path)
        assert found is not None, f"{served.method} {served.template} is not in GitHub's description"
