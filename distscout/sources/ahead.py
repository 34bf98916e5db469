"""Work started for the scans of claimed repositories before they begin (`github_ahead`); each scan takes
its own, once."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from distscout.repos import RepoRef

MOST = 500  # repositories whose work is kept (10 chunks of claims): older ones are let go

METADATA = "metadata"  # what a scan takes first; the other entries are its sources' results, by name


class Ahead:
    """Entries are kept per repository, as it was claimed, and let go together: the oldest repository's
    when there are too many (a claim given back unscanned leaves them behind), all at `cancel()`. So a
    scan takes its metadata and its sources' results from one start, or none of them."""

    def __init__(self, most: int = MOST) -> None:
        self.most = most
        self._repos: dict[str, dict[str, asyncio.Task[Any]]] = {}

    def __contains__(self, claimed: RepoRef) -> bool:
        return claimed.key in self._repos

    def waiting(self, claimed: RepoRef) -> bool:
        """Started for this repository and not taken by its scan yet (its metadata is still here)."""
        return METADATA in self._repos.get(claimed.key, {})

    def drop(self, claimed: RepoRef) -> None:
        """Let go what is left of an earlier start (results its scan did not take)."""
        _cancel(self._repos.pop(claimed.key, {}))

    def __len__(self) -> int:
        return len(self._repos)

    def start(self, claimed: RepoRef, what: str, work: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(_retrieved)
        self._repos.setdefault(claimed.key, {})[what] = task
        while len(self._repos) > self.most:
            _cancel(self._repos.pop(next(iter(self._repos))))
        return task

    def take(self, claimed: RepoRef, what: str) -> asyncio.Task[Any] | None:
        entries = self._repos.get(claimed.key)
        if entries is None:
            return None
        task = entries.pop(what, None)
        if not entries:
            del self._repos[claimed.key]
        return task

    def cancel(self) -> None:
        repos, self._repos = self._repos, {}
        for entries in repos.values():
            _cancel(entries)


def _cancel(entries: dict[str, asyncio.Task[Any]]) -> None:
    for task in entries.values():
        task.cancel()


def _retrieved(task: asyncio.Task[Any]) -> None:
    """An answer nobody took is dropped quietly (asyncio would log "exception never retrieved")."""
    if not task.cancelled():
        task.exception()


async def result_of(early: asyncio.Task[Any]) -> Any:
    """The task's result; None when it was let go or failed (the scan then asks for itself). A scan
    cancelled while it waits is cancelled; the task is not (`asyncio.wait` leaves it be)."""
    await asyncio.wait([early])
    if early.cancelled() or early.exception() is not None:
        return None
    return early.result()
