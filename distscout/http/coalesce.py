"""Coalesce questions from many concurrent callers into one request (the DataLoader pattern).

Each scan stays one coroutine per repository and awaits its own answer; questions of one *lane* that
arrive within `window` seconds of each other go out together, up to the lane's weight limit. A pool of
concurrent scans thus batches itself: no batch-claiming, no reordering of the scheduler's work.
"""

from __future__ import annotations

import asyncio
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Q = TypeVar("Q")  # a question
A = TypeVar("A")  # its answer


@dataclass
class _Waiting(Generic[Q, A]):
    question: Q
    weight: int
    answer: asyncio.Future[A]


@dataclass
class _Lane(Generic[Q, A]):
    limit: int
    waiting: deque[_Waiting[Q, A]] = field(default_factory=deque)
    weight: int = 0
    timer: asyncio.TimerHandle | None = None


class Coalescer(Generic[Q, A]):
    def __init__(
        self,
        send: Callable[[str, list[Q]], Awaitable[list[A]]],
        failed: Callable[[BaseException], A],
        limits: Mapping[str, int],
        window: float,
        max_questions: int | None = None,
    ) -> None:
        """`send(lane, questions)` answers a batch in order; `failed(exc)` answers it when `send` raised.

        A batch goes out when its lane's weight reaches the lane's limit, when it holds `max_questions`
        questions, or `window` seconds after its first question, whichever comes first.
        """
        self._send, self._failed, self.window = send, failed, window
        self.max_questions = max_questions
        self._lanes: dict[str, _Lane[Q, A]] = {name: _Lane(limit) for name, limit in limits.items()}
        self._running: set[asyncio.Task[None]] = set()
        self.batches: Counter[str] = Counter()  # batches sent per lane (benchmarks, tests: how full)

    async def ask(self, lane: str, question: Q, weight: int = 1) -> A:
        loop = asyncio.get_running_loop()
        queue = self._lanes[lane]
        if queue.waiting and queue.weight + weight > queue.limit:
            self._flush(lane)
        waiting: _Waiting[Q, A] = _Waiting(question, weight, loop.create_future())
        queue.waiting.append(waiting)
        queue.weight += weight
        if queue.weight >= queue.limit or len(queue.waiting) == self.max_questions:
            self._flush(lane)
        elif queue.timer is None:
            queue.timer = loop.call_later(self.window, self._flush, lane)
        return await waiting.answer

    def _flush(self, lane: str) -> None:
        queue = self._lanes[lane]
        if queue.timer is not None:
            queue.timer.cancel()
            queue.timer = None
        batch = list(queue.waiting)
        queue.waiting.clear()
        queue.weight = 0
        if batch:
            self.batches[lane] += 1
            task = asyncio.get_running_loop().create_task(self._answer(lane, batch))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _answer(self, lane: str, batch: list[_Waiting[Q, A]]) -> None:
        try:
            answers = await self._send(lane, [w.question for w in batch])
        except Exception as exc:  # noqa: BLE001 — a waiter must never hang on a bug in `send`
            answers = [self._failed(exc)] * len(batch)
        for waiting, answer in zip(batch, answers, strict=True):
            if not waiting.answer.done():
                waiting.answer.set_result(answer)
