"""ecosyste.ms: packages whose registry metadata points at the repository URL.

The lookup is an exact, case-insensitive match on `https://github.com/{owner}/{name}`, so that exact form
is sent (and, for a renamed repository, the old URLs too: registries keep the name they were given).
`[]` is a miss. `go`/`actions`/`docker` rows are kept but flagged as noise.

Batched (the default): the URLs of concurrent scans go out together in one `POST bulk_lookup`, whose
answer is grouped back by `repository_url`. As deployed, the service answers that form `[]` for every array
(its model scope downcases an Array to nil; upstream-apis.md §2.2), so an empty bulk answer proves nothing.
The bulk form is therefore trusted only through a canary: a URL whose single lookup found packages in this
run goes into every bulk request, and an answer without the canary's packages is not believed — the batcher
turns to single lookups for the rest of the run and says so (log, `/metrics`, `doctor`). Until a canary is
known every lookup is single. A full answer (1,000 packages, silently capped) is not trusted either: its
repositories are looked up one by one, as are all of them when the endpoint is missing.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from distscout.captures import Capture, utc_now
from distscout.http import Fetched, Outcome, UpstreamClient
from distscout.http.coalesce import Coalescer
from distscout.interpreters.ecosystems import ECOSYSTEMS
from distscout.repos import RepoRef
from distscout.results import SourceResult, worst
from distscout.sources.base import ScanContext, Source, capture_of

LOOKUP_PATH = "/api/v1/packages/lookup"
BULK_PATH = "/api/v1/packages/bulk_lookup"
BULK_URLS = 49  # repository URLs per bulk request, and the canary: 50 in all
BULK_RESULT_CAP = 1000  # ecosyste.ms returns at most this many packages, silently
PER_PAGE = 1000  # the single lookup's largest page (its default is 100: a monorepo has more)
MAX_PAGES = 10
WINDOW = 0.01

log = logging.getLogger("distscout.sources.ecosystems")


class BulkState(StrEnum):
    UNPROVEN = "unproven"  # no canary known yet: single lookups
    PROVEN = "proven"  # a bulk answer held the canary's packages: in use, each answer checked again
    BROKEN = "broken"  # the canary failed, or there is no bulk endpoint: single lookups for this run


@dataclass(frozen=True)
class BulkAnswer:
    outcome: Outcome
    records: list[Any] | None = None  # this URL's packages, when ok
    error: str = ""


class EcosystemsBatcher:
    def __init__(self, client: UpstreamClient, window: float = WINDOW, quiet: bool = False) -> None:
        self.client = client
        self.quiet = quiet  # doctor reports the state itself
        self.state = BulkState.UNPROVEN
        self.reason = "no canary yet: a single lookup must first find packages"
        self.canary: str | None = None  # a URL whose single lookup found packages in this run
        self._coalescer: Coalescer[str, BulkAnswer] = Coalescer(
            lambda lane, urls: self._lookup_many(urls),
            lambda exc: BulkAnswer(Outcome.TRANSIENT, error=f"bulk lookup failed: {exc!r}"),
            {"lookup": BULK_URLS},
            window,
        )

    def learn(self, url: str, records: Sequence[Any]) -> None:
        """A single lookup found `records` for `url`: the URL can prove (or disprove) the bulk form."""
        if self.canary is None and records and self.state is BulkState.UNPROVEN:
            self.canary = url
            self.reason = f"canary {url} not yet asked in bulk"

    async def lookup(self, url: str) -> BulkAnswer:
        """This URL's packages; `permanent` means "ask the single lookup" (no proof, no bulk, or a cap)."""
        if self.state is BulkState.BROKEN or self.canary is None:
            return BulkAnswer(Outcome.PERMANENT, error=f"bulk lookup not used: {self.reason}")
        return await self._coalescer.ask("lookup", url)

    async def _lookup_many(self, urls: list[str]) -> list[BulkAnswer]:
        canary = self.canary
        if canary is None:  # lookup() asks only once there is one
            return [BulkAnswer(Outcome.PERMANENT, error="bulk lookup not used: no canary")] * len(urls)
        asked = urls if canary.lower() in {url.lower() for url in urls} else [*urls, canary]
        fetched = await self.client.request("POST", BULK_PATH, json_body={"repository_urls": asked})
        if fetched.outcome is Outcome.MISS:
            self._give_up(f"{BULK_PATH} answered {fetched.status}: no bulk endpoint")
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
        if not grouped.get(canary.lower()):
            self._give_up(
                f"its answer lacked the packages of the canary {canary}, which the single lookup finds "
                f"({len(fetched.data)} packages for {len(asked)} URLs)"
            )
            return [BulkAnswer(Outcome.PERMANENT, error="bulk answer failed its canary")] * len(urls)
        if self.state is BulkState.UNPROVEN:
            self.state, self.reason = BulkState.PROVEN, f"canary {canary} answered in bulk"
            level = logging.DEBUG if self.quiet else logging.INFO
            log.log(level, "ecosyste.ms bulk_lookup proven by the canary %s: lookups go out in bulk", canary)
        return [BulkAnswer(Outcome.OK, grouped.get(url.lower(), [])) for url in urls]

    def _give_up(self, reason: str) -> None:
        if self.state is not BulkState.BROKEN and not self.quiet:
            log.warning(
                "ecosyste.ms bulk_lookup not trusted (%s): single lookups for the rest of this run", reason
            )
        self.state, self.reason = BulkState.BROKEN, reason


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
        pages = await _lookup_pages(client, ref.url)
        if pages[-1].ok and not isinstance(pages[-1].data, list):
            outcomes.append(Outcome.TRANSIENT)
            errors.append("lookup answer is not a list")
            continue
        if pages[-1].outcome.is_answer:
            captures += [capture_of(ECOSYSTEMS, "ecosystems.lookup", page, subject=ref.url) for page in pages]
            records = [record for page in pages if isinstance(page.data, list) for record in page.data]
            outcomes.append(Outcome.OK if records else Outcome.MISS)
            if bulk is not None and records:
                bulk.learn(ref.url, records)
        else:
            outcomes.append(pages[-1].outcome)
            errors.append(pages[-1].error)
    return SourceResult(ECOSYSTEMS, worst(outcomes), tuple(captures), detail="; ".join(errors))


