"""Real SPARQL clients against the endpoint: SPARQLWrapper and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from kg import iris
from tests.conftest import UPDATE_TOKEN, Server

ORTIZ = iris.entity_iri("person", "oscar-ortiz")
LABELS = (
    f"SELECT ?label WHERE {{ <{ORTIZ}> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?label"
)


@pytest.fixture(scope="module")
def oracle(server: Server) -> Iterator[ox.Store]:
    store = ox.Store.read_only(str(server.store))
    yield store
    del store


def expected_labels(store: ox.Store) -> list[tuple[str, str | None]]:
    result = store.query(LABELS, use_default_graph_as_union=True)
    return [(s["label"].value, s["label"].language) for s in result]  # type: ignore[union-attr]


@pytest.mark.parametrize("method", ["GET", POST])
def test_sparqlwrapper_select_json(server: Server, oracle: ox.Store, method: str) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(LABELS)
    sparql.setReturnFormat(JSON)
    sparql.setMethod(method)
    bindings = sparql.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert [(b["label"]["value"], b["label"].get("xml:lang")) for b in bindings] == expected_labels(oracle)


def test_sparqlwrapper_select_xml_and_csv(server: Server, oracle: ox.Store) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(LABELS)
    sparql.setReturnFormat(XML)
    document = sparql.queryAndConvert()
    values = [node.firstChild.data for node in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert values == [label for label, _ in expected_labels(oracle)]
    sparql.setReturnFormat(CSV)
    lines = sparql.queryAndConvert().decode().splitlines()  # type: ignore[union-attr]
    assert lines == ["label", *(label for label, _ in expected_labels(oracle))]


def test_sparqlwrapper_ask_and_construct(server: Server) -> None:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(f"ASK {{ <{ORTIZ}> a <{iris.TG}Person> }}")
    sparql.setReturnFormat(JSON)
    assert sparql.queryAndConvert()["boolean"] is True  # type: ignore[index]
    sparql.setQuery(f"CONSTRUCT {{ <{ORTIZ}> ?p ?o }} WHERE {{ <{ORTIZ}> ?p ?o }}")
    sparql.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=sparql.queryAndConvert(), format="turtle")  # type: ignore[arg-type]
    assert (rdflib.URIRef(ORTIZ), rdflib.RDF.type, rdflib.URIRef(iris.TG + "Person")) in graph


def test_rdflib_sparqlstore_reads_through_the_endpoint(server: Server, oracle: ox.Store) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql", returnFormat="json"))
    rows = list(graph.query(LABELS))
    assert [(str(r[0]), r[0].language) for r in rows] == expected_labels(oracle)  # type: ignore[index]
    assert (rdflib.URIRef(ORTIZ), rdflib.RDF.type, rdflib.URIRef(iris.TG + "Person")) in graph
    labels = set(graph.objects(rdflib.URIRef(ORTIZ), rdflib.RDFS.label))
    assert {(str(x), x.language) for x in labels} == set(expected_labels(oracle))  # type: ignore[attr-defined]


def test_rdflib_sparqlupdatestore_writes_with_the_token(make_server: Callable[..., Server]) -> None:
    server = make_server()
    store = SPARQLUpdateStore(
        server.url + "/sparql",
        server.url + "/sparql/update",
        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"},
    )
    graph = rdflib.Graph(store=store, identifier=rdflib.URIRef("http://example.org/client-test"))
    triple = (
        rdflib.URIRef("http://example.org/s"),
        rdflib.URIRef("http://example.org/p"),
        rdflib.Literal("o"),
    )
    graph.add(triple)
    assert triple in graph
    assert len(list(graph.triples((None, None, None)))) == 1
