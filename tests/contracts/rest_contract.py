"""Reading GitHub's OpenAPI description (official.openapi): operations by path, their parameters, and
validators for their responses.

OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` becomes a `"null"` type (or enum member, or
an `anyOf` branch), and `$ref`s into `#/components/...` resolve against the description's own components,
which every validator carries alongside its schema.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema_rs

from tests.contracts.official import openapi

_PARAM = re.compile(r"\{(\w+)\}")
# `{path}` of the Contents API is a file path: GitHub documents it with its slashes (`docs/index.md`).
_MULTI_SEGMENT = frozenset({"path"})


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]  # the path item's and the operation's, `$ref`s resolved

    def query_parameters(self) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in self.parameters if p.get("in") == "query"}


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a `$ref` to `#/...` (several, if a reference names another)."""
    while "$ref" in node:
        target: Any = openapi()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def _templates() -> tuple[tuple[str, re.Pattern[str], int], ...]:
    found = []
    for template in openapi()["paths"]:
        pattern = "".join(
            f"(?P<{piece[1:-1]}>{'.+' if piece[1:-1] in _MULTI_SEGMENT else '[^/]+'})"
            if piece.startswith("{")
            else re.escape(piece)
            for piece in re.split(r"(\{\w+\})", template)
        )
        literal = len(_PARAM.sub("", template))  # the most literal template wins: /repos/x/y/releases
        found.append((template, re.compile(pattern), literal))
    return tuple(found)


def operation(method: str, path: str) -> Operation | None:
    """The documented operation answering `method path` (a raw path, no query), if there is one."""
    matching = [(literal, template) for template, pattern, literal in _templates() if pattern.fullmatch(path)]
    if not matching:
        return None
    template = max(matching)[1]
    item = openapi()["paths"][template]
    spec = item.get(method.lower())
    if spec is None:
        return None
    parameters = tuple(resolve(p) for p in [*item.get("parameters", []), *spec.get("parameters", [])])
    return Operation(method.upper(), template, spec, parameters)


def template_of(path: str) -> str | None:
    """The documented path template `path` matches, whatever the method."""
    matching = [(literal, template) for template, pattern, literal in _templates() if pattern.fullmatch(path)]
    return max(matching)[1] if matching else None


def to_json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema (draft 7)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: to_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is not True:
        return converted
    if "enum" in converted and None not in converted["enum"]:
        converted["enum"] = [*converted["enum"], None]
    if isinstance(converted.get("type"), str):
        converted["type"] = [converted["type"], "null"]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


@cache
def _components() -> dict[str, Any]:
    converted: dict[str, Any] = to_json_schema(openapi()["components"])
    return converted


def validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A validator of `schema` (OpenAPI), its `#/components/...` references resolvable."""
    return _validator(json.dumps(schema, sort_keys=True))


@cache
def _validator(schema_json: str) -> jsonschema_rs.Validator:
    # Compiling against all the components costs ~0.1 s: only schemas that refer to them carry them.
    document: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "allOf": [to_json_schema(json.loads(schema_json))],
    }
    if "$ref" in schema_json:
        document["components"] = _components()
    return jsonschema_rs.validator_for(document, validate_formats=True)


def response_schema(
    op: Operation, status: int, media_type: str = "application/json"
) -> dict[str, Any] | None:
    """The declared JSON body of `status` (None: the status declares no body); KeyError: not declared."""
    responses = op.spec["responses"]
    declared = responses.get(str(status)) or responses.get("default")
    if declared is None:
        raise KeyError(status)
    content = resolve(declared).get("content") or {}
    body = content.get(media_type)
    return None if body is None else body.get("schema")


@cache
def basic_error() -> dict[str, Any]:
    """GitHub's error body (`message`, `documentation_url`, …), what an undeclared error status carries."""
    schema: dict[str, Any] = {"$ref": "#/components/schemas/basic-error"}
    return schema
