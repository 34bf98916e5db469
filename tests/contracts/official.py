"""GitHub's own machine-readable contracts, as installed from npm at the versions contracts/package.json pins.

- `@octokit/graphql-schema`: `schema.graphql`, the SDL of GitHub's public GraphQL schema;
- `@octokit/openapi`: `generated/api.github.com.json`, the OpenAPI 3.0.3 description of api.github.com.

They are read at test time from `contracts/node_modules` (never copied into the repository): `./scripts/test`
installs them with `npm ci --prefix contracts`. A missing package fails the test that needs it, naming the
command; a contract test never skips.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import graphql
import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "contracts" / "node_modules"
GRAPHQL_PACKAGE = "@octokit/graphql-schema"
OPENAPI_PACKAGE = "@octokit/openapi"
SDL = MODULES / GRAPHQL_PACKAGE / "schema.graphql"
OPENAPI = MODULES / OPENAPI_PACKAGE / "generated" / "api.github.com.json"
INSTALL_HINT = "run ./scripts/test (npm ci --prefix contracts)"


def _required(path: Path) -> Path:
    if not path.is_file():
        pytest.fail(f"GitHub's contract {path.relative_to(ROOT)} is not installed: {INSTALL_HINT}", False)
    return path


def installed_version(package: str) -> str:
    """The version npm installed (what the lock pins), for messages and the report."""
    manifest = _required(MODULES / package / "package.json")
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


def pinned_version(package: str) -> str:
    pins: dict[str, str] = json.loads((ROOT / "contracts" / "package.json").read_text(encoding="utf-8"))[
        "dependencies"
    ]
    return pins[package]


@cache
def graphql_schema() -> graphql.GraphQLSchema:
    """GitHub's schema. Built without graphql-js's schema checks: GitHub's SDL (served by graphql-ruby)
    defines two `EnterpriseOwnerInfo` fields twice and deprecates `id` on some `Node` implementations,
    which graphql-core would refuse; neither touches what distscout asks."""
    sdl = _required(SDL).read_text(encoding="utf-8")
    return graphql.build_schema(sdl, assume_valid=True, assume_valid_sdl=True)


@cache
def openapi() -> dict[str, Any]:
    description: dict[str, Any] = json.loads(_required(OPENAPI).read_text(encoding="utf-8"))
    return description
