"""The worker pool behind /sparql, without HTTP: same answers as in-process, streamed in chunks,
errors carried across the pipe, writes that pause and resume the pool."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import canned, iris
from kg.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge
from kg.store.engine import InProcessEngine, QueryRequest, ResultKind, Rows
from kg.store.workers import WorkerPoolEngine

ORTIZ = ox.NamedNode(iris.entity_iri("person", "oscar-ortiz"))
FORMATS = {"solutions_format": ox.QueryResultsFormat.JSON, "graph_format": ox.RdfFormat.N_TRIPLES}


#: The pool's hold (`hold_bytes`): small, so that a whole-store CONSTRUCT goes past it.
HOLD = 32 * 1024


@pytest.fixture(scope="module")
def store_copy(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "store"
    shutil.copytree(built_store, path)
    return path


@pytest.fixture(scope="module")
def pool(store_copy: Path) -> Iterator[WorkerPoolEngine]:
    with WorkerPoolEngine(store_copy, workers=2, timeout=5, max_result_rows=50, chunk_size=4096,
                          hold_bytes=HOLD) as engine:
        yield engine


@pytest.fixture(scope="module")
def local(store_copy: Path) -> InProcessEngine:
    return InProcessEngine(ox.Store.read_only(str(store_copy)))


def test_select_ask_construct_quads_match_in_process(pool: WorkerPoolEngine, local: InProcessEngine) -> None:
    select = QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o", substitutions={"s": ORTIZ})
    assert pool.select(select) == local.select(select)
    ask = QueryRequest("ASK { ?s a ?c }", substitutions={"s": ORTIZ, "c": ox.NamedNode(iris.TG + "Person")})
    assert pool.ask(ask) is local.ask(ask) is True
    construct = QueryRequest(f"CONSTRUCT {{ <{ORTIZ.value}> ?p ?o }} WHERE {{ <{ORTIZ.value}> ?p ?o }}")
    assert set(pool.construct(construct)) == set(local.construct(construct))
    assert set(pool.quads(ORTIZ)) == set(local.quads(ORTIZ))


def where_and_how_many(rows: Rows, label: str) -> tuple[int, str, int]:
    """Sent to a worker by name: which process ran it, and what it saw."""
    return os.getpid(), label, len(rows.rows)


def test_select_with_runs_the_function_where_the_rows_are(pool: WorkerPoolEngine, local: InProcessEngine) -> None:
    request = QueryRequest("SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?p ?o", substitutions={"s": ORTIZ})
    pid, label, count = pool.select_with(request, where_and_how_many, "ortiz")
    assert pid in pool.worker_pids() and pid != os.getpid()
    assert (label, count) == ("ortiz", len(local.select(request).rows)) and count > 3
    # a canned page rendered in the worker is byte for byte the one rendered here
    page = canned.Page(offset=1, limit=2)
    there = pool.select_with(request, canned.render_rows, frozenset({"s"}), page, "csv")
    here = local.select_with(request, canned.render_rows, frozenset({"s"}), page, "csv")
    assert there == here and there.total == count and there.body.count(b"\r\n") == 3
    assert there.body.startswith(b"p,o\r\n")  # the hidden column is left out
    async_pid, _, _ = asyncio.run(pool.select_with_async(request, where_and_how_many, "again"))
    assert async_pid in pool.worker_pids()


def test_select_with_keeps_the_limits_and_the_timeout(pool: WorkerPoolEngine) -> None:
    with pytest.raises(ResultTooLarge, match="more than 50 rows"):
        pool.select_with(QueryRequest("SELECT * WHERE { ?s ?p ?o }"), where_and_how_many, "all")
    slow = QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.5)
    with pytest.raises(QueryTimeout, match=r"0\.5 s limit"):
        asyncio.run(pool.select_with_async(slow, where_and_how_many, "slow"))
    assert pool.select_with(QueryRequest("SELECT * WHERE {}"), where_and_how_many, "x")[1:] == ("x", 1)


def test_a_function_that_cannot_be_sent_is_refused_and_the_worker_kept(pool: WorkerPoolEngine) -> None:
    alive = pool.worker_pids()
    for _ in range(3):  # more times than there are workers: none is left stranded as busy
        with pytest.raises(TypeError, match="module level"):
            pool.select_with(QueryRequest("SELECT * WHERE {}"), lambda rows: len(rows.rows))
    assert pool.worker_pids() == alive and pool.ask(QueryRequest("ASK {}")) is True


def test_large_results_stream_in_chunks_and_equal_the_in_process_bytes(
    pool: WorkerPoolEngine, local: InProcessEngine
) -> None:
    """Held until `hold_bytes` (the start goes out as one piece), then streamed chunk by chunk."""
    request = QueryRequest("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    result = pool.serialize(request, **FORMATS)  # type: ignore[arg-type]
    chunks = list(result.chunks)
    assert result.kind is ResultKind.GRAPH and len(chunks) > 10
    # one chunk is at most 4 KiB plus one serialiser write (8 KiB); the held start, HOLD plus one chunk
    assert HOLD <= len(chunks[0]) <= HOLD + 4096 + 8192
    assert max(len(c) for c in chunks[1:]) <= 4096 + 8192
    expected = b"".join(local.serialize(request, **FORMATS).chunks)  # type: ignore[arg-type]
    assert b"".join(chunks) == expected


def test_an_answer_under_the_hold_comes_whole(pool: WorkerPoolEngine, local: InProcessEngine) -> None:
    """Several chunks from the worker, held and sent as one piece: the pool is free before the
    response starts, so a time limit can no longer cut it."""
    request = QueryRequest("SELECT ?s WHERE { ?s a ?type } LIMIT 150")
    result = pool.serialize(request, **FORMATS)  # type: ignore[arg-type]
    assert isinstance(result.chunks, type(iter(())))
    whole = b"".join(result.chunks)
    assert 4096 < len(whole) < HOLD
    assert whole == b"".join(local.serialize(request, **FORMATS).chunks)  # type: ignore[arg-type]
    assert pool.workers_busy() == 0


def test_small_results_come_in_one_message(pool: WorkerPoolEngine) -> None:
    result = pool.serialize(QueryRequest("ASK {}"), **FORMATS)  # type: ignore[arg-type]
    assert isinstance(result.chunks, type(iter(())))
    assert b"".join(result.chunks) == b'{"head":{},"boolean":true}'


def test_errors_cross_the_pipe_with_their_details(pool: WorkerPoolEngine) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        pool.select(QueryRequest("SELECT * WHERE {\n ?s }"))
    assert info.value.line == 2 and info.value.column is not None
    with pytest.raises(ResultTooLarge, match="more than 50 rows"):
        pool.select(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
    assert pool.ask(QueryRequest("ASK {}")) is True  # the worker is still fine


def test_timeout_kills_the_worker_and_the_pool_recovers(pool: WorkerPoolEngine) -> None:
    before = set(pool.worker_pids())
    with pytest.raises(QueryTimeout, match=r"0\.5 s limit"):
        pool.select(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=0.5))
    assert pool.ask(QueryRequest("ASK {}")) is True  # answered by the other worker meanwhile
    killed = before - set(pool.worker_pids())
    assert len(killed) == 1 and not Path(f"/proc/{killed.pop()}/status").exists()


def test_exclusive_write_is_seen_after_the_pool_reopens(pool: WorkerPoolEngine) -> None:
    version = pool.version
    quad = ox.Quad(
        ox.NamedNode("http://example.org/w"),
        ox.NamedNode("http://example.org/p"),
        ox.Literal("v"),
        ox.NamedNode("http://example.org/g"),
    )
    with pool.write_lock, pool.exclusive() as store:
        store.add(quad)
    assert pool.version != version
    assert pool.ask(QueryRequest('ASK { GRAPH <http://example.org/g> { ?s ?p "v" } }')) is True
    assert pool.workers_alive() == 2


def test_a_slow_query_in_flight_holds_up_neither_a_commit_nor_the_next_query(pool: WorkerPoolEngine) -> None:
    """A commit waits for reopens under way, not for running queries (it used to wait for those
    too: one query running to its time limit held up every write and every query behind it).
    The slow query ends at its own limit; the write and a query after it are done long before."""
    import threading
    import time

    slow = QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", timeout=4)
    outcome: list[BaseException] = []
    runner = threading.Thread(target=lambda: outcome.extend(_raised(lambda: pool.select(slow))))
    runner.start()
    deadline = time.monotonic() + 3
    while pool.workers_busy() == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    quad = ox.Quad(ox.NamedNode("http://example.org/w2"), ox.NamedNode("http://example.org/p"),
                   ox.Literal("during"), ox.NamedNode("http://example.org/g"))
    with pool.write_lock, pool.exclusive() as store:
        store.add(quad)
    assert pool.ask(QueryRequest('ASK { GRAPH <http://example.org/g> { ?s ?p "during" } }')) is True
    assert runner.is_alive(), "the commit and the next query waited for the slow query"
    runner.join()
    assert len(outcome) == 1 and isinstance(outcome[0], QueryTimeout)


def _raised(fn: Callable[[], object]) -> list[BaseException]:
    try:
        fn()
    except BaseException as exc:  # handed to the test thread
        return [exc]
    return []


#: Runs until its time limit on the built graph (a product of three patterns).
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: Ends by itself, well past a few milliseconds (about 4 million rows counted).
LONG = "SELECT (COUNT(*) AS ?n) WHERE { ?a a ?c . ?d ?e ?f }"


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll until `condition` holds; the cap only stops a broken test from hanging."""
    import time

    give_up = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < give_up, f"never happened: {what}"
        time.sleep(0.01)


