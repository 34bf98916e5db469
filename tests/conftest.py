"""Suite-wide setup: hermetic settings, and the emulator fixtures."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.emulator.fixtures", "tests.databases", "tests.scanned"]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read the developer's own configuration or tokens (DISTSCOUT_CONFIG=/dev/null: no file).
    os.environ["DISTSCOUT_CONFIG"] = os.devnull
    for name in (
        "GITHUB_TOKEN",
        "DISTSCOUT_GITHUB_TOKEN",
        "DISTSCOUT_DATABASE_URL",
        "DISTSCOUT_POLITE_EMAIL",
        "DISTSCOUT_API_TOKEN",
        "DISTSCOUT_PROTECT_READS",
        "GITLAB_TOKEN",
        "DISTSCOUT_GITLAB_TOKEN",
        "DISTSCOUT_GITLAB_INSTANCES",
    ):
        os.environ.pop(name, None)
    # A test that scans a world with GitLab projects points GitLab at the emulator; one that forgets is
    # refused on loopback (the discard port), never sent to gitlab.com.
    os.environ["DISTSCOUT_GITLAB_API_URL"] = "http://127.0.0.1:9/api/v4"


@pytest.fixture(autouse=True)
def _unregistered() -> None:
    """Each test starts as a process that registered no worker (a test that registers as "dead" or "live"
    would otherwise leave this process registered under that name for the tests after it)."""
    from distscout.store import workers  # imported here: conftest is read before the package is needed
    from distscout.store.claims import HELD
    from distscout.worker.outage import OUTAGE

    workers._registered.clear()
    HELD.clear()  # nor holds the claims a test before it left behind
    OUTAGE.forget()  # nor does it find the database away because a test before it did
