"""The worker pool behind /sparql, without HTTP: same answers as in-process, streamed in chunks,
errors carried across the pipe, writes that pause and resume the pool."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.engine import InProcessEngine, QueryRequest, ResultKind
from kg.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge
from kg.workers import WorkerPoolEngine

ORTIZ = ox.NamedNode(iris.entity_iri("person", "oscar-ortiz"))
FORMATS = {"solutions_format": ox.QueryResultsFormat.JSON, "graph_format": ox.RdfFormat.N_TRIPLES}


@pytest.fixture(scope="module")
def store_copy(built_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pool") / "store"
    shutil.copytree(built_store, path)
    return path


@pytest.fixture(scope="module")
def pool(store_copy: Path) -> Iterator[WorkerPoolEngine]:
    with WorkerPoolEngine(store_copy, workers=2, timeout=5, max_result_rows=50, chunk_size=4096) as engine:
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


def test_large_results_stream_in_chunks_and_equal_the_in_process_bytes(
    pool: WorkerPoolEngine, local: InProcessEngine
) -> None:
    request = QueryRequest("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    result = pool.serialize(request, **FORMATS)  # type: ignore[arg-type]
    chunks = list(result.chunks)
    assert result.kind is ResultKind.GRAPH and len(chunks) > 10
    assert max(len(c) for c in chunks) <= 4096 + 8192  # one chunk, plus at most one serialiser write (8 KiB)
    expected = b"".join(local.serialize(request, **FORMATS).chunks)  # type: ignore[arg-type]
    assert b"".join(chunks) == expected


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
