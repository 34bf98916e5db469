"""`kill -USR1` on a worker dumps what each of its tasks waits on, grouped (worker/stacks.py)."""

from __future__ import annotations

import asyncio
import io
import os
import signal

import pytest

from distscout.worker import stacks


async def _stored(answer: asyncio.Future[int]) -> int:
    return await answer  # the line a stalled scan would wait at


async def _scan(answer: asyncio.Future[int]) -> int:
    return await _stored(answer)


def test_the_dump_follows_each_task_down_to_the_future_it_waits_on() -> None:
    async def main() -> str:
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        scans = [asyncio.create_task(_scan(answer)) for _ in range(3)]
        await asyncio.sleep(0)
        out = io.StringIO()
        stacks.dump_tasks(out)
        answer.set_result(1)
        assert await asyncio.gather(*scans) == [1, 1, 1]
        return out.getvalue()

    dumped = asyncio.run(main())
    assert "4 tasks, 2 distinct waits" in dumped  # the three scans are one entry, and main
    scan_entry = dumped.split("3 x task like ")[1]
    lines = scan_entry.splitlines()
    assert "in _scan" in lines[1] and "in _stored" in lines[2]
    assert lines[3].strip() == "waiting on a Future"


@pytest.mark.skipif(stacks.SIGNAL is None, reason="no SIGUSR1 on this platform")
def test_sigusr1_dumps_the_tasks_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        stacks.on_signal(loop)
        answer: asyncio.Future[int] = loop.create_future()
        scan = asyncio.create_task(_scan(answer))
        os.kill(os.getpid(), signal.SIGUSR1)
        await asyncio.sleep(0.05)  # the handler runs on the loop
        loop.remove_signal_handler(signal.SIGUSR1)
        answer.set_result(1)
        await scan

    asyncio.run(main())
    assert "in _stored" in capsys.readouterr().err
