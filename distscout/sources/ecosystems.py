"""ecosyste.ms: packages whose registry metadata points at the repository URL.

The lookup is an exact, case-insensitive match on `https://github.com/{owner}/{name}`, so that exact form
is sent (and, for a renamed repository, the old URLs too: registries keep the name they were given).
`[]` is a miss. `go`/`actions`/`docker` rows are kept but flagged as noise.

Batched (the default): the URLs of concurrent scans go out together in one `POST bulk_lookup`, whose
answer is grouped back by `repository_url` — the same records the single lookup returns, one request per
50 repositories. The bulk answer stops at 1,000 packages without saying so: a full answer is not trusted,
and its repositories are looked up one by one, as are all of them when the endpoint is missing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from distscout.captures import ECOSYSTEMS, Capture, utc_now
from distscout.http import Outcome, UpstreamClient
from distscout.http.coalesce import Coalescer
from distscout.interpret import interpret_ecosystems
from distscout.repos import RepoRef
from distscout.sources.base import SourceResult, capture_of, worst

LOOKUP_PATH = "/api/v1/packages/lookup"
BULK_PATH = "/api/v1/packages/bulk_lookup"
BULK_URLS = 50  # repository URLs per bulk request
BULK_RESULT_CAP = 1000  # ecosyste.ms returns at most this many packages, silently
WINDOW = 0.01


@dataclass(frozen=True)
class BulkAnswer:
    outcome: Outcome
    records: list[Any] | None = None  # this URL's packages, when ok
    error: str = ""


class EcosystemsBatcher:
    def __init__(self, client: UpstreamClient, window: float = WINDOW) -> None:
        self.client = client
        self.unavailable = False
        self._coalescer: Coalescer[str, BulkAnswer] = Coalescer(
            lambda lane, urls: self._lookup_many(urls),
            lambda exc: BulkAnswer(Outcome.TRANSIENT, error=f"bulk lookup failed: {exc!r}"),
            {"lookup": BULK_URLS},
            window,
        )

    async def lookup(self, url: str) -> BulkAnswer:
        """This URL's packages; `permanent` means "ask the single lookup" (no bulk, or a capped answer)."""
        if self.unavailable:
            return BulkAnswer(Outcome.PERMANENT, error="no bulk_lookup")
        return await self._coalescer.ask("lookup", url)

    async def _lookup_many(self, urls: list[str]) -> list[BulkAnswer]:
        fetched = await self.client.request("POST", BULK_PATH, json_body={"repository_urls": urls})
        if fetched.outcome is Outcome.MISS:
            self.unavailable = True
        if not fetched.ok:
            outcome = Outcome.PERMANENT if fetched.outcome is Outcome.MISS else fetched.outcome
            return [BulkAnswer(outcome, error=fetched.error)] * len(urls)
        if not isinstance(fetched.data, list):
            return [BulkAnswer(Outcome.TRANSIENT, error="bulk answer is not a list")] * len(urls)
        if len(fetched.data) >= BULK_RESULT_CAP:  # possibly cut short: each URL on its own
            return [BulkAnswer(Outcome.PERMANENT, error="bulk answer at its cap")] * len(urls)
        grouped: dict[str, list[Any]] = defaultdict(list)
        for record in fetched.data:
            if isinstance(record, dict) and isinstance(record.get("repository_url"), str):
                grouped[record["repository_url"].lower()].append(record)
        return [BulkAnswer(Outcome.OK, grouped.get(url.lower(), [])) for url in urls]


async def collect(
    client: UpstreamClient,
    repo: RepoRef,
    also: Sequence[RepoRef] = (),
    bulk: EcosystemsBatcher | None = None,
) -> SourceResult:
    captures, outcomes, errors = [], [], []
    for ref in (repo, *also):
        if bulk is not None and (answer := await bulk.lookup(ref.url)).outcome is not Outcome.PERMANENT:
            if answer.records is not None:
                captures.append(_bulk_capture(ref.url, answer.records))
                outcomes.append(Outcome.OK if answer.records else Outcome.MISS)
            else:
                outcomes.append(answer.outcome)
                errors.append(answer.error)
            continue
        fetched = await client.get(LOOKUP_PATH, params={"repository_url": ref.url})
        if fetched.outcome is Outcome.OK and not isinstance(fetched.data, list):
            outcomes.append(Outcome.TRANSIENT)
            errors.append("lookup answer is not a list")
            continue
        if fetched.outcome.is_answer:
            captures.append(capture_of(ECOSYSTEMS, "ecosystems.lookup", fetched, subject=ref.url))
            outcomes.append(Outcome.OK if fetched.data else Outcome.MISS)
        else:
            outcomes.append(fetched.outcome)
            errors.append(fetched.error)
    observations = tuple(interpret_ecosystems(captures))
    return SourceResult(ECOSYSTEMS, worst(outcomes), tuple(captures), observations, detail="; ".join(errors))


def _bulk_capture(url: str, records: list[Any]) -> Capture:
    """This URL's share of a bulk answer: the records its single lookup would have returned."""
    return Capture(
        ECOSYSTEMS,
        "ecosystems.lookup",
        f"POST {BULK_PATH} (repository_url={url})",
        200,
        json.dumps(records, separators=(",", ":")).encode(),
        utc_now(),
        subject=url,
    )
