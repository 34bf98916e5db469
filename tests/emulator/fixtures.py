"""Emulator fixtures for the whole suite (registered in tests/conftest.py).

- `corpus_emulator` (session): the shared corpus world served on loopback. Its counters, budgets and fault
  plan are reset before every test that uses it, so tests stay independent.
- `emulator_factory` (function): `emulator_factory(world_dict_or_dir, faults=None, *, clock=None,
  limits=None)` starts an EmulatorServer, stopped at the end of the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import pytest

from distscout.emulator.budget import Limits
from distscout.emulator.faults import Clock, FaultsInput
from distscout.emulator.server import EmulatorServer, WorldInput
from distscout.emulator.world import load_world
from tests.corpus import CORPUS


class EmulatorFactory(Protocol):
    def __call__(
        self,
        world: WorldInput,
        faults: FaultsInput = None,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
    ) -> EmulatorServer: ...


@pytest.fixture(scope="session")
def corpus_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(load_world(CORPUS / "world")) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_corpus_emulator(request: pytest.FixtureRequest) -> None:
    if "corpus_emulator" in request.fixturenames:
        server: EmulatorServer = request.getfixturevalue("corpus_emulator")
        server.set_faults(None)
        server.reset()


@pytest.fixture
def emulator_factory() -> Iterator[EmulatorFactory]:
    started: list[EmulatorServer] = []

    def start(
        world: WorldInput,
        faults: FaultsInput = None,
        *,
        clock: Clock | None = None,
        limits: Limits | None = None,
    ) -> EmulatorServer:
        server = EmulatorServer(world, faults, clock=clock, limits=limits).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
