"""Stateless replicas: two `kg serve` over one remote Oxigraph, behind haproxy on loopback.

A write through one replica is read through the other at once (the version is read from the
store, so no replica answers from a canned-query cache older than the store), and two writes
racing to the replica that takes the writes never commit a graph the shapes refuse.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import UPDATE_TOKEN, Server, free_port, start_server, stop_server
from tests.remote.conftest import RemoteStore

#: One worker runs every test of tests/remote (with `--dist loadgroup`, as `make test` does), so each
#: store is started once per run, not once per worker.
pytestmark = pytest.mark.xdist_group("remote-stores")

TG = "https://w3id.org/tregua/ontology#"
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}", "Content-Type": "application/sparql-update"}
JSON = {"Accept": "application/json"}

HAPROXY_CFG = """\
global
    maxconn 256
defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend tregua
    bind 127.0.0.1:{port}
    default_backend replicas
backend replicas
    balance roundrobin
    option httpchk GET /health
{servers}
"""


@dataclass
class Replicas:
    balancer: str
    servers: list[Server]


@pytest.fixture(scope="session")
def replicas(oxigraph_store: RemoteStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    if not Path(haproxy).exists():
        raise RuntimeError("haproxy is not installed: run `make install` (Debian package haproxy)")
    root = tmp_path_factory.mktemp("replicas")
    servers = [start_server(root / f"unused-{i}", root / f"replica-{i}.log", oxigraph_store.env) for i in range(2)]
    port = free_port()
    lines = "\n".join(f"    server r{i} {s.url.removeprefix('http://')} check inter 1s" for i, s in enumerate(servers))
    cfg = root / "haproxy.cfg"
    cfg.write_text(HAPROXY_CFG.format(port=port, servers=lines))
    log = root / "haproxy.log"
    proc = subprocess.Popen([haproxy, "-db", "-f", str(cfg)], stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"haproxy exited:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"haproxy did not answer:\n{log.read_text()}")
        time.sleep(0.2)
    yield Replicas(url, servers)
    proc.terminate()
    proc.wait(10)
    for s in servers:
        stop_server(s)


def _person(graph: str, slug: str, label: str) -> str:
    return (f'PREFIX tg: <{TG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> '
            f'INSERT DATA {{ GRAPH <{graph}> {{ <https://w3id.org/tregua/id/person/{slug}> a tg:Person ; '
            f'rdfs:label "{label}"@en ; tg:linkStatus tg:notLinked ; rdfs:comment "made by a test"@en }} }}')


def test_balancer_spreads_requests_over_both_replicas(replicas: Replicas) -> None:
    marker = uuid.uuid4().hex[:10]
    with httpx.Client(base_url=replicas.balancer, timeout=30) as c:
        for _ in range(4):
            assert c.get("/queries/entity-lookup", params={"name": marker}, headers=JSON).status_code == 200
    time.sleep(0.3)  # access log lines are written after the answer
    assert all(marker in s.log.read_text() for s in replicas.servers)


def test_a_write_through_one_replica_is_read_through_the_other(replicas: Replicas) -> None:
    a, b = (httpx.Client(base_url=s.url, timeout=30) for s in replicas.servers)
    graph = f"https://w3id.org/tregua/graph/source/replicas-{uuid.uuid4().hex[:6]}"
    word = f"zq{uuid.uuid4().hex[:8]}"
    with a, b:
        # replica A answers (and caches) the canned query before the write
        before = a.get("/queries/entity-lookup", params={"name": word}, headers=JSON)
        assert before.status_code == 200 and before.json() == []
        r = b.post("/sparql/update", content=_person(graph, word, f"Person {word}"), headers=AUTH)
        assert r.status_code == 200, r.text
        after = a.get("/queries/entity-lookup", params={"name": word}, headers=JSON)
        assert [row["label"] for row in after.json()] == [f"Person {word}"]
        assert after.headers["etag"] != before.headers["etag"]
        # a client revalidating with the old ETag gets the new answer, not 304
        again = a.get("/queries/entity-lookup", params={"name": word},
                      headers={**JSON, "If-None-Match": before.headers["etag"]})
        assert again.status_code == 200
        assert a.get("/health").json()["version"] == b.get("/health").json()["version"]
    # and through the balancer, write then read, several times in a row
    with httpx.Client(base_url=replicas.balancer, timeout=30) as c:
        for i in range(4):
            slug = f"{word}-{i}"
            assert c.post("/sparql/update", content=_person(graph, slug, f"P {slug}"), headers=AUTH).status_code == 200
            found = c.get("/queries/entity-lookup", params={"name": slug}, headers=JSON).json()
            assert [row["label"] for row in found] == [f"P {slug}"]


def test_racing_writes_to_the_writing_replica_never_commit_an_invalid_graph(replicas: Replicas) -> None:
    graph = f"https://w3id.org/tregua/graph/source/race-{uuid.uuid4().hex[:6]}"
    slug = f"racer-{uuid.uuid4().hex[:6]}"
    person = f"https://w3id.org/tregua/id/person/{slug}"
    with httpx.Client(base_url=replicas.servers[0].url, timeout=30) as c:
        assert c.post("/sparql/update", content=_person(graph, slug, "Racer"), headers=AUTH).status_code == 200
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def write(server: Server, year: str) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            barrier.wait()
            r = c.post("/sparql/update", headers=AUTH, content=(
                f'PREFIX tg: <{TG}> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> '
                f'INSERT DATA {{ GRAPH <{graph}> {{ <{person}> tg:birthDate "{year}"^^xsd:gYear }} }}'))
            statuses.append(r.status_code)

    for years in (("1960", "1961"), ("1962", "1963")):  # then: a second birth date is refused, both times
        # both to the replica that takes the writes: the stores do not serialise commits from two
        # processes (docs/deployment.md), so a deployment sends every write to one replica
        threads = [threading.Thread(target=write, args=(replicas.servers[0], y)) for y in years]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)
    assert statuses.count(200) == 1 and all(s in (200, 409, 422) for s in statuses), statuses
    with httpx.Client(base_url=replicas.balancer, timeout=30) as c:
        r = c.post("/sparql", data={"query": f"SELECT ?d WHERE {{ <{person}> <{TG}birthDate> ?d }}"},
                   headers={"Accept": "application/sparql-results+json"})
    assert len(r.json()["results"]["bindings"]) == 1
