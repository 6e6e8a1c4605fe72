"""The server's own lane for bounded queries (`kg.store.local_lane`) on a real on-disk store."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store.engine import QueryRequest
from kg.store.local_lane import LocalLane

EX = "http://example.org/"
JSON, NT = ox.QueryResultsFormat.JSON, ox.RdfFormat.N_TRIPLES
LOOKUP = QueryRequest(f"SELECT ?o WHERE {{ <{EX}s1> <{EX}p> ?o }}")


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v{i}"),
                          ox.DefaultGraph()) for i in range(50)])
    store.flush()
    del store
    return path


def test_a_bounded_lookup_is_answered_here_and_counted(store_path: Path) -> None:
    lane = LocalLane(store_path, cap=10)
    handle = lane.store(0, None)
    result = lane.serialize(LOOKUP, JSON, NT, store=lambda: handle, generation=lambda: 0)
    assert result is not None and b'"v1"' in b"".join(result.chunks)
    assert lane.answers == 1


def test_everything_else_is_left_to_a_worker(store_path: Path) -> None:
    lane = LocalLane(store_path, cap=10)
    handle = lane.store(0, None)
    unbounded = QueryRequest("SELECT ?s WHERE { ?s ?p ?o }")
    assert lane.serialize(unbounded, JSON, NT, store=lambda: handle, generation=lambda: 0) is None
    too_many = QueryRequest(f"SELECT ?s WHERE {{ ?s <{EX}p> ?o }}")  # 50 quads > cap 10
    assert lane.serialize(too_many, JSON, NT, store=lambda: handle, generation=lambda: 0) is None
    off = LocalLane(store_path, cap=0)
    assert off.serialize(LOOKUP, JSON, NT, store=lambda: handle, generation=lambda: 0) is None
    assert lane.answers == off.answers == 0


def test_a_new_generation_reopens_and_the_writer_handle_wins(store_path: Path) -> None:
    lane = LocalLane(store_path, cap=10)
    first = lane.store(0, None)
    assert lane.store(0, None) is first
    assert lane.store(1, None) is not first
    writer = ox.Store(str(store_path))
    assert lane.store(2, writer) is writer

