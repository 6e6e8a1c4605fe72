"""Real SPARQL clients against the endpoint: SPARQLWrapper and rdflib's SPARQLStore / SPARQLUpdateStore."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

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


# -- every SPARQLWrapper return format, for every query form, GET and POST --------------------------

RESULT_FORMATS = [JSON, XML, CSV, TSV]
GRAPH_FORMATS = [XML, RDFXML, RDF, TURTLE, N3, JSONLD, JSON]
PERSON_FACT = (rdflib.URIRef(ORTIZ), rdflib.RDF.type, rdflib.URIRef(iris.TG + "Person"))
FORMS = {
    "SELECT": f"SELECT ?type WHERE {{ <{ORTIZ}> a ?type }}",
    "ASK": f"ASK {{ <{ORTIZ}> a <{iris.TG}Person> }}",
    "CONSTRUCT": f"CONSTRUCT {{ <{ORTIZ}> a ?type }} WHERE {{ <{ORTIZ}> a ?type }}",
    "DESCRIBE": f"DESCRIBE <{ORTIZ}>",
}
RDFLIB_FORMAT = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld"}


def _wrapper(server: Server, form: str, fmt: str, method: str) -> SPARQLWrapper:
    sparql = SPARQLWrapper(server.url + "/sparql")
    sparql.setQuery(FORMS[form])
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    return sparql


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SPARQLWrapper warns that it sends Accept: */*
@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize(("form", "fmt"), [(f, r) for f in ("SELECT", "ASK") for r in RESULT_FORMATS]
                         + [(f, g) for f in ("CONSTRUCT", "DESCRIBE") for g in GRAPH_FORMATS])
def test_sparqlwrapper_every_return_format(server: Server, form: str, fmt: str, method: str) -> None:
    result = _wrapper(server, form, fmt, method).query()
    media = result.response.headers["Content-Type"].split(";")[0]
    body = result.response.read()
    if form == "SELECT":
        assert iris.TG + "Person" in body.decode(), (fmt, media)
    elif form == "ASK":
        assert "true" in body.decode().lower(), (fmt, media)
    else:
        graph = rdflib.Graph().parse(data=body, format=RDFLIB_FORMAT[media])
        assert PERSON_FACT in graph, (fmt, media)
    expected = {JSON: "json", XML: "xml", CSV: "text/csv", TSV: "text/tab-separated-values",
                RDFXML: "application/rdf+xml", RDF: "application/rdf+xml", TURTLE: "text/turtle",
                N3: "text/turtle", JSONLD: "application/ld+json"}[fmt]
    assert expected in media, (form, fmt, media)
    _wrapper(server, form, fmt, method).queryAndConvert()  # SPARQLWrapper's own reading of it works too


MISMATCHED = [(f, r) for f in ("SELECT", "ASK") for r in (RDFXML, RDF, TURTLE, N3, JSONLD)] \
    + [(f, r) for f in ("CONSTRUCT", "DESCRIBE") for r in (CSV, TSV)]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize(("form", "fmt"), MISMATCHED)
def test_sparqlwrapper_format_that_cannot_carry_the_result_falls_back_to_accept(
        server: Server, form: str, fmt: str, method: str) -> None:
    """Turtle asked of a SELECT, CSV of a CONSTRUCT: the kind's default answers (Accept: */*)."""
    result = _wrapper(server, form, fmt, method).query()  # SPARQLWrapper raised on a 400 before
    media = result.response.headers["Content-Type"].split(";")[0]
    body = result.response.read()
    if form == "SELECT":
        assert media == "application/sparql-results+json", (fmt, media)
        assert iris.TG + "Person" in body.decode()
    elif form == "ASK":
        assert media == "application/sparql-results+json" and b"true" in body, (fmt, media)
    else:
        assert media == "text/turtle", (fmt, media)
        assert PERSON_FACT in rdflib.Graph().parse(data=body, format="turtle")


def test_a_format_for_the_other_kind_defers_to_accept_and_an_unknown_one_is_400(server: Server) -> None:
    with server.client() as client:
        def ask(form: str, fmt: str, accept: str) -> httpx.Response:
            return client.get("/sparql", params={"query": FORMS[form], "format": fmt}, headers={"Accept": accept})

        csv = ask("SELECT", "turtle", "text/csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        rdf = ask("CONSTRUCT", "tsv", "application/rdf+xml")
        assert rdf.status_code == 200 and rdf.headers["content-type"].startswith("application/rdf+xml")
        refused = ask("SELECT", "turtle", "text/turtle")  # Accept excludes every results format
        assert refused.status_code == 406
        unknown = ask("SELECT", "yaml", "*/*")
        assert unknown.status_code == 400 and unknown.json()["parameter"] == "format"
        assert "unknown format 'yaml'" in unknown.json()["message"]


def test_repeated_format_values_must_agree(server: Server) -> None:
    query = FORMS["CONSTRUCT"]
    with server.client() as client:
        same = client.get("/sparql", params=[("query", query), ("format", "rdf+xml"),
                                             ("format", "application/rdf+xml"), ("output", "rdf+xml")])
        assert same.status_code == 200 and same.headers["content-type"].startswith("application/rdf+xml")
        conflict = client.get("/sparql", params=[("query", query), ("format", "turtle"), ("format", "rdf+xml")])
        assert conflict.status_code == 400
        assert conflict.json()["parameter"] == "format"
        assert "name different formats" in conflict.json()["message"]


@pytest.mark.parametrize("return_format", ["json", "xml", "csv", "tsv"])
def test_rdflib_sparqlstore_in_every_results_format(server: Server, oracle: ox.Store, return_format: str) -> None:
    graph = rdflib.Graph(store=SPARQLStore(server.url + "/sparql", returnFormat=return_format))
    rows = list(graph.query(LABELS))
    assert sorted(str(r[0]) for r in rows) == sorted(label for label, _ in expected_labels(oracle))  # type: ignore[index]
    if return_format in ("json", "xml"):  # rdflib reads ASK answers only from these two
        assert PERSON_FACT in graph
