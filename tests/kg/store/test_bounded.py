"""Bounded queries answered in the server process (kg.store.bounded + WorkerPoolEngine's local lane):
which queries qualify, that their count is an upper bound, that the answers equal a worker's, that
everything else still goes to a killable worker, and that a write is seen at once by both."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.errors import QueryTimeout
from kg.store import bounded
from kg.store.engine import InProcessEngine, QueryRequest
from kg.store.workers import WorkerPoolEngine

ORTIZ = iris.entity_iri("person", "oscar-ortiz")
LABEL = iris.PREFIXES["rdfs"] + "label"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FORMATS = {"solutions_format": ox.QueryResultsFormat.JSON, "graph_format": ox.RdfFormat.N_TRIPLES}

INSIDE = [
    f"SELECT ?l WHERE {{ <{ORTIZ}> <{LABEL}> ?l }}",
    f"PREFIX rdfs: <{iris.PREFIXES['rdfs']}>\n# a comment {{ FILTER }}\n"
    f"select distinct ?l {{ <{ORTIZ}> rdfs:label ?l . }}",
    f"SELECT * WHERE {{ <{ORTIZ}> ?p ?o ; a ?t . }} LIMIT 10 OFFSET 1",
    f"ASK {{ <{ORTIZ}> a <{iris.TG}Person> }}",
    f"CONSTRUCT {{ <{ORTIZ}> ?p ?o }} WHERE {{ <{ORTIZ}> ?p ?o }}",
    f"CONSTRUCT WHERE {{ <{ORTIZ}> ?p ?o }}",
    f"DESCRIBE <{ORTIZ}>",
    f'SELECT ?s ?l WHERE {{ ?s ?p <{ORTIZ}> . <{ORTIZ}> <{LABEL}> ?l, "Óscar Ortiz"@es }}',
]

OUTSIDE = {
    "nothing given": "SELECT * WHERE { ?s ?p ?o }",
    "only a predicate": f"SELECT ?s WHERE {{ ?s <{LABEL}> ?o }}",
    "only a literal": f'SELECT ?s WHERE {{ ?s <{LABEL}> "Óscar Ortiz"@es }}',
    "bounded only through a join": f"SELECT ?l WHERE {{ ?s ?p <{ORTIZ}> . ?s <{LABEL}> ?l }}",
    "one free pattern of two": f"SELECT * WHERE {{ <{ORTIZ}> ?p ?o . ?s ?p ?x }}",
    "filter": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o FILTER(?o != 1) }}",
    "optional": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    "union": f"SELECT ?o WHERE {{ {{ <{ORTIZ}> ?p ?o }} UNION {{ ?o ?p ?x }} }}",
    "graph": f"SELECT ?o WHERE {{ GRAPH ?g {{ <{ORTIZ}> ?p ?o }} }}",
    "path *": f"SELECT ?o WHERE {{ <{ORTIZ}> <{LABEL}>* ?o }}",
    "path +": f"SELECT ?o WHERE {{ <{ORTIZ}> <{LABEL}>+ ?o }}",
    "path ?": f"SELECT ?o WHERE {{ <{ORTIZ}> <{LABEL}>? ?o }}",
    "path /": f"SELECT ?o WHERE {{ <{ORTIZ}> <{LABEL}>/<{LABEL}> ?o }}",
    "path ^": f"SELECT ?o WHERE {{ <{ORTIZ}> ^<{LABEL}> ?o }}",
    "path |": f"SELECT ?o WHERE {{ <{ORTIZ}> <{LABEL}>|<{TYPE}> ?o }}",
    "negated path": f"SELECT ?o WHERE {{ <{ORTIZ}> !<{LABEL}> ?o }}",
    "blank node": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p [ ?q ?o ] }}",
    "labelled blank node": f"SELECT ?o WHERE {{ _:b ?p <{ORTIZ}> }}",
    "subquery": f"SELECT ?o WHERE {{ {{ SELECT ?o WHERE {{ ?s ?p ?o }} }} <{ORTIZ}> ?p ?o }}",
    "values": f"SELECT ?o WHERE {{ VALUES ?p {{ <{LABEL}> }} <{ORTIZ}> ?p ?o }}",
    "bind": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o BIND(1 AS ?x) }}",
    "service": f"SELECT ?o WHERE {{ SERVICE <http://example.org/sparql> {{ <{ORTIZ}> ?p ?o }} }}",
    "aggregate": f"SELECT (COUNT(*) AS ?n) WHERE {{ <{ORTIZ}> ?p ?o }}",
    "order by": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o }} ORDER BY ?o",
    "group by": f"SELECT ?p WHERE {{ <{ORTIZ}> ?p ?o }} GROUP BY ?p",
    "base": f"BASE <http://example.org/> SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o }}",
    "relative IRI": "SELECT ?o WHERE { <x> ?p ?o }",
    "unknown prefix": "SELECT ?o WHERE { ex:x ?p ?o }",
    "describe a variable": "DESCRIBE ?s WHERE { ?s ?p ?o }",
    "describe with where": f"DESCRIBE <{ORTIZ}> WHERE {{ ?s ?p ?o }}",
    "empty group": "ASK {}",
    "capital A": f"SELECT ?t WHERE {{ <{ORTIZ}> A ?t }}",
    "unicode escape": f'SELECT ?s WHERE {{ <{ORTIZ}> ?p "\\u0041" }}',
    "update": f"INSERT DATA {{ <{ORTIZ}> <{LABEL}> 'x' }}",
    "two queries": f"SELECT ?o WHERE {{ <{ORTIZ}> ?p ?o }} SELECT * WHERE {{ ?s ?p ?o }}",
}


@pytest.mark.parametrize("query", INSIDE)
def test_the_subset_is_recognised(query: str) -> None:
    assert bounded.plan(query) is not None
    ox.Store().query(query)  # and it is SPARQL pyoxigraph reads


@pytest.mark.parametrize("query", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_anything_else_goes_to_a_worker(query: str) -> None:
    assert bounded.plan(query) is None


def many(store: ox.Store, subject: str, n: int, *, blank: bool = False) -> None:
    for k in range(n):
        obj: ox.NamedNode | ox.BlankNode | ox.Literal = ox.BlankNode() if blank and k == 0 else ox.Literal(str(k))
        store.add(ox.Quad(ox.NamedNode(subject), ox.NamedNode(f"http://e/p{k % 3}"), obj,
                          ox.NamedNode(f"http://e/g{k % 2}")))


def test_the_count_bounds_the_work_over_every_graph() -> None:
    store = ox.Store()
    many(store, "http://e/small", 10)
    many(store, "http://e/big", 300)
    small = bounded.plan("SELECT * WHERE { <http://e/small> ?p ?o }")
    big = bounded.plan("SELECT * WHERE { <http://e/big> ?p ?o }")
    pair = bounded.plan("SELECT * WHERE { <http://e/small> ?p ?o . <http://e/small> ?q ?r }")
    literal = bounded.plan('SELECT * WHERE { <http://e/big> <http://e/p0> "no such literal" }')
    assert small and big and pair and literal
    assert bounded.within(store, small, cap=10) and not bounded.within(store, small, cap=9)
    assert bounded.within(store, big, cap=300) and not bounded.within(store, big, cap=299)
    # Each pattern is small, but the join may be their product.
    assert bounded.within(store, pair, cap=100) and not bounded.within(store, pair, cap=99)
    # A literal is counted as a variable: its pattern is bounded by its subject's quads with p0.
    assert not bounded.within(store, literal, cap=99) and bounded.within(store, literal, cap=100)
    # An IRI nobody uses: the pattern, and so the join, is empty.
    assert bounded.within(store, bounded.plan("ASK { <http://e/none> ?p ?o . <http://e/big> ?q ?r }"), cap=1)


def test_describe_is_bounded_only_without_blank_nodes() -> None:
    store = ox.Store()
    many(store, "http://e/plain", 5)
    many(store, "http://e/with-blank", 5, blank=True)
    assert bounded.within(store, bounded.plan("DESCRIBE <http://e/plain>"), cap=5)  # type: ignore[arg-type]
    assert not bounded.within(store, bounded.plan("DESCRIBE <http://e/plain>"), cap=4)  # type: ignore[arg-type]
    # Oxigraph's DESCRIBE follows blank nodes (a concise bounded description): not counted, refused.
    assert not bounded.within(store, bounded.plan("DESCRIBE <http://e/with-blank>"), cap=100)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- the engine's local lane


@pytest.fixture
def store_copy(built_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(built_store, path)
    return path


@pytest.fixture
def pool(store_copy: Path) -> Iterator[WorkerPoolEngine]:
    with WorkerPoolEngine(store_copy, workers=2, timeout=1) as engine:
        yield engine


def answer(pool: WorkerPoolEngine, query: str) -> bytes:
    return b"".join(pool.serialize(QueryRequest(query, base_iri=iris.BASE), **FORMATS).chunks)  # type: ignore[arg-type]


def test_bounded_queries_are_answered_here_and_equal_a_workers_answer(pool: WorkerPoolEngine,
                                                                       store_copy: Path) -> None:
    reference = InProcessEngine(ox.Store.read_only(str(store_copy)))
    for query in INSIDE:
        before = pool.local_answers
        ours = answer(pool, query)
        assert pool.local_answers == before + 1, query
        theirs = b"".join(reference.serialize(QueryRequest(query), **FORMATS).chunks)  # type: ignore[arg-type]
        if query.startswith(("CONSTRUCT", "DESCRIBE")):
            assert set(ours.splitlines()) == set(theirs.splitlines()), query
        else:
            assert ours == theirs, query
    assert pool.workers_busy() == 0


def test_a_runaway_query_still_times_out_in_a_worker_while_lookups_are_answered_here(
        pool: WorkerPoolEngine) -> None:
    import threading

    before = set(pool.worker_pids())
    failures: list[BaseException] = []

    def runaway() -> None:
        try:
            answer(pool, "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
        except QueryTimeout as exc:
            failures.append(exc)

    threads = [threading.Thread(target=runaway) for _ in range(2)]  # both workers busy
    for t in threads:
        t.start()
    label = answer(pool, f"SELECT ?l WHERE {{ <{ORTIZ}> <{LABEL}> ?l }}")
    assert b"Ortiz" in label and any(t.is_alive() for t in threads)  # answered while they ran
    for t in threads:
        t.join()
    assert len(failures) == 2 and all("1 s limit" in str(f) for f in failures)
    killed = before - set(pool.worker_pids())
    assert killed and all(not Path(f"/proc/{pid}/status").exists() for pid in killed)
    assert os.getpid() not in killed


def test_a_bound_over_the_cap_goes_to_a_worker(store_copy: Path) -> None:
    with WorkerPoolEngine(store_copy, workers=1, timeout=5, local_cap=3) as pool:
        answer(pool, f"SELECT ?p ?o WHERE {{ <{ORTIZ}> ?p ?o }}")  # Ortiz has more than 3 quads
        assert pool.local_answers == 0
    with WorkerPoolEngine(store_copy, workers=1, timeout=5, local_cap=0) as pool:
        answer(pool, f"SELECT ?l WHERE {{ <{ORTIZ}> <{LABEL}> ?l }}")
        assert pool.local_answers == 0


def test_a_write_is_seen_at_once_here_and_in_the_workers(pool: WorkerPoolEngine) -> None:
    subject = "http://example.org/written"
    lookup = f"SELECT ?o WHERE {{ <{subject}> <{LABEL}> ?o }}"
    via_worker = f"SELECT ?o WHERE {{ <{subject}> <{LABEL}> ?o FILTER(isLiteral(?o)) }}"
    assert b"first" not in answer(pool, lookup)  # the read-only handle, before any write
    for value in ("first", "second"):
        quad = ox.Quad(ox.NamedNode(subject), ox.NamedNode(LABEL), ox.Literal(value),
                       ox.NamedNode("http://example.org/g"))
        with pool.write_lock, pool.exclusive() as store:
            store.add(quad)
        local_before = pool.local_answers
        assert value.encode() in answer(pool, lookup)  # here: the writer's handle
        assert pool.local_answers == local_before + 1
        assert value.encode() in answer(pool, via_worker)  # a worker: reopened after the commit
        assert pool.local_answers == local_before + 1