async def _lookup_pages(client: UpstreamClient, url: str) -> list[Fetched]:
    """Every page of a single lookup (pagy countless: `rel="next"` until a short page). The last one tells
    how it ended: a page that fails makes the whole lookup fail, as a partial list is not the answer, and so
    does a lookup longer than MAX_PAGES pages (as GitLab's lister, gitlab_lists.py)."""
    pages: list[Fetched] = []
    for page in range(1, MAX_PAGES + 1):
        params = {"repository_url": url, "per_page": str(PER_PAGE), "page": str(page)}
        fetched = await client.get(LOOKUP_PATH, params=params)
        pages.append(fetched)
        full = isinstance(fetched.data, list) and len(fetched.data) >= PER_PAGE
        if not fetched.ok or not full or 'rel="next"' not in fetched.headers.get("link", ""):
            return pages
    # More packages than MAX_PAGES pages hold: not an answer (a package past the cap would read as absent).
    error = f"more than {MAX_PAGES} pages of packages for {url}"
    pages.append(Fetched(Outcome.TRANSIENT, url=LOOKUP_PATH, error=error))
    return pages


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


async def _collect(context: ScanContext) -> SourceResult:
    metadata = context.metadata
    renamed = (metadata.renamed_from,) if metadata is not None and metadata.renamed_from else ()
    upstreams = context.upstreams
    return await collect(upstreams.ecosystems, context.repo, also=renamed, bulk=upstreams.ecosystems_bulk)


SOURCE = Source(ECOSYSTEMS, "ecosystems", _collect)
