"""Real `kg serve` processes started in a fraction of a second, for tests that kill and restart
servers many times (the crash tests).

A plain start (`tests.conftest.start_server`) pays, every time, a new interpreter importing the
whole app (FastAPI, pyshacl, rdflib: seconds of CPU) and the SHACL gate compiling its rules
(owlrl's closure of the ontology: seconds more, and the first write waits for it). A crash test
restarting the server at each of several kill points spent most of its time there.

Here one *zygote* process pays that once: it imports the app's modules and compiles the gate's
rules for the built store's shapes and ontology (read into an in-memory store: the zygote never
opens RocksDB, so it holds no threads or files when it forks). Each start forks it; the child sets
its own environment (`KG_*`), sends its output to the log, and runs `kg serve` exactly as the
command line does (`kg.cli.main`), re-reading the settings and building `api.main.app` anew. The
child is a real server process: its own pid, store lock, journal, forkserver and query workers;
it answers on a loopback port and dies by `kill -9` like any other. The zygote reaps it and reports
its exit status, so `wait()` answers like `subprocess.Popen.wait()` (-9 after SIGKILL).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, cast

import pyoxigraph as ox

from kg import iris
from tests.conftest import Server, free_port, server_env, wait_until_healthy

ROOT = Path(__file__).resolve().parents[1]


def zygote_main(rules_source: str) -> None:
    """The zygote: preload, then fork one server per request read from stdin (one JSON a line)."""
    import threading

    import api.main  # every module the app needs; the app itself is rebuilt in each child

    del sys.modules["api.main"]
    import api.protocol  # noqa: F401
    import kg.cli
    import kg.cli.serve  # noqa: F401
    from kg.config import get_settings
    from kg.gate.rules import rules_for

    get_settings.cache_clear()
    memory = ox.Store()  # in memory: no RocksDB, no background threads to lose in a fork
    memory.extend(ox.parse(path=rules_source, format=ox.RdfFormat.N_QUADS))
    rules_for(cast(Any, None), memory)  # cached by the graphs' content: a child's first write hits it
    del memory
    assert threading.active_count() == 1, threading.enumerate()
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    replies.write(json.dumps({"ready": os.getpid()}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "start":
            pid = os.fork()
            if pid == 0:
                _child(request)
            replies.write(json.dumps({"pid": pid}) + "\n")
        elif request["op"] == "wait":
            replies.write(json.dumps({"returncode": _wait(request["pid"], request["timeout"])}) + "\n")


def _child(request: dict[str, Any]) -> None:
    """In the forked child: become `kg serve` with the requested environment and log."""
    code = 70
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        sys.stdin = open(os.devnull)  # noqa: SIM115 - the zygote's request pipe is not ours
        from kg.cli import main

        code = main(request["argv"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _wait(pid: int, timeout: float | None) -> int | None:
    """The child's exit status as Popen gives it (-N: killed by signal N), or None at the timeout."""
    give_up = None if timeout is None else time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if give_up is not None and time.monotonic() >= give_up:
            return None
        time.sleep(0.01)


class Zygote:
    """The pytest side: starts the zygote, asks it for servers."""

    def __init__(self, built_store: Path, scratch: Path) -> None:
        source = scratch / "rules.nq"
        store = ox.Store.read_only(str(built_store))
        try:
            graphs = (ox.NamedNode(iris.GRAPH_SHAPES), ox.NamedNode(iris.GRAPH_ONTOLOGY))
            ox.serialize([q for g in graphs for q in store.quads_for_pattern(None, None, None, g)],
                         output=str(source), format=ox.RdfFormat.N_QUADS)
        finally:
            del store
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from tests.preforked import zygote_main; zygote_main({str(source)!r})"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._reply()

    def _reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the zygote exited with {self.process.wait()}")
        return cast(dict[str, Any], json.loads(line))

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        return self._reply()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)

    def start_server(self, store: Path, log: Path, env: dict[str, str] | None = None) -> Server:
        """`tests.conftest.start_server`, forked from the zygote: `kg serve` on a free loopback port."""
        port = free_port()
        argv = ["serve", "--host", "127.0.0.1", "--port", str(port), "--store", str(store)]
        child = Forked(self, self.ask(op="start", argv=argv, env=server_env(env), log=str(log))["pid"])
        url = f"http://127.0.0.1:{port}"
        process = cast(subprocess.Popen[bytes], child)
        wait_until_healthy(url, process, log, poll=0.05)
        return Server(url, store, process, log)


class Forked:
    """A server forked by the zygote, with the parts of `subprocess.Popen` the tests use."""

    def __init__(self, zygote: Zygote, pid: int) -> None:
        self.zygote = zygote
        self.pid = pid
        self.returncode: int | None = None

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def poll(self) -> int | None:
        return self._wait(0)

    def wait(self, timeout: float | None = None) -> int:
        code = self._wait(timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"kg serve (pid {self.pid})", timeout or 0)
        return code

    def _wait(self, timeout: float | None) -> int | None:
        if self.returncode is None:
            self.returncode = self.zygote.ask(op="wait", pid=self.pid, timeout=timeout)["returncode"]
        return self.returncode
