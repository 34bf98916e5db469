"""What every task of a running process is waiting on, on demand: `kill -USR1 <pid>` writes it to stderr.

A worker that sits idle while it holds claims is waiting on something that will never come; Python's own
`faulthandler` shows the threads (idle, in `select`), not the event loop's tasks. `Task.get_stack()` stops
at a task's outermost coroutine, so this follows each coroutine's `cr_await` down to the future it waits
on: the line where it waits, and what.
"""

from __future__ import annotations

import asyncio
import collections
import signal
import sys
from collections.abc import Iterator
from types import CoroutineType, FrameType, GeneratorType
from typing import Any, TextIO

SIGNAL = getattr(signal, "SIGUSR1", None)  # none on Windows: the dump is not offered there


def _awaited(step: Any) -> Any:
    """What a coroutine (or generator-based coroutine) is suspended on."""
    return getattr(step, "cr_await", None) or getattr(step, "gi_yieldfrom", None)


def _frame(step: Any) -> FrameType | None:
    return getattr(step, "cr_frame", None) or getattr(step, "gi_frame", None)


def await_chain(task: asyncio.Task[Any]) -> Iterator[str]:
    """One line per coroutine the task is suspended in, outermost first; then what the innermost awaits."""
    step: Any = task.get_coro()
    for _ in range(200):  # a chain is short; the bound only guards a cycle
        frame = _frame(step)
        if frame is None:
            break
        yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        awaited = _awaited(step)
        if awaited is None:
            return
        if _frame(awaited) is None and not isinstance(awaited, CoroutineType | GeneratorType):
            yield f"waiting on {_describe(getattr(task, '_fut_waiter', None))}"
            return
        step = awaited


def _describe(future: Any) -> str:
    """The future a task waits on, without its address (so that equal waits group together)."""
    if future is None:
        return "nothing (about to run)"
    if isinstance(future, asyncio.Task):
        return f"task {future.get_name()}"
    return f"a {type(future).__name__}{' (cancelled)' if future.cancelled() else ''}"


def dump_tasks(out: TextIO | None = None) -> None:
    """Write every task of the running loop, grouped by identical chains (fifty scans waiting at one line
    are one entry, counted), to `out` (stderr)."""
    out = out or sys.stderr
    chains: collections.Counter[tuple[str, ...]] = collections.Counter()
    names: dict[tuple[str, ...], str] = {}
    for task in asyncio.all_tasks():
        chain = tuple(await_chain(task))
        chains[chain] += 1
        names.setdefault(chain, task.get_name())
    print(f"--- {sum(chains.values())} tasks, {len(chains)} distinct waits ---", file=out)
    for chain, count in chains.most_common():
        print(f"{count} x task like {names[chain]}:", file=out)
        for line in chain:
            print(f"    {line}", file=out)
    out.flush()


def on_signal(loop: asyncio.AbstractEventLoop) -> None:
    """Dump the loop's tasks on SIGUSR1 (where the platform has it)."""
    if SIGNAL is not None:
        loop.add_signal_handler(SIGNAL, dump_tasks)
