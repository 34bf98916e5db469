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
- a secondary limit answered HTTP 200 (its error says "secondary rate limit", or "abuse detection" as GitHub
  once worded it; upstream-apis.md §3.7: "200 or 403"): `transient`, and the token waits as for the 403 form
  (its `retry-after`, else a minute doubling while refusals go on: `RateLimitState.secondary_limit`);
- an alias is `miss` only when GitHub said so: its value null and a NOT_FOUND error at its path (as REST's
  404). A null alias without that (an error naming no path — resource limits, timeouts — or of another
  type, or no error at all) is no answer: `transient`. So is an alias whose value came back while an error
  names a path inside it (a sub-field nulled by a timeout: `defaultBranchRef` null would read as "empty
  repository"), and every alias of an answer carrying an error that names no path (it may be any of them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
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
            # the exception's type only: its text may quote a request header (a token that could not be sent)
            lambda exc: Answer(Outcome.TRANSIENT, error=f"GraphQL batch failed: {type(exc).__name__}"),
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
        if _secondary_limited(payload, errors):
            self.client.secondary_limited(fetched)
            return [Answer(Outcome.TRANSIENT, error="GraphQL secondary rate limit")] * len(fields)
        if any(e.get("type") == "RATE_LIMITED" for e in errors):
            self.client.budget_spent(fetched)
            return [Answer(Outcome.TRANSIENT, error="GraphQL rate limit spent")] * len(fields)
        data = payload.get("data")
        if not isinstance(data, dict):
            message = "; ".join(str(e.get("message", "")) for e in errors) or "no data in the answer"
            return [Answer(Outcome.PERMANENT, error=f"GraphQL query rejected: {message}")] * len(fields)
        unplaced = [e for e in errors if not _path(e)]  # an error naming no path: any alias's, maybe
        return [_alias_answer(alias, data.get(alias), errors, unplaced) for alias in aliases]

    def _charge(self, data: object) -> None:
        """Count the query's points (the client counted one request already) for the pacer."""
        rate = data.get("rateLimit") if isinstance(data, dict) else None
        cost = rate.get("cost") if isinstance(rate, dict) else None
        if isinstance(cost, int) and cost >= 0:
            self.points += cost
            self.client.charged += cost - 1


def _alias_answer(
    alias: str, value: object, errors: list[dict[str, Any]], unplaced: list[dict[str, Any]]
) -> Answer:
    """One alias's answer. Only GitHub's own word makes a miss: null, with NOT_FOUND at the alias's path."""
    mine = [e for e in errors if _path(e)[:1] == [alias]]
    if value is None and any(e.get("type") == "NOT_FOUND" and _path(e) == [alias] for e in mine):
        return Answer(Outcome.MISS, error=_messages(e for e in mine if e.get("type") == "NOT_FOUND"))
    if mine or unplaced:  # null for another reason, or a part of it left out: no answer, ask again
        return Answer(Outcome.TRANSIENT, error=_messages([*mine, *unplaced]))
    if value is None:  # null without a word of why: not evidence that the repository is gone
        return Answer(Outcome.TRANSIENT, error="no answer for this alias (null without an error)")
    return Answer(Outcome.OK, data=value)


def _path(error: dict[str, Any]) -> list[Any]:
    path = error.get("path")
    return path if isinstance(path, list) else []


def _messages(errors: Iterable[dict[str, Any]]) -> str:
    said = "; ".join(str(e.get("message") or e.get("type") or "") for e in errors)
    return said or "GraphQL error"


_SECONDARY_WORDS = ("secondary rate limit", "abuse detection")


def _secondary_limited(payload: dict[str, Any], errors: list[dict[str, Any]]) -> bool:
    """GitHub's secondary-limit refusal in a 200: a message naming it, at the top level (the REST-style
    body) or in an error that names no path (an alias's error message may quote a repository's name)."""
    messages = [payload.get("message"), *(e.get("message") for e in errors if not _path(e))]
    return any(isinstance(m, str) and any(word in m.lower() for word in _SECONDARY_WORDS) for m in messages)


def capture_body(value: object) -> bytes:
    """The committed-input form of one alias's answer: its JSON, keys in a stable order."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
