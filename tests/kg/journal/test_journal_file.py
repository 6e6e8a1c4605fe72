"""The journal file on its own: RDF Patch round trip, torn appends, filters, idempotent recovery.

Real files and a real on-disk Oxigraph store; no server (tests/kg/journal/test_crash.py has those).
"""

from __future__ import annotations

import doctest
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.journal.entry
import kg.journal.log
from kg.errors import StoreUnavailable
from kg.journal import Entry, Journal, recover
from kg.journal.log import APPLIED_FILE, default_path

EX = "http://example.org/"
G = ox.NamedNode(EX + "graph/a")
S, P = ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p")


def quad(o: str | ox.BlankNode, graph: ox.NamedNode | ox.DefaultGraph = G, s: ox.NamedNode | ox.BlankNode = S
         ) -> ox.Quad:
    return ox.Quad(s, P, o if isinstance(o, ox.BlankNode) else ox.Literal(o), graph)


def test_the_modules_examples_run() -> None:
    for module in (kg.journal.entry, kg.journal.log):
        failed, tried = doctest.testmod(module)
        assert tried and not failed, module.__name__


def test_an_entry_reads_back_as_written(tmp_path: Path) -> None:
    """Awkward literals, the default graph, blank nodes (their labels kept) and graph headers."""
    b = ox.BlankNode("b0journal")
    removed = [quad('multi\nline "quoted" \\ text')]
    five = ox.Literal("5", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))
    added = [quad("plain", ox.DefaultGraph()), ox.Quad(S, P, ox.Literal("es", language="es"), G),
             quad(b), ox.Quad(b, P, five, G)]
    entry = Entry.new(removed=removed, added=added, who="desk «Ñ»", request_id="req-1", version_before="v1",
                      created_graphs=[EX + "graph/new"], dropped_graphs=[EX + "graph/old"])
    journal = Journal(tmp_path / "j")
    assert journal.append(entry) == entry.id
    [read] = list(journal.entries())
    assert (read.id, read.who, read.request_id, read.version_before) == (entry.id, "desk «Ñ»", "req-1", "v1")
    assert read.version_after == entry.version_after and read.version_after.startswith("v1+")
    assert set(read.removed) == set(removed) and set(read.added) == set(added)
    assert (read.created_graphs, read.dropped_graphs) == ([EX + "graph/new"], [EX + "graph/old"])
    assert abs(read.time - entry.time) < timedelta(milliseconds=1) and read.position == 1 and read.prev is None
    text = journal.path.read_text(encoding="utf-8")
    assert text.startswith(f"H id <uuid:{entry.id}> .\n") and text.endswith("TC .\n") and "\nTX .\n" in text
    assert "_:b0journal" in text  # the label the store keeps, as RDF Patch asks


