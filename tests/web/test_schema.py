"""Schemathesis against the app's own OpenAPI document: generated requests to every operation must get an
answer that the document describes (status, content type, body schema), and never a server error.

(Schemathesis' pytest plugin does not run under this pytest; its Hypothesis strategies are driven here.)
"""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from distscout.web.app import create_app
from distscout.web.service import Service
from tests.web.conftest import ADMIN

EXAMPLES = 15  # per operation
PAGED_LISTS = {
    "/api/repos",
    "/api/orphans",
    "/api/orphans/unconfirmed",
    "/api/unclaimed",
    "/api/manifests/unknown",
    "/api/packages/published",
    "/api/packages/declared",
}


def operations(service: Service) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(service))
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_covers_every_route(service: Service) -> None:
    labels = {operation.label for operation in operations(service)}
    assert len(labels) == 25, labels
    assert "POST /api/admin/integrity" in labels and "GET /api/repos/{owner}/{name}" in labels


def check(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    # Repository references are read by `parse_repo_ref`, whose rules no schema pattern can state in full
    # (URLs; ".", ".." or ".git" as a name): a 422 for a schema-valid one is documented, not a failure.
    # The paged lists take an opaque cursor, a sort column and an ecosystem the store may not know: a 422
    # naming the known ones is their documented answer to a schema-valid value that fits none.
    parsed = (
        "{owner}" in operation.path
        or "{host}" in operation.path
        or operation.label == "POST /api/admin/repos"
        or operation.path in PAGED_LISTS
    )
    excluded = [positive_data_acceptance] if parsed else []

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    conforms()


@pytest.mark.parametrize("authorized", [True, False], ids=["with-token", "without-token"])
def test_every_operation_conforms(service: Service, authorized: bool) -> None:
    checked = []
    with TestClient(create_app(service)):
        for operation in operations(service):
            check(operation, ADMIN if authorized else {})
            checked.append(operation.label)
    latest = service.integrity.latest
    assert latest is None or latest.done.wait(30)  # a repair a generated request started has finished
    assert len(checked) == 25
