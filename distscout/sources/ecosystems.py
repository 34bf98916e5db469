"""ecosyste.ms: packages whose registry metadata points at the repository URL.

The lookup is an exact, case-insensitive match on `https://github.com/{owner}/{name}`, so that exact form
is sent (and, for a renamed repository, the old URLs too: registries keep the name they were given).
`[]` is a miss. `go`/`actions`/`docker` rows are kept but flagged as noise.
"""

from __future__ import annotations

from collections.abc import Sequence

from distscout.captures import ECOSYSTEMS
from distscout.http import Outcome, UpstreamClient
from distscout.interpret import interpret_ecosystems
from distscout.repos import RepoRef
from distscout.sources.base import SourceResult, capture_of, worst

LOOKUP_PATH = "/api/v1/packages/lookup"


async def collect(client: UpstreamClient, repo: RepoRef, also: Sequence[RepoRef] = ()) -> SourceResult:
    captures, outcomes, errors = [], [], []
    for ref in (repo, *also):
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
