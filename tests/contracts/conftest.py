"""The recorded runs the contract tests read, made once per session (they start emulators and scan)."""

from __future__ import annotations

import pytest

from tests.contracts.drive import run_clients, run_probes
from tests.contracts.recording import Exchange


@pytest.fixture(scope="session")
def client_exchanges() -> list[Exchange]:
    """Every GitHub exchange of distscout's clients (drive.py)."""
    return list(run_clients())


@pytest.fixture(scope="session")
def probe_exchanges() -> list[Exchange]:
    """Answers on the same routes that the clients' runs do not provoke (422, 400, /rate_limit, …)."""
    return list(run_probes())
