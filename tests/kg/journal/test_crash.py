"""kill -9 of a real server in the middle of a write, then a restart: the store holds exactly the
journal's writes.

`KG_TEST_FAULT` makes the server SIGKILL itself at one point of the commit (kg.journal.fault_point):
- `after-journal-append`: the entry is fsync'ed, the store not yet written. The client never hears
  back; the next start applies the entry (the journal is the truth).
- `after-store-commit`: the store holds the write but its journal position was not recorded; the
  next start applies the entry again, which must change nothing (blank nodes included: both
  writes below have one).
One chain of three starts covers both: start 1 dies after its append; start 2 recovers that
entry, takes a second write and dies after committing it; start 3 recovers again.
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg import iris
from kg.journal import Journal
from kg.journal.log import APPLIED_FILE
from tests.conftest import UPDATE_TOKEN, Server, stop_server, wait_until_gone
from tests.preforked import Zygote

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
GRAPH = iris.BASE + "graph/desk/files"
OSCAR_ORTIZ = iris.entity_iri("person", "oscar-ortiz")
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
PUT = f'<{OSCAR_ORTIZ}> <{RDFS}seeAlso> [ <{RDFS}comment> "desk file 17"@en ] .'
UPDATE = (f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{OSCAR_ORTIZ}> <{RDFS}seeAlso> '
          f'[ <{RDFS}comment> "desk file 18"@en ] }} }}')


def quads_of(path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(path))
    try:
        return set(store)
    finally:
        del store


def killed_by(server: Server, send: str) -> None:
    """Send a write the server dies in (SIGKILL from its fault point); wait for it and its workers."""
    pids = httpx.get(server.url + "/health", timeout=10).json()["workers"]["pids"]
    try:
        with pytest.raises(httpx.TransportError):
            if send == "put":
                httpx.put(server.url + "/rdf-graph-store", params={"graph": GRAPH}, content=PUT.encode(),
                          headers={"Content-Type": "text/turtle", **AUTH}, timeout=120)
            else:
                httpx.post(server.url + "/sparql/update", content=UPDATE.encode(),
                           headers={"Content-Type": "application/sparql-update", **AUTH}, timeout=120)
        assert server.process.wait(timeout=30) == -signal.SIGKILL
    finally:
        stop_server(server)
    wait_until_gone(pids)


def test_kill_9_mid_write_then_restart_holds_exactly_the_journal(built_store: Path, tmp_path: Path,
                                                                 zygote: Zygote) -> None:
    store = tmp_path / "store"
    shutil.copytree(built_store, store)
    original = quads_of(store)
    journal = Journal.for_store(store)

    # 1: killed between the journal append and the store commit
    killed_by(zygote.start_server(store, tmp_path / "1.log", {"KG_TEST_FAULT": "after-journal-append"}), "put")
    [first] = list(journal.entries())
    assert any(isinstance(q.object, ox.BlankNode) for q in first.added)
    assert quads_of(store) == original and not (store / APPLIED_FILE).exists()
    after_first = (original - set(first.removed)) | set(first.added)

    # 2: start-up applies the first entry; a second write dies after its commit
    second_start = zygote.start_server(store, tmp_path / "2.log", {"KG_TEST_FAULT": "after-store-commit"})
    assert httpx.get(second_start.url + "/health", timeout=10).json()["version"] == first.version_after
    assert quads_of(store) == after_first and journal.applied(store) == first.id
    killed_by(second_start, "update")
    first_again, second = list(journal.entries())
    assert first_again.id == first.id and second.prev == first.id
    assert second.version_before == first.version_after
    expected = (after_first - set(second.removed)) | set(second.added)
    assert quads_of(store) == expected and journal.applied(store) == first.id  # committed, not recorded

    # 3: start-up applies the second entry again: nothing changes, no blank node is duplicated
    restarted = zygote.start_server(store, tmp_path / "3.log")
    try:
        assert httpx.get(restarted.url + "/health", timeout=10).json()["version"] == second.version_after
        assert quads_of(store) == expected and journal.applied(store) == second.id
        graph = httpx.get(restarted.url + "/rdf-graph-store", params={"graph": GRAPH},
                          headers={"Accept": "application/n-triples"}, timeout=10)
        assert graph.status_code == 200
        assert '"desk file 17"@en' in graph.text and '"desk file 18"@en' in graph.text
        assert graph.text.count("\n") == 4  # two links, two comments: each once
    finally:
        stop_server(restarted)
