"""Suite-wide setup: hermetic settings, and the emulator fixtures."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.emulator.fixtures", "tests.databases", "tests.scanned"]


def pytest_configure(config: pytest.Config) -> None:
    # Tests never read the developer's own configuration or tokens.
    os.environ["DISTSCOUT_CONFIG"] = os.devnull + "/distscout-test-config.toml"
    for name in (
        "GITHUB_TOKEN",
        "DISTSCOUT_GITHUB_TOKEN",
        "DISTSCOUT_DATABASE_URL",
        "DISTSCOUT_POLITE_EMAIL",
        "DISTSCOUT_API_TOKEN",
        "DISTSCOUT_PROTECT_READS",
    ):
        os.environ.pop(name, None)