def test_a_long_query_is_demoted_and_a_spare_answers_at_normal_priority(store_copy: Path) -> None:
    """KG_QUERY_DEMOTE_AFTER: past it, the worker runs at nice 19 and a spare is lent, so the next
    query runs at once, at normal priority, while the long one is still running."""
    import threading

    from kg.store.workers import DEMOTED_NICE, worker_nice

    with WorkerPoolEngine(store_copy, workers=1, timeout=30, demote_after=0.05) as engine:
        (first,) = engine.worker_pids()
        assert worker_nice(first) == 0
        outcome: list[BaseException] = []
        slow = QueryRequest(ENDLESS, timeout=3)
        runner = threading.Thread(target=lambda: outcome.extend(_raised(lambda: engine.select(slow))))
        runner.start()
        _wait_for(lambda: engine.demotions == 1, "the long query demoted")
        assert worker_nice(first) == DEMOTED_NICE
        assert engine.ask(QueryRequest("ASK {}")) is True
        assert runner.is_alive(), "the cheap query waited for the long one"
        (pid,) = set(engine.worker_pids()) - {first}  # the spare, which answered it
        assert worker_nice(pid) == 0
        # a second long query, started while the only other running one is demoted already
        second = threading.Thread(target=lambda: outcome.extend(_raised(lambda: engine.select(slow))))
        second.start()
        _wait_for(lambda: engine.demotions == 2, "the second long query demoted")
        assert worker_nice(pid) == DEMOTED_NICE
        runner.join()
        second.join()
        assert len(outcome) == 2 and all(isinstance(e, QueryTimeout) for e in outcome)
        # both demoted workers were killed at the limit; a fresh one (normal priority) replaces them
        _wait_for(lambda: len(engine.worker_pids()) == 1 and engine.workers_busy() == 0, "the pool refilled")
        (fresh,) = engine.worker_pids()
        assert fresh not in (first, pid) and worker_nice(fresh) == 0


def test_a_demoted_worker_is_back_at_normal_priority_for_the_next_query(store_copy: Path) -> None:
    """A long query that ends by itself: its worker is restored (or, without the right to raise
    its priority again, replaced by a fresh one) before it takes another query."""
    from kg.store.workers import worker_nice

    with WorkerPoolEngine(store_copy, workers=1, timeout=30, demote_after=0.01, spares=0) as engine:
        assert int(engine.select(QueryRequest(LONG)).rows[0]["n"].value) > 1_000_000
        assert engine.demotions == 1
        _wait_for(lambda: len(engine.worker_pids()) == 1 and engine.workers_busy() == 0, "the pool settled")
        pid, _, _ = engine.select_with(QueryRequest("SELECT * WHERE {}"), where_and_how_many, "next")
        assert worker_nice(pid) == 0 and engine.worker_pids() == [pid]


def test_quick_queries_are_never_demoted(store_copy: Path) -> None:
    with WorkerPoolEngine(store_copy, workers=1, timeout=30, demote_after=5) as engine:
        for _ in range(20):
            assert engine.ask(QueryRequest("ASK {}")) is True
        assert engine.demotions == 0
