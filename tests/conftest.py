"""Shared fixtures: the real seed article, real Oxigraph stores, a real uvicorn server on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pyoxigraph as ox
import pytest

from kg import paths

if TYPE_CHECKING:
    from tests.preforked import Zygote

SHARED_DIR = Path(os.environ.get("KG_SHARED_DIR", paths.DEFAULT_SHARED_DIR))
UPDATE_TOKEN = "test-token"

#: The longest xdist groups (a module is its own group unless it names one), handed out first so
#: the two workers of `make test` end together; measured with `--durations` (docs/testing.md).
SLOWEST_GROUPS = ("remote-stores", "tests/kg/gate/test_gate_property.py", "browser",
                  "tests/kg/journal/test_crash_stream.py", "tests/api/routers/test_sparql_protocol_w3c.py",
                  "tests/kg/journal/test_build_keeps_edits.py", "tests/kg/journal/test_crash.py")


def _group(item: pytest.Item) -> str:
    marker = item.get_closest_marker("xdist_group")
    return str(marker.args[0]) if marker is not None else item.nodeid.split("::", 1)[0]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under `--dist loadgroup`, each module is one xdist group: its module-scoped fixtures (a server
    of its own, a browser page) start on one worker, not on both. The modules whose every test drives
    Chromium make one group, "browser", so one Chromium serves them all. The slowest groups go first."""
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        modules.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    for module, its in modules.items():
        group = "browser" if all(it.get_closest_marker("browser") for it in its) else module
        for item in its:
            if item.get_closest_marker("xdist_group") is None:
                item.add_marker(pytest.mark.xdist_group(group))
    for item in items:
        if getattr(config.option, "loadgroup", False) and hasattr(config, "workerinput") \
                and not hasattr(item, "_nodeid"):
            # pytest-xdist 3.8 names the group by setting `item._nodeid`, which pytest 9 no longer
            # reads (a node's id is `item._id`): without this, every xdist_group is ignored and
            # `--dist loadgroup` spreads a group's tests over both workers, each starting its stores.
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(f"{item.nodeid}@{_group(item)}")  # type: ignore[attr-defined]
    rank = {name: i for i, name in enumerate(SLOWEST_GROUPS)}
    items.sort(key=lambda item: rank.get(_group(item), len(rank)))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    assert (SHARED_DIR / "seed" / "article.txt").is_file(), f"the seed article is missing under {SHARED_DIR}"
    return SHARED_DIR


