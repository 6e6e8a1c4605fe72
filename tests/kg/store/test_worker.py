"""The worker's end of the pipe (`kg.store.worker`), run in a thread over a real pipe and a real
on-disk store: answers, results in chunks, and errors that cross the pipe as plain values."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import errors
from kg.store.engine import QueryRequest, ResultKind
from kg.store.worker import DATA, END, error_payload, format_name, rebuild_error, worker_main

EX = "http://example.org/"


@pytest.fixture()
def store_path(tmp_path: Path) -> Path:
    path = tmp_path / "store"
    store = ox.Store(str(path))
    store.extend([ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"value {i}"),
                          ox.DefaultGraph()) for i in range(2000)])
    store.flush()
    del store
    return path


@pytest.fixture()
def worker(store_path: Path) -> Iterator[Connection]:
    parent, child = multiprocessing.Pipe(duplex=True)
    thread = threading.Thread(target=worker_main, args=(child, str(store_path)), daemon=True)
    thread.start()
    assert parent.recv()[0] == "ready"
    yield parent
    parent.send(("stop",))
    thread.join(5)


def test_small_answers_travel_as_one_message(worker: Connection) -> None:
    worker.send(("ask", QueryRequest(f"ASK {{ <{EX}s1> ?p ?o }}")))
    assert worker.recv() == ("ok", True)
    worker.send(("select", QueryRequest(f"SELECT ?o WHERE {{ <{EX}s1> ?p ?o }}"), 10))
    status, rows = worker.recv()
    assert status == "ok" and [r["o"] for r in rows.rows] == [ox.Literal("value 1")]


def test_a_result_larger_than_a_chunk_streams_in_frames(worker: Connection) -> None:
    request = QueryRequest("SELECT ?s ?o WHERE { ?s ?p ?o }")
    worker.send(("serialize", request, format_name(ox.QueryResultsFormat.CSV),
                 format_name(ox.RdfFormat.N_TRIPLES), 512, 1000))
    head, kind, media_type, first, final = worker.recv()
    assert (head, ResultKind(kind), final) == ("head", ResultKind.SOLUTIONS, False)
    assert media_type.startswith("text/csv") and len(first) >= 512
    frames = []
    while (frame := worker.recv_bytes()) != END:
        assert frame[:1] == DATA
        frames.append(frame[1:])
    # pyoxigraph writes in blocks of a few KB: the first is the head, the rest data frames
    assert frames and all(len(f) >= 512 for f in frames[:-1])
    assert (first + b"".join(frames)).decode().count("value ") == 2000


def test_a_bad_query_comes_back_as_the_same_error(worker: Connection) -> None:
    worker.send(("select", QueryRequest("SELECT ?s WHERE { ?s ?p }"), 10))
    status, payload = worker.recv()
    assert status == "err"
    error = rebuild_error(payload)
    assert isinstance(error, errors.QuerySyntaxError) and error.line == 1


def test_os_errors_are_logged_not_sent() -> None:
    payload = error_payload(OSError("/srv/secret/store/000123.sst: no such file"))
    error = rebuild_error(payload)
    assert isinstance(error, errors.StoreUnavailable) and "/srv/secret" not in error.message


def test_internal_error_kinds_are_not_rebuilt_as_themselves() -> None:
    error = rebuild_error(("BuildError", "m", None, None, None))
    assert type(error) is errors.BadRequest
