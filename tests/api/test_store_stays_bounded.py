"""Writes leave the store directory bounded, and every write is seen by the next query (issue 13).

Two tests: 25 writes through the real server (HTTP, SHACL gate, journal; about 0.5 s a write on
a loaded 2-core machine, so 1,000 would take minutes: `H13_WRITES=1000` runs them), and 1,000
commits through the server's single writer with real query workers and the journal (seconds).

The server keeps one read-write RocksDB handle for its life (`kg.store.writer_handle`): reopening it
per write used to leave a 137 KB `LOG.old.*` info log and a fresh table file per write. The
bounds asserted below, with their reasons:

- files: a built store holds a handful of table files, one write-ahead log, CURRENT, IDENTITY,
  LOCK, LOG, MANIFEST, OPTIONS and the two `tregua-*` stamps (about 20 for the test store);
  1,000 writes may add at most a couple of logs and table files (a flush when the log passes
  `WAL_FLUSH_BYTES`), never one per write, so "no more than 10 more files" is a wide margin;
- bytes: each write below logs well under 1 KB in the write-ahead log (two quads removed and
  added, in Oxigraph's several indexes), so 1,000 writes grow the directory by about 1 MB;
  3 MB is the bound (a `LOG.old` per write alone would have been 137 MB);
- at most one `LOG.old*` file: the info log is rotated only when RocksDB is opened
  read-write, which now happens once per server life (at the first write).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from kg import iris
from tests.conftest import UPDATE_TOKEN, Server

TG = iris.TG
NEWCOMER = iris.entity_iri("person", "test-bounded")
SOURCE = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
HEADERS = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {UPDATE_TOKEN}"}
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
WRITES = int(os.environ.get("H13_WRITES", "25"))


def files_and_bytes(path: Path) -> tuple[int, int, list[str]]:
    names = sorted(os.listdir(path))
    return len(names), sum((path / n).stat().st_size for n in names), names


def rename(i: int) -> str:
    before = f'"Bounded {i - 1}"@en' if i else '"Bounded"@en'
    return f"""PREFIX tg: <{TG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
DELETE DATA {{ GRAPH <{SOURCE}> {{ <{NEWCOMER}> rdfs:label {before} }} }} ;
INSERT DATA {{ GRAPH <{SOURCE}> {{ <{NEWCOMER}> a tg:Person ; rdfs:label "Bounded {i}"@en ;
                                   tg:linkStatus tg:notLinked }} }}"""


def label(client: httpx.Client) -> list[str]:
    query = f"SELECT ?l WHERE {{ <{NEWCOMER}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }}"
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return [b["l"]["value"] for b in response.json()["results"]["bindings"]]


def test_writes_through_the_server_leave_the_store_bounded_and_visible(make_server) -> None:  # type: ignore[no-untyped-def]
    server: Server = make_server()
    files0, bytes0, names0 = files_and_bytes(server.store)
    started = time.monotonic()
    with httpx.Client(base_url=server.url, timeout=60) as client:
        for i in range(WRITES):
            response = client.post("/sparql/update", content=rename(i).encode(), headers=HEADERS)
            assert response.status_code in (200, 204), response.text
            if i == 0:  # the server's read-write opens (start-up, the writer) have happened by now
                rotated = [n for n in files_and_bytes(server.store)[2] if n.startswith("LOG.old")]
            if i % 97 == 0 or i == WRITES - 1:  # read-your-writes, now and then and at the end
                assert label(client) == [f"Bounded {i}"]
    elapsed = time.monotonic() - started
    files1, bytes1, names1 = files_and_bytes(server.store)
    print(f"{WRITES} writes in {elapsed:.1f} s; files {files0} -> {files1}; bytes {bytes0} -> {bytes1}")
    # RocksDB rotates its info log once per read-write open: a few per server life (start-up
    # checks, the writer's open), never one per write.
    assert len(rotated) <= 2, rotated
    assert [n for n in names1 if n.startswith("LOG.old")] == rotated, (rotated, names1)
    assert files1 <= files0 + 10, (names0, names1)
    assert bytes1 <= bytes0 + 3 * 1024 * 1024, (bytes0, bytes1)


def test_a_thousand_commits_through_the_single_writer_stay_bounded(tmp_path: Path) -> None:
    """The same bound at 1,000 commits, through the server's writer (`WorkerPoolEngine`, real
    query worker processes, the journal) without HTTP and SHACL, so it takes seconds: each commit
    renames one entity, and a query after every 100th sees it (read-your-writes)."""
    import pyoxigraph as ox

    from kg.gate.gated import commit
    from kg.journal.entry import Entry
    from kg.journal.log import Journal
    from kg.store.engine import QueryRequest
    from kg.store.workers import WorkerPoolEngine

    path = tmp_path / "store"
    subject, label_p, graph = ox.NamedNode(NEWCOMER), ox.NamedNode(RDFS_LABEL), ox.NamedNode(SOURCE)
    store = ox.Store(str(path))
    store.add(ox.Quad(subject, label_p, ox.Literal("Bounded -1"), graph))
    store.flush()
    del store
    files0, bytes0, names0 = files_and_bytes(path)
    query = QueryRequest(f"SELECT ?l WHERE {{ <{NEWCOMER}> <{RDFS_LABEL}> ?l }}")
    started = time.monotonic()
    with WorkerPoolEngine(path, workers=2, journal=Journal.for_store(path)) as pool:
        for i in range(1000):
            entry = Entry.new(removed=[ox.Quad(subject, label_p, ox.Literal(f"Bounded {i - 1}"), graph)],
                              added=[ox.Quad(subject, label_p, ox.Literal(f"Bounded {i}"), graph)],
                              version_before=pool.version)
            with pool.write_lock:
                commit(pool, entry)
            if i % 100 == 99:
                for _ in range(2):  # both workers
                    assert [str(getattr(r["l"], "value", "")) for r in pool.select(query).rows] == [f"Bounded {i}"]
        files1, bytes1, names1 = files_and_bytes(path)
    elapsed = time.monotonic() - started
    print(f"1000 commits in {elapsed:.1f} s; files {files0} -> {files1}; bytes {bytes0} -> {bytes1}")
    assert len([n for n in names1 if n.startswith("LOG.old")]) <= 1, names1
    assert files1 <= files0 + 10, (names0, names1)
    assert bytes1 <= bytes0 + 3 * 1024 * 1024, (bytes0, bytes1)