@pytest.fixture(scope="session")
def article_text(shared_dir: Path) -> str:
    return (shared_dir / "seed" / "article.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def memory_store(shared_dir: Path) -> ox.Store:
    """Everything the build produces, in an in-memory store (no disk, no swap)."""
    from kg.build.pipeline import build_memory_store

    return build_memory_store(shared_dir=shared_dir, progress=False)


SEED_DATASET = ("insightcrime-2017-01-ms13-dialogue", "insightcrime-negotiations-elusive",
                "everypolitician-el-salvador-2015-2018", "splinter-2016-05-law", "vice-news-2016-05-05-arrests",
                "wikipedia-2012-gang-truce", "wikipedia-salvador-sanchez-ceren",
                "diario1-2016-01-cabinet", "diario1-2019-05-police-director", "reference-com-rival-gangs-of-ms13")
"""The sources whose answers tests pin exactly (competency questions, canned-query rows): the seed
article and the references checked with it. Adding a source to sources/ adds nothing here, so no
exact answer changes; tests/sources/test_fixture_source.py checks that a new source's rows appear."""


@pytest.fixture(scope="session")
def seed_dataset_store(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> ox.Store:
    """The build of SEED_DATASET only (a fixed dataset), in memory: what exact-answer tests ask."""
    from kg.build.pipeline import build_memory_store

    folder = tmp_path_factory.mktemp("seed-dataset") / "sources"
    folder.mkdir()
    for path in paths.SOURCES_DIR.iterdir():
        if path.suffix == ".csv" or (path.stem in SEED_DATASET and path.suffix in (".trig", ".txt")):
            shutil.copyfile(path, folder / path.name)
    return build_memory_store(shared_dir=shared_dir, sources_dir=folder, extra_sources_dirs=[], partial=True)


@pytest.fixture(scope="session")
def built_store(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    """A store built on disk by the real build; treat it as read-only (copy it to write)."""
    from kg.build.pipeline import build

    path = tmp_path_factory.mktemp("store") / "store"
    build(path, shared_dir=shared_dir, progress=False)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    store: Path
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)  # type: ignore[arg-type]


def server_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every test server runs with (the token, the shared folder, two workers)."""
    return {**os.environ, "KG_UPDATE_TOKEN": UPDATE_TOKEN, "KG_SHARED_DIR": str(SHARED_DIR),
            "KG_QUERY_WORKERS": "2", **(env or {})}


def wait_until_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, *, poll: float = 0.2) -> None:
    """Wait until `url`/health answers 200; a server that exits or stays silent 60 s fails with its log."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(poll)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"server did not answer /health within 60 s:\n{log.read_text()}")


def start_server(store: Path, log: Path, env: dict[str, str] | None = None) -> Server:
    """Start `kg serve` on a free loopback port and wait until /health answers."""
    port = free_port()
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "serve", "--host", "127.0.0.1", "--port", str(port), "--store", str(store)],
        env=server_env(env), stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    wait_until_healthy(url, proc, log)
    return Server(url, store, proc, log)


def alive(pid: int) -> bool:
    """Whether process `pid` still runs. A zombie has ended: a killed server's orphaned workers wait
    there until the machine's init reaps them, which took 1.5 s in this sandbox."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_until_gone(pids: list[int], timeout: float = 20) -> None:
    """Wait until none of `pids` runs (e.g. the query workers of a killed server: each ends when
    its pipe closes)."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.02)


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """Ask a process to end, and kill it if it has not within 15 s."""
    stop_processes([proc])


def stop_processes(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask every process to end at once, then wait for each (killing any still running 15 s on):
    the servers of a run shut down side by side, not one after the other."""
    for proc in procs:
        proc.terminate()
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stop_server(server: Server) -> None:
    stop_process(server.process)


@pytest.fixture(scope="session")
def zygote(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    """This test process's server zygote (tests/preforked.py): `kg serve` forked, not started anew."""
    from tests.preforked import Zygote

    forks = Zygote(built_store, tmp_path_factory.mktemp("zygote"))
    yield forks
    forks.close()


@pytest.fixture(scope="session")
def make_server(tmp_path_factory: pytest.TempPathFactory, built_store: Path,
                zygote: Zygote) -> Iterator[Callable[..., Server]]:
    """Factory: a fresh server over its own copy of the built store (for tests that write), forked
    from the zygote: a real `kg serve` process that skips the interpreter's start and the imports."""
    started: list[Server] = []

    def factory(env: dict[str, str] | None = None) -> Server:
        root = tmp_path_factory.mktemp("served")
        store = root / "store"
        shutil.copytree(built_store, store)
        server = zygote.start_server(store, root / "server.log", env)
        started.append(server)
        return server

    yield factory
    stop_processes([server.process for server in started])


@pytest.fixture(scope="session")
def server(make_server: Callable[..., Server]) -> Server:
    """The shared read-only-by-convention server: tests that write use `make_server` instead."""
    return make_server()


@pytest.fixture(scope="module")
def browser() -> Any:
    """The worker's headless Chromium (tests/browser.py), shared by consecutive browser tests; each
    test opens its own context with `loopback_page`, so no cookie or cache passes between tests."""
    from tests.browser import SHARED

    return SHARED.get()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """Close the shared Chromium before a test of another module that does not use it: Playwright's
    open sync API would make that test's `asyncio.run()` fail (tests/browser.py)."""
    yield
    if nextitem is None or (getattr(nextitem, "module", None) is not getattr(item, "module", None)
                            and "browser" not in getattr(nextitem, "fixturenames", ())):
        from tests.browser import SHARED

        SHARED.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The shared Chromium ends with the run, whatever test came last."""
    from tests.browser import SHARED

    SHARED.close()
