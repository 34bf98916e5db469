"""Many scans' GitHub questions in one GraphQL query.

Scans stay one coroutine per repository; each asks its question (`ask(lane, field)`) and awaits its own
answer. Questions of one lane (metadata, releases, tree, blobs) that arrive together go out as aliases of
one query (`distscout.http.coalesce`) — a query of 50 repositories' metadata costs GitHub 1 point instead
of 50 REST requests.

One answer per question, in the outcomes the rest of distscout speaks:
- the query failed (HTTP error, timeout, circuit open): every question in it gets that outcome;
- GitHub rejected the query itself (no `data`: a syntax or schema error): `permanent` — the caller falls
  back to REST;
- the primary budget is spent (HTTP 200 with a RATE_LIMITED error): `transient`, and the client waits for
  the reset before its next call;
- one alias could not be resolved: `miss` for NOT_FOUND (as REST's 404), `transient` for anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from distscout.http import Outcome, UpstreamClient
from distscout.http.coalesce import Coalescer
from distscout.sources import github_queries

GRAPHQL_PATH = "/graphql"
WINDOW = 0.05  # seconds a question waits for company before its query goes out


# Per lane, how much one query carries: aliases; blobs for the blobs lane; possible nodes for releases
# (GitHub refuses a query that could return over 500,000 nodes: releases(first: n) with 100 assets
# each is 101 × n of them).
MAX_NODES = 450_000
# Aliases in one query, whatever their weight: 4,455 small releases questions fit the node limit but make a
# 1 MB document; GitHub advises moderate batches (upstream-apis.md §3.7: about 25 to 100 repositories).
MAX_ALIASES = 100
LANES = {
    "metadata": 50,  # 50 × releases(first: 100) = 50 requests: still 1 point; 5,000 nodes
    "releases": MAX_NODES,
    "tree": 10,  # whole trees: keep the answer moderate
    "blobs": 100,
}


@dataclass(frozen=True)
class Answer:
    outcome: Outcome
    data: Any = None  # the alias's value (a repository object), when the outcome is ok
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK


class GraphQLBatcher:
    def __init__(self, client: UpstreamClient, window: float = WINDOW) -> None:
        self.client = client
        self.queries = 0  # queries sent, and the points GitHub said they cost
        self.points = 0
        self.unavailable = ""  # set once the endpoint is known not to exist: every question goes to REST
        self._coalescer: Coalescer[str, Answer] = Coalescer(
            lambda lane, fields: self._query(fields),
            lambda exc: Answer(Outcome.TRANSIENT, error=f"GraphQL batch failed: {exc!r}"),
            LANES,
            window,
            max_questions=MAX_ALIASES,
        )

    @property
    def batches(self) -> dict[str, int]:
        """Queries sent per lane (metadata, releases, tree, blobs)."""
        return dict(self._coalescer.batches)

    async def ask(self, lane: str, field: str, weight: int = 1) -> Answer:
        """Ask one aliased top-level field (`repository(...) { ... }`); wait for its answer."""
        if self.unavailable:
            return Answer(Outcome.PERMANENT, error=self.unavailable)
        return await self._coalescer.ask(lane, field, weight)

    async def _query(self, fields: list[str]) -> list[Answer]:
        aliases = [f"r{i}" for i in range(len(fields))]
        document = github_queries.document(zip(aliases, fields, strict=True))
        fetched = await self.client.request("POST", GRAPHQL_PATH, json_body={"query": document})
        self.queries += 1
        if fetched.outcome is Outcome.MISS:  # no GraphQL endpoint here: REST must do, from now on
            self.unavailable = "no GraphQL endpoint (HTTP 404)"
            return [Answer(Outcome.PERMANENT, error=self.unavailable)] * len(fields)
        if not fetched.ok:
            return [Answer(fetched.outcome, error=fetched.error)] * len(fields)
        payload = fetched.data if isinstance(fetched.data, dict) else {}
        errors = [e for e in payload.get("errors") or [] if isinstance(e, dict)]
        self._charge(payload.get("data"))
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            self.client.budget_spent(fetched)
            return [Answer(Outcome.TRANSIENT, error="GraphQL rate limit spent")] * len(fields)
        data = payload.get("data")
        if not isinstance(data, dict):
            message = "; ".join(str(e.get("message", "")) for e in errors) or "no data in the answer"
            return [Answer(Outcome.PERMANENT, error=f"GraphQL query rejected: {message}")] * len(fields)
        return [_alias_answer(alias, data.get(alias), errors) for alias in aliases]

    def _charge(self, data: object) -> None:
        """Count the query's points (the client counted one request already) for the pacer."""
        rate = data.get("rateLimit") if isinstance(data, dict) else None
        cost = rate.get("cost") if isinstance(rate, dict) else None
        if isinstance(cost, int) and cost >= 0:
            self.points += cost
            self.client.charged += cost - 1


def _alias_answer(alias: str, value: object, errors: list[dict[str, Any]]) -> Answer:
    mine = [e for e in errors if isinstance(e.get("path"), list) and e["path"][:1] == [alias]]
    if mine:
        message = "; ".join(str(e.get("message", "")) for e in mine)
        if any(e.get("type") == "NOT_FOUND" for e in mine) and value is None:
            return Answer(Outcome.MISS, error=message)
        if value is None:
            return Answer(Outcome.TRANSIENT, error=message)
    if value is None:
        return Answer(Outcome.MISS, error="not found")
    return Answer(Outcome.OK, data=value)


def capture_body(value: object) -> bytes:
    """The committed-input form of one alias's answer: its JSON, keys in a stable order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