def test_entries_chain_and_filter(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j")
    first = Entry.new(removed=[], added=[quad("1")], who="ana")
    second = Entry.new(removed=[quad("1")], added=[quad("2", ox.NamedNode(EX + "graph/b"))], who="ben")
    third = Entry.new(removed=[], added=[quad("3")], who="ana")
    for e in (first, second, third):
        journal.append(e)
    entries = list(journal.entries())
    assert [e.id for e in entries] == [first.id, second.id, third.id]
    assert [e.prev for e in entries] == [None, first.id, second.id] and [e.position for e in entries] == [1, 2, 3]
    assert [e.id for e in journal.entries(who="ana")] == [first.id, third.id]
    assert [e.id for e in journal.entries(graph=EX + "graph/b")] == [second.id]
    assert [e.id for e in journal.entries(since=first.id)] == [second.id, third.id]
    assert [e.id for e in journal.entries(since=datetime.now(UTC) + timedelta(days=1))] == []
    assert len(list(journal.entries(since=datetime.now(UTC).date().isoformat()))) == 3
    assert journal.get(second.id[:8]).id == second.id
    inverse = second.inverse(who="ana")
    assert (inverse.removed, inverse.added, inverse.extra) == (second.added, second.removed, {"reverts": [second.id]})


def test_a_torn_last_entry_is_ignored_then_cut_off_by_the_next_append(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j")
    kept = Entry.new(removed=[], added=[quad("kept")])
    journal.append(kept)
    torn = Entry.new(removed=[], added=[quad("torn"), quad("torn too")]).patch()
    with journal.path.open("a", encoding="utf-8") as out:  # a crash in the middle of the append
        out.write(torn[: torn.index("TC .") - 10])
    assert [e.id for e in Journal(journal.path).entries()] == [kept.id]
    later = Entry.new(removed=[], added=[quad("later")])
    Journal(journal.path).append(later)  # a new process: it finds the torn tail itself
    entries = list(journal.entries())
    assert [e.id for e in entries] == [kept.id, later.id] and entries[1].prev == kept.id
    assert "torn" not in journal.path.read_text(encoding="utf-8")


def test_recovery_applies_what_the_store_lacks_and_is_idempotent(tmp_path: Path) -> None:
    """Replaying an entry the store already holds (a crash after the commit, before the position
    was recorded) changes nothing, blank nodes included."""
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.add(quad("old"))
    store.flush()
    del store
    journal = Journal.for_store(path)
    assert journal.path == default_path(path) == tmp_path / "store.journal"
    b = ox.BlankNode("cafe01")
    entry = Entry.new(removed=[quad("old")], added=[quad(b), ox.Quad(b, P, ox.Literal("x"), G)])
    journal.append(entry)
    assert recover(path, journal) == 1
    assert (path / APPLIED_FILE).read_text().strip() == entry.id and journal.applied(path) == entry.id
    (path / APPLIED_FILE).unlink()  # as if the process died before recording the position
    assert recover(path, journal) == 1
    assert recover(path, journal) == 0
    store = ox.Store.read_only(str(path))
    assert set(store) == set(entry.added)
    del store


def test_a_store_ahead_of_a_foreign_journal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store"
    ox.Store(str(path)).flush()
    (path / APPLIED_FILE).write_text("00000000-0000-0000-0000-000000000000\n")
    other = Journal(tmp_path / "other.journal", path)
    other.append(Entry.new(removed=[], added=[quad("x")]))
    with pytest.raises(StoreUnavailable, match="does not hold") as caught:
        recover(path, other)
    assert "KG_JOURNAL" in (caught.value.hint or "")


def test_a_write_the_store_refuses_after_the_append_is_cancelled_in_the_journal(tmp_path: Path) -> None:
    """Another process holds the store read-write (a `kg link`), so the server's commit fails after
    its entry was journaled: the entry's inverse follows it, the client hears 503, and the journal
    and the store still agree (a tiny store with no shapes: the gate validates nothing here)."""
    from kg import gate
    from kg.store.workers import WorkerPoolEngine

    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.add(quad("old"))
    store.flush()
    del store
    journal = Journal.for_store(path)
    insert = "INSERT DATA {{ GRAPH <{g}> {{ <{s}> <{p}> \"{o}\" }} }}"
    pool = WorkerPoolEngine(path, workers=1, journal=journal).start()
    try:
        blocker = ox.Store(str(path))
        with pytest.raises(StoreUnavailable, match="cancelled"):
            gate.apply_update(pool, insert.format(g=G.value, s=S.value, p=P.value, o="refused"))
        del blocker
        refused, undone = list(journal.entries())
        assert undone.extra == {"aborts": [refused.id]} and undone.removed == refused.added
        assert journal.applied(path) is None  # the store took neither
        report = gate.apply_update(pool, insert.format(g=G.value, s=S.value, p=P.value, o="taken"))
        assert report.entry is not None and journal.applied(path) == report.entry
    finally:
        pool.close()
    assert quads_in(path) == {quad("old"), quad("taken")}
    assert recover(path, journal) == 0
    (path / APPLIED_FILE).unlink()  # replaying everything from the start gives the same store
    assert recover(path, journal) == 3 and quads_in(path) == {quad("old"), quad("taken")}


def quads_in(path: Path) -> set[ox.Quad]:
    store = ox.Store.read_only(str(path))
    try:
        return set(store)
    finally:
        del store


def test_kg_journal_puts_the_journal_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kg.config import Settings

    monkeypatch.delenv("KG_JOURNAL", raising=False)
    assert Journal.for_store(tmp_path / "store", Settings()).path == tmp_path / "store.journal"
    monkeypatch.setenv("KG_JOURNAL", str(tmp_path / "elsewhere" / "edits.rdfp"))
    journal = Journal.for_store(tmp_path / "store")
    assert journal.path == tmp_path / "elsewhere" / "edits.rdfp"
    journal.append(Entry.new(removed=[], added=[quad("x")]))  # creates the folder and the file
    assert journal.exists() and journal.quarantine_path == tmp_path / "elsewhere" / "edits.rdfp.quarantine"
