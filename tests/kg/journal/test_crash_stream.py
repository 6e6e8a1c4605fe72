"""`kill -9` of a real server (and of a query worker) in the middle of a stream of writes.

A stream of writes (40 in `make test`, 100 with KG_TEST_CRASH_WRITES=100), each adding two quads
(`<Oscar Ortiz> rdfs:seeAlso _:b . _:b rdfs:comment "stream N"`), half through `/sparql/update`
and half through the Graph Store (`POST` merges), is sent to a real server; at each of a few
seeded points the server is SIGKILLed while a write is in flight, restarted on the same store,
and the stream goes on. At the end:

- every write that was acknowledged (2xx received) is in the store, both of its quads;
- no write is half-applied: each marker has both of its quads or neither (a write killed in
  flight may be there or not: if its journal entry was fsync'ed, the restart applies it);
- the store opens cleanly (the server answers /health) and SHACL finds no violation in it.

Separately, a query worker is SIGKILLed while it runs a query under the same kind of write stream:
that query fails cleanly, the pool replaces the worker, and writes and queries go on.
The kill points are drawn from a seeded generator and printed (`pytest -s` shows them).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox

from kg import iris
from tests.conftest import UPDATE_TOKEN, Server, stop_server, wait_until_gone
from tests.preforked import Zygote

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
GRAPH = iris.BASE + "graph/desk/stream"
OSCAR_ORTIZ = iris.entity_iri("person", "oscar-ortiz")
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
#: Writes in the stream: 40 in `make test` (the test takes 9.6 s on a quiet machine, 17 s in a full
#: `make test` run); `KG_TEST_CRASH_WRITES=100` sends the issue's full hundred (15.4 s quiet).
WRITES = int(os.environ.get("KG_TEST_CRASH_WRITES", "40"))
SEED = 1313
SEE_ALSO = ox.NamedNode(RDFS + "seeAlso")
COMMENT = ox.NamedNode(RDFS + "comment")


def marker(n: int) -> str:
    return f"stream write {n}"


def send_write(client: httpx.Client, n: int) -> httpx.Response:
    """Write n: two quads, through /sparql/update (even n) or a Graph Store POST (odd n)."""
    if n % 2 == 0:
        update = (f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{OSCAR_ORTIZ}> <{RDFS}seeAlso> '
                  f'[ <{RDFS}comment> "{marker(n)}"@en ] }} }}')
        return client.post("/sparql/update", content=update.encode(),
                           headers={"Content-Type": "application/sparql-update", **AUTH})
    turtle = f'<{OSCAR_ORTIZ}> <{RDFS}seeAlso> [ <{RDFS}comment> "{marker(n)}"@en ] .'
    return client.post("/rdf-graph-store", params={"graph": GRAPH}, content=turtle.encode(),
                       headers={"Content-Type": "text/turtle", **AUTH})


def kill_9(server: Server) -> None:
    """SIGKILL the server (no clean shutdown) and wait until its workers are gone too."""
    pids = httpx.get(server.url + "/health", timeout=10).json()["workers"]["pids"]
    server.process.send_signal(signal.SIGKILL)
    assert server.process.wait(timeout=30) == -signal.SIGKILL
    wait_until_gone(pids)


def stream_until_killed(server: Server, first: int, last: int, kill_at: int, delay: float,
                        acked: set[int], sent: set[int]) -> int:
    """Send writes first..last-1 in order; once write `kill_at` is on the wire, SIGKILL the server
    after `delay` seconds. Returns the next write number to send after a restart."""
    in_flight = threading.Event()
    next_n = first

    def writer() -> None:
        nonlocal next_n
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for n in range(first, last):
                next_n = n + 1
                sent.add(n)
                if n == kill_at:
                    in_flight.set()
                try:
                    response = send_write(client, n)
                except httpx.TransportError:
                    return  # killed: n is unacknowledged
                assert response.status_code in (200, 201, 204), (n, response.status_code, response.text)
                acked.add(n)
        in_flight.set()

    thread = threading.Thread(target=writer)
    thread.start()
    in_flight.wait(60)
    time.sleep(delay)
    kill_9(server)
    thread.join(60)
    return next_n


def markers_in(store_path: Path) -> dict[int, int]:
    """Marker number -> how many of its two quads the store holds."""
    store = ox.Store.read_only(str(store_path))
    try:
        graph = ox.NamedNode(GRAPH)
        linked = {q.object for q in store.quads_for_pattern(ox.NamedNode(OSCAR_ORTIZ), SEE_ALSO, None, graph)}
        out: dict[int, int] = {}
        for q in store.quads_for_pattern(None, COMMENT, None, graph):
            text = str(getattr(q.object, "value", ""))
            if text.startswith("stream write "):
                n = int(text.rsplit(" ", 1)[1])
                out[n] = out.get(n, 0) + 1 + (q.subject in linked)
        # A seeAlso without its comment is half a write too.
        commented = {q.subject for q in store.quads_for_pattern(None, COMMENT, None, graph)}
        out[-1] = sum(1 for b in linked if isinstance(b, ox.BlankNode) and b not in commented)
        return out
    finally:
        del store


def violations_of(store_path: Path, scratch: Path) -> set[str]:
    """SHACL violations of a copy of the store (validation adds and drops a scratch graph)."""
    from kg.validation.shacl import validate_store

    copy = scratch / "validated-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(store_path, copy)
    store = ox.Store(str(copy))
    try:
        shapes = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES)))
        ontology = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY)))
        report = validate_store(store, shapes=shapes, ontology=ontology)
        return {f"{v.focus_node} {v.path} {v.message}" for v in report.violations}
    finally:
        del store
        shutil.rmtree(copy, ignore_errors=True)


def test_kill_9_in_a_write_stream_loses_no_acknowledged_write(built_store: Path, tmp_path: Path,
                                                             zygote: Zygote) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    rng = random.Random(SEED)
    kill_points = sorted(rng.sample(range(2, WRITES - 2), 3))
    delays = [rng.uniform(0.0, 0.05) for _ in kill_points]
    print(f"seed {SEED}: kill -9 while writes {kill_points} are in flight, after {delays} s")
    acked: set[int] = set()
    sent: set[int] = set()
    n = 0
    for run, (kill_at, delay) in enumerate(zip(kill_points, delays, strict=True)):
        server = zygote.start_server(store, tmp_path / f"{run}.log")
        n = stream_until_killed(server, n, WRITES, kill_at, delay, acked, sent)
    server = zygote.start_server(store, tmp_path / "last.log")  # recovery, then the rest of the stream
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert client.get("/health").status_code == 200
            for m in range(n, WRITES):
                sent.add(m)
                assert send_write(client, m).status_code in (200, 201, 204)
                acked.add(m)
    finally:
        stop_server(server)
    held = markers_in(store)
    half = {m: c for m, c in held.items() if m >= 0 and c != 2}
    assert held.pop(-1) == 0 and not half, f"half-applied writes: {half}"
    assert acked <= set(held), f"acknowledged writes lost: {sorted(acked - set(held))}"
    assert set(held) <= sent
    assert len(acked) >= WRITES - len(kill_points)
    assert not violations_of(store, tmp_path), "the recovered store breaks a SHACL shape"


HEAVY = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }")


def test_kill_9_of_a_query_worker_mid_query_the_pool_goes_on(built_store: Path, tmp_path: Path,
                                                           zygote: Zygote) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    server = zygote.start_server(store, tmp_path / "server.log", {"KG_QUERY_WORKERS": "2", "KG_QUERY_TIMEOUT": "20"})
    try:
        _kill_a_worker_mid_query(server)
    finally:
        stop_server(server)


def _kill_a_worker_mid_query(server: Server) -> None:
    acked: list[int] = []
    stop = threading.Event()

    def writes() -> None:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            n = 1000
            while not stop.is_set():
                response = send_write(client, n)
                assert response.status_code in (200, 201, 204), response.text
                acked.append(n)
                n += 1

    writer = threading.Thread(target=writes)
    writer.start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            before = client.get("/health").json()["workers"]["pids"]

            def cpu(pid: int) -> int:
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except FileNotFoundError:
                    return 0
                return int(stat[11]) + int(stat[12])  # utime + stime, in clock ticks

            def niceness(pid: int) -> int:
                try:
                    return os.getpriority(os.PRIO_PROCESS, pid)
                except ProcessLookupError:
                    return 0

            start_cpu = {pid: cpu(pid) for pid in before}
            heavy: dict[str, httpx.Response] = {}
            query = threading.Thread(target=lambda: heavy.setdefault(
                "r", client.get("/sparql", params={"query": HEAVY}, headers={"Accept": "application/json"})))
            query.start()
            victim = None
            deadline = time.monotonic() + 20
            while victim is None and time.monotonic() < deadline:  # the worker busy with HEAVY
                for pid in before:
                    # 0.4 s of CPU since, or demoted to a low priority (KG_QUERY_DEMOTE_AFTER): the
                    # worker running the cartesian product
                    if cpu(pid) - start_cpu[pid] > 40 or niceness(pid) > 0:
                        victim = pid
                time.sleep(0.05)
            assert victim is not None, "no worker took the heavy query"
            print(f"kill -9 of query worker {victim} mid-query")
            os.kill(victim, signal.SIGKILL)
            query.join(60)
            refused = heavy["r"]
            assert refused.status_code == 503 and "Retry-After" in refused.headers, refused.text
            assert "Traceback" not in refused.text and ".py" not in refused.text
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                workers = client.get("/health").json()["workers"]
                if workers["alive"] == 2 and victim not in workers["pids"]:
                    break
                time.sleep(0.1)
            assert workers["alive"] == 2 and victim not in workers["pids"], workers
            writes_then = len(acked)
            for _ in range(5):  # queries go on, on the new pool
                r = client.get("/sparql", params={"query": f"ASK {{ <{OSCAR_ORTIZ}> ?p ?o }}"},
                               headers={"Accept": "application/sparql-results+json"})
                assert r.status_code == 200 and r.json()["boolean"] is True
            deadline = time.monotonic() + 20
            while len(acked) <= writes_then and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(acked) > writes_then, "writes stopped after the worker was killed"
    finally:
        stop.set()
        writer.join(60)
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for n in acked:
            ask = (f'ASK {{ GRAPH <{GRAPH}> {{ <{OSCAR_ORTIZ}> <{RDFS}seeAlso> '
                   f'[ <{RDFS}comment> "{marker(n)}"@en ] }} }}')
            assert client.get("/sparql", params={"query": ask},
                              headers={"Accept": "application/sparql-results+json"}).json()["boolean"], n
