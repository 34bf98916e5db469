"""Web test fixtures: the app over a private copy of the scanned corpus, through FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from distscout.config import load_settings
from distscout.emulator.server import EmulatorServer
from distscout.store.engine import open_engine
from distscout.web.app import create_app
from distscout.web.service import Service
from tests.scanned import copy_database

TOKEN = "test-token-0123456789"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}

ServiceFactory = Callable[..., Service]


@pytest.fixture
def web_db(scanned_corpus: Path, tmp_path: Path) -> str:
    return copy_database(scanned_corpus, tmp_path / "web.db")


@pytest.fixture
def make_service(web_db: str, tmp_path: Path, corpus_emulator: EmulatorServer) -> Iterator[ServiceFactory]:
    engines: list[Engine] = []
    # The upstreams are the corpus emulator: the workers page's pre-flight asks them, never the internet.
    upstreams = {f"{name}_url": corpus_emulator.url_for(name) for name in ("depsdev", "ecosystems")}
    upstreams["github_api_url"] = corpus_emulator.url_for("github")

    def make(url: str = web_db, **overrides: Any) -> Service:
        # TestClient sends `Host: testserver`: the one name these apps answer to besides loopback
        chosen = {**upstreams, "allowed_hosts": ("testserver",), **overrides}
        settings = load_settings(database_url=url, output_dir=tmp_path / "out", **chosen)
        engine = open_engine(url)
        engines.append(engine)
        return Service(engine, settings)

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def service(make_service: ServiceFactory) -> Service:
    return make_service(api_token=TOKEN)


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as test_client:
        yield test_client
