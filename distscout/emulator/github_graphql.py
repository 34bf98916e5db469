"""`POST /graphql`: GitHub's GraphQL API for the queries distscout sends (upstream-apis.md §3.7).

Authentication is required (401 without an Authorization header). Every token has its own GraphQL budget
(`Limits.github_graphql_points_per_hour`, 5,000 points/h), separate from its REST budget; a query is charged
its points (graphql_schema.cost) before it runs, and one that does not fit in what is left answers HTTP 200
with a `RATE_LIMITED` error. Syntax and validation errors, and queries over the node limit, answer HTTP 200
with `errors` and no `data`, and are not charged. Answers are never cached and carry no ETag.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from distscout.emulator.budget import Limits, Window
from distscout.emulator.github_common import github_error
from distscout.emulator.graphql_cost import cost
from distscout.emulator.graphql_parse import GraphqlSyntaxError, parse
from distscout.emulator.graphql_resolve import Context, RateStatus, execute
from distscout.emulator.graphql_schema import fragments_of, validate
from distscout.emulator.model import World
from distscout.emulator.replies import Call, Reply, json_reply

PATH = "/graphql"
TIER = "graphql"  # the budget window's tier, and the x-ratelimit-resource it reports
_AUTH_DOCS = "https://docs.github.com/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql"
_NEEDS_AUTH = "This endpoint requires you to be authenticated."


def is_graphql(call: Call) -> bool:
    return call.method == "POST" and call.path == PATH


def budget_key(call: Call) -> str | None:
    """The GraphQL budget's key for this caller: its token; None without one (no anonymous GraphQL)."""
    token = call.headers.get("authorization", "").strip()
    return f"{TIER}:{token}" if token else None


def answer(call: Call, world: World, window: Window | None, limits: Limits) -> Reply:
    """The answer to one POST; charges `window` the query's points when the query runs."""
    if window is None:
        return github_error(401, _NEEDS_AUTH, _AUTH_DOCS)
    try:
        body = json.loads(call.body)
    except (UnicodeDecodeError, ValueError):
        return github_error(400, "Problems parsing JSON", "https://docs.github.com/graphql")
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str):
        return _errors([{"message": "A query attribute must be specified and must be a string."}])
    try:
        document = parse(query)
    except GraphqlSyntaxError as problem:
        return _errors(
            [{"message": problem.message, "locations": [{"line": problem.line, "column": problem.column}]}]
        )
    problems = validate(document)
    if problems:
        return _errors(problems)
    needed = cost(document, limits.github_graphql_max_nodes)
    if needed.over_at is not None:
        message = (
            f"By the time this query traverses to the {needed.over_at} connection, it is requesting up to "
            f"{needed.nodes:,} possible nodes which exceeds the maximum limit of "
            f"{limits.github_graphql_max_nodes:,}."
        )
        return _errors([{"type": "MAX_NODE_LIMIT_EXCEEDED", "message": message}])
    points = needed.points
    if points > window.remaining:
        return _errors([{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}])
    window.used += points
    rate = RateStatus(points, window.limit, needed.nodes, window.remaining, window.used, window.reset_at)
    context = Context(world, rate, fragments_of(document))
    payload: dict[str, Any] = {"data": execute(document.selections, context)}
    if context.errors:
        payload["errors"] = context.errors
    return replace(json_reply(payload), points=points)


def _errors(errors: list[dict[str, Any]]) -> Reply:
    return json_reply({"errors": errors})
