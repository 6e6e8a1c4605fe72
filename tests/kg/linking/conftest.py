"""Fixtures for search and reconciliation: a small graph in a real store, served by a real uvicorn.

The small graph (data/mini.trig) keeps these tests fast and independent of the article's facts;
tests against the built graph use the shared `server` fixture instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import uvicorn
from fastapi import FastAPI

from kg.store.engine import InProcessEngine
from tests.conftest import free_port

MINI = Path(__file__).parent / "data" / "mini.trig"


def mini_store() -> ox.Store:
    store = ox.Store()
    store.load(path=str(MINI), format=ox.RdfFormat.TRIG)
    return store


@pytest.fixture
def mini_engine() -> InProcessEngine:
    """A fresh engine over the small graph (tests may write to it)."""
    return InProcessEngine(mini_store(), version="mini-1")


@dataclass
class MiniServer:
    url: str
    engine: InProcessEngine

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)  # type: ignore[arg-type]


def mini_app(engine: InProcessEngine) -> FastAPI:
    """Only what the reconciliation routes need: their router, the error handlers, an engine."""
    from api import errors
    from api.routers import reconcile

    app = FastAPI()
    errors.install(app)
    app.include_router(reconcile.router)
    app.state.engine = engine
    return app


@pytest.fixture(scope="module")
def mini_server() -> Iterator[MiniServer]:
    """A real uvicorn on a free loopback port serving the small graph, in a thread of this process."""
    yield from serve(InProcessEngine(mini_store(), version="mini-1"))


@pytest.fixture(scope="module")
def real_graph_server(memory_store: ox.Store) -> Iterator[MiniServer]:
    """The same routes over the real build (read-only by convention: `memory_store` is shared)."""
    yield from serve(InProcessEngine(memory_store, version="built"))


def serve(engine: InProcessEngine) -> Iterator[MiniServer]:
    port = free_port()
    config = uvicorn.Config(mini_app(engine), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield MiniServer(f"http://127.0.0.1:{port}", engine)
    server.should_exit = True
    thread.join(timeout=10)
