"""Every answer the emulator gives on the REST routes distscout uses validates against the response schema
GitHub documents for its status (`@octokit/openapi`): what the clients provoked, and probes for the other
documented answers. An error status the operation does not declare (a 403 of a spent budget, a 404 of an
unknown user) must carry GitHub's generic error body, `basic-error`."""

from __future__ import annotations

import json

from tests.contracts import rest_contract
from tests.contracts.recording import Exchange


def _problems(exchanges: list[Exchange]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for exchange in exchanges:
        if exchange.path == "/graphql":
            continue
        found = rest_contract.operation(exchange.method, exchange.path)
        if found is None and exchange.path.endswith("/contents"):
            # The root listing (a known deviation, test_rest_routes.py) answers as /contents/{path} does.
            found = rest_contract.operation(exchange.method, exchange.path + "/README")
        if found is None:
            problems[str(exchange)] = "no documented operation"
            continue
        key = f"{found.method} {found.template} {exchange.status}"
        if key in problems:
            continue
        media_type = (exchange.header("content-type") or "").split(";")[0]
        try:
            schema = rest_contract.response_schema(found, exchange.status)
        except KeyError:
            if exchange.status < 300:
                problems[key] = f"status not documented ({exchange})"
                continue
            schema = rest_contract.basic_error()
        if schema is None and exchange.status >= 400:
            schema = rest_contract.basic_error()  # the description names the error, not its body
        if exchange.status == 304 or schema is None:
            if exchange.body:
                problems[key] = f"a body where GitHub documents none ({exchange})"
            continue
        if media_type != "application/json":
            problems[key] = f"content-type {media_type!r}, not JSON ({exchange})"
            continue
        errors = [
            f"{'/'.join(map(str, error.instance_path))}: {error.message[:200]}"
            for error in rest_contract.validator(schema).iter_errors(json.loads(exchange.body))
        ]
        if errors:
            problems[key] = f"{len(errors)} errors, e.g. {errors[:3]} ({exchange})"
    return problems


def test_every_answer_to_the_clients_matches_the_documented_schema(client_exchanges: list[Exchange]) -> None:
    problems = _problems(client_exchanges)
    assert not problems, "\n".join(f"{key}: {why}" for key, why in problems.items())


def test_the_other_documented_answers_match_too(probe_exchanges: list[Exchange]) -> None:
    statuses = {exchange.status for exchange in probe_exchanges}
    assert {200, 400, 404, 422} <= statuses, statuses
    problems = _problems(probe_exchanges)
    assert not problems, "\n".join(f"{key}: {why}" for key, why in problems.items())
