"""Real triple stores on loopback, started once per session: `oxigraph serve` (PyPI oxigraph) and
Virtuoso Open Source (Debian virtuoso-opensource, installed by `make install`), each loaded with
the real build, and a `kg serve` over each with KG_BACKEND=sparql.

`backend` is parametrised over embedded / oxigraph / virtuoso: the same tests run on each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from kg.config import Settings
from kg.store.remote import SparqlEngine
from tests.conftest import Server, free_port, start_server, stop_process, stop_server

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = ., {dir}
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
CheckpointInterval = 0
O_DIRECT = 0
ServerThreads = 10

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
ServerThreads = 10
EnabledGzipContent = 0
MaxClientConnections = 10

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 30
MaxQueryCostEstimationTime = 0
"""


@dataclass
class RemoteStore:
    """A running triple store and the KG_* settings that point Tregua at it."""

    name: str
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    extra: dict[str, str] = field(default_factory=dict)

    def settings(self, **more: object) -> Settings:
        values: dict[str, Any] = {k[3:].lower(): v for k, v in self.env.items()}
        return Settings(**{**values, **more})

    def engine(self) -> SparqlEngine:
        return SparqlEngine.from_settings(self.settings())


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path, *, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the store exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            r = httpx.post(url, data={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"},
                           timeout=2)
            if r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the store did not answer within {seconds} s:\n{log.read_text()[-2000:]}")


def _load(store: RemoteStore, built_store: Path) -> None:
    from kg.store.remote_load import load_remote

    built = ox.Store.read_only(str(built_store))
    engine = store.engine()
    try:
        load_remote(engine, list(built), "build-test")
    finally:
        engine.close()
        del built


@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory: pytest.TempPathFactory, built_store: Path) -> Iterator[RemoteStore]:
    """`oxigraph serve` on a loopback port, with its own time limit (cancels inside Rust)."""
    root = tmp_path_factory.mktemp("oxigraph-server")
    port = free_port()
    log = root / "oxigraph.log"
    binary = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    proc = subprocess.Popen([binary, "serve", "--location", str(root / "data"), "--bind", f"127.0.0.1:{port}",
                             "--timeout-s", "10"], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/query", proc, log)
    store = RemoteStore("oxigraph", {"KG_BACKEND": "sparql", "KG_SPARQL_QUERY_URL": base + "/query",
                                     "KG_SPARQL_UPDATE_URL": base + "/update",
                                     "KG_SPARQL_STORE_URL": base + "/store"}, proc)
    _load(store, built_store)
    yield store
    stop_process(proc)


@pytest.fixture(scope="session")
def virtuoso_store(tmp_path_factory: pytest.TempPathFactory, built_store: Path) -> Iterator[RemoteStore]:
    """Virtuoso Open Source with a virtuoso.ini of its own in a temporary folder; the anonymous
    /sparql endpoint is granted updates (loopback only)."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        raise RuntimeError("Virtuoso is not installed: run `make install` (Debian package virtuoso-opensource)")
    root = tmp_path_factory.mktemp("virtuoso")
    sql_port, http_port = free_port(), free_port()
    ini = root / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=root, sql_port=sql_port, http_port=http_port))
    log = root / "out.log"
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=root,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"Virtuoso exited with {proc.returncode}:\n{log.read_text()[-2000:]}")
        done = subprocess.run([isql, f"127.0.0.1:{sql_port}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                              capture_output=True, timeout=30)
        if done.returncode == 0:
            break
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"Virtuoso did not start within 90 s:\n{log.read_text()[-2000:]}")
        time.sleep(0.5)
    url = f"http://127.0.0.1:{http_port}/sparql"
    _wait(url, proc, log)
    store = RemoteStore("virtuoso", {"KG_BACKEND": "sparql", "KG_SPARQL_QUERY_URL": url, "KG_SPARQL_UPDATE_URL": url,
                                     "KG_SPARQL_TIMEOUT_PARAM": "timeout", "KG_SPARQL_UNION_PARAM": "false"}, proc)
    _load(store, built_store)
    yield store
    stop_process(proc)


BACKENDS = ["embedded", "oxigraph", "virtuoso"]


def _remote_server(remote: RemoteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp(f"served-{remote.name}")
    server = start_server(root / "unused-store", root / "server.log", remote.env)
    server.backend = remote.name  # type: ignore[attr-defined]
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def embedded_backend(make_server: Callable[..., Server]) -> Server:
    return make_server()


@pytest.fixture(scope="session")
def oxigraph_backend(oxigraph_store: RemoteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _remote_server(oxigraph_store, tmp_path_factory)


@pytest.fixture(scope="session")
def virtuoso_backend(virtuoso_store: RemoteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _remote_server(virtuoso_store, tmp_path_factory)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Server:
    """A `kg serve` with writes on, over the embedded store or a remote one (the same tests on each).

    Each server is a session fixture of its own, started once per run: a parametrised session
    fixture would be stopped and started again each time the test order switches backend."""
    server: Server = request.getfixturevalue(f"{request.param}_backend")
    return server


def backend_name(server: Server) -> str:
    return getattr(server, "backend", "embedded")


__all__ = ["RemoteStore", "backend_name", "os"]
