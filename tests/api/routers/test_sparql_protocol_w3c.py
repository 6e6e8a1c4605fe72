"""The W3C SPARQL 1.1 Protocol test suite (w3c/rdf-tests, sparql/sparql11/protocol/manifest.ttl).

One test per manifest entry, named after it, with the requests of the manifest. The manifest's
endpoint path `/sparql/` is our `/sparql` for queries and `/sparql/update` for updates (a POST
of an update to `/sparql` is accepted too: `test_update_post_direct_to_the_query_endpoint`).
Updates carry the bearer token, since writes here need one. The graphs data1..data3 of the
suite are loaded with an update first; the update tests run on a server of their own, since
they begin with CLEAR ALL / DROP ALL. Both servers allow those (`KG_ALLOW_CLEAR_ALL=true`, which
this service needs before it runs a bulk CLEAR/DROP; the built graphs are kept even then).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox
import pytest

from kg import iris
from kg.gate.policy import BUILT_GRAPHS
from tests.conftest import UPDATE_TOKEN, Server

K = "http://kasei.us/2009/09/sparql/data/"
DATA = "\n".join(
    f"GRAPH <{K}data{i}.rdf> {{ <{K}data{i}.rdf> a <http://xmlns.com/foaf/0.1/Document> }}" for i in (1, 2, 3)
)
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
QUERY = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
CLEAR_ALL = {"KG_ALLOW_CLEAR_ALL": "true"}


@pytest.fixture(scope="module")
def query_server(make_server: Callable[..., Server]) -> Server:
    server = make_server(CLEAR_ALL)
    response = httpx.post(
        server.url + "/sparql/update",
        content=f"INSERT DATA {{ {DATA} }}".encode(),
        headers=UPDATE,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return server


@pytest.fixture(scope="module")
def q(query_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=query_server.url, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def u(make_server: Callable[..., Server]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=make_server(CLEAR_ALL).url, timeout=120) as client:
        yield client


def boolean(response: httpx.Response) -> bool:
    assert 200 <= response.status_code < 400, response.text
    media = response.headers["content-type"].split(";")[0]
    assert media in ("application/sparql-results+json", "application/sparql-results+xml")
    value = ox.parse_query_results(response.content, format=ox.QueryResultsFormat.from_media_type(media))
    assert isinstance(value, ox.QueryBoolean)
    return bool(value)


# ----------------------------------------------------------------------------- queries


def test_query_post_form(q: httpx.Client) -> None:
    response = q.post(
        f"/sparql?default-graph-uri={K}data0.rdf",
        content=b"query=ASK%20%7B%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_get(q: httpx.Client) -> None:
    query = f"ASK {{ <{K}data1.rdf> a ?type . <{K}data2.rdf> a ?type . }}"
    response = q.get(
        "/sparql",
        params=[
            ("query", query),
            ("default-graph-uri", f"{K}data1.rdf"),
            ("default-graph-uri", f"{K}data2.rdf"),
        ],
    )
    assert boolean(response) is True


def test_query_dataset_default_graphs_post(q: httpx.Client) -> None:
    query = f"ASK {{ <{K}data1.rdf> a ?type . <{K}data2.rdf> a ?type . }}"
    response = q.post(
        f"/sparql?default-graph-uri={K}data1.rdf&default-graph-uri={K}data2.rdf",
        content=query.encode(),
        headers=QUERY,
    )
    assert boolean(response) is True


def test_query_dataset_named_graphs_post(q: httpx.Client) -> None:
    query = f"ASK {{ GRAPH ?g1 {{ <{K}data1.rdf> a ?type }} GRAPH ?g2 {{ <{K}data2.rdf> a ?type }} }}"
    response = q.post(
        f"/sparql?named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf",
        content=query.encode(),
        headers=QUERY,
    )
    assert boolean(response) is True


def test_query_dataset_named_graphs_get(q: httpx.Client) -> None:
    query = f"ASK {{ GRAPH ?g1 {{ <{K}data1.rdf> a ?type }} GRAPH ?g2 {{ <{K}data2.rdf> a ?type }} }}"
    response = q.get(
        "/sparql",
        params=[("query", query), ("named-graph-uri", f"{K}data1.rdf"), ("named-graph-uri", f"{K}data2.rdf")],
    )
    assert boolean(response) is True


def test_query_dataset_full(q: httpx.Client) -> None:
    query = (
        f"ASK {{\n  <{K}data3.rdf> a ?type\n  GRAPH ?g1 {{ <{K}data1.rdf> a ?type }}\n"
        f"  GRAPH ?g2 {{ <{K}data2.rdf> a ?type }}\n}}"
    )
    response = q.post(
        f"/sparql?default-graph-uri={K}data3.rdf&named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf",
        content=query.encode(),
        headers=QUERY,
    )
    assert boolean(response) is True


def test_query_multiple_dataset(q: httpx.Client) -> None:
    # The manifest's URL encodes the '&' of the second named-graph-uri (%26): one odd IRI, as written.
    query = (
        f"ASK FROM <{K}data3.rdf> {{ GRAPH ?g1 {{ <{K}data1.rdf> a ?type }} "
        f"GRAPH ?g2 {{ <{K}data2.rdf> a ?type }} }}"
    )
    response = q.post(
        "/sparql?named-graph-uri=http%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata1.rdf"
        "%26named-graph-uri%3Dhttp%3A%2F%2Fkasei.us%2F2009%2F09%2Fsparql%2Fdata%2Fdata2.rdf",
        content=query.encode(),
        headers=QUERY,
    )
    assert 200 <= response.status_code < 500
    # With both named graphs given properly, the protocol's dataset wins over FROM: true.
    response = q.post(
        f"/sparql?named-graph-uri={K}data1.rdf&named-graph-uri={K}data2.rdf",
        content=query.encode(),
        headers=QUERY,
    )
    assert boolean(response) is True


def test_query_get(q: httpx.Client) -> None:
    response = q.get("/sparql", params={"query": "ASK {}", "default-graph-uri": f"{K}data0.rdf"})
    assert boolean(response) is True


def test_query_content_type_select(q: httpx.Client) -> None:
    response = q.post(
        f"/sparql?default-graph-uri={K}data0.rdf", content=b"SELECT (1 AS ?value) {}", headers=QUERY
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in (
        "application/sparql-results+xml",
        "application/sparql-results+json",
        "text/tab-separated-values",
        "text/csv",
    )
    rows = list(ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON))  # type: ignore[arg-type]
    assert rows[0]["value"] == ox.Literal(
        "1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    )


def test_query_content_type_ask(q: httpx.Client) -> None:
    response = q.post(f"/sparql?default-graph-uri={K}data0.rdf", content=b"ASK {}", headers=QUERY)
    assert boolean(response) is True


RDF_TYPES = (
    "application/rdf+xml",
    "application/rdf+json",
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/n-quads",
    "application/trig",
)


def test_query_content_type_describe(q: httpx.Client) -> None:
    response = q.post(
        f"/sparql?default-graph-uri={K}data0.rdf", content=b"DESCRIBE <http://example.org/>", headers=QUERY
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in RDF_TYPES
    assert list(ox.parse(response.content, format=ox.RdfFormat.TURTLE)) == []


def test_query_content_type_construct(q: httpx.Client) -> None:
    response = q.post(
        f"/sparql?default-graph-uri={K}data0.rdf", content=b"CONSTRUCT { <s> <p> 1 } WHERE {}", headers=QUERY
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] in RDF_TYPES
    triples = list(ox.parse(response.content, format=ox.RdfFormat.TURTLE))
    assert len(triples) == 1 and triples[0].subject.value.endswith("/s")  # relative IRIs resolved


def test_query_post_direct(q: httpx.Client) -> None:
    assert boolean(q.post("/sparql", content=b"ASK {}", headers=QUERY)) is True


def test_bad_query_method(q: httpx.Client) -> None:
    response = q.put(
        f"/sparql?query=ASK%20%7B%7D&default-graph-uri={K}data0.rdf",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert 400 <= response.status_code < 500


def test_bad_multiple_queries(q: httpx.Client) -> None:
    response = q.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400


def test_bad_query_wrong_media_type(q: httpx.Client) -> None:
    response = q.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_bad_query_missing_form_type(q: httpx.Client) -> None:
    assert q.post("/sparql", content=b"query=ASK%20%7B%7D").status_code == 415


def test_bad_query_missing_direct_type(q: httpx.Client) -> None:
    assert q.post("/sparql", content=b"ASK {}").status_code == 415


def test_bad_query_non_utf8(q: httpx.Client) -> None:
    response = q.post(
        "/sparql",
        content="ASK {}".encode("utf-16"),
        headers={"Content-Type": "application/sparql-query; charset=UTF-16"},
    )
    assert 400 <= response.status_code < 500


def test_bad_query_syntax(q: httpx.Client) -> None:
    assert q.get("/sparql?query=ASK%20%7B").status_code == 400


def test_bad_update_get(q: httpx.Client) -> None:
    assert 400 <= q.get("/sparql?update=CLEAR%20ALL").status_code < 500
    assert 400 <= q.get("/sparql/update?update=CLEAR%20ALL", headers=AUTH).status_code < 500


def test_bad_multiple_updates(q: httpx.Client) -> None:
    response = q.post(
        "/sparql/update",
        content=b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH},
    )
    assert response.status_code == 400


def test_bad_update_wrong_media_type(q: httpx.Client) -> None:
    response = q.post(
        "/sparql/update", content=b"CLEAR NAMED", headers={"Content-Type": "text/plain", **AUTH}
    )
    assert response.status_code == 415


def test_bad_update_missing_form_type(q: httpx.Client) -> None:
    assert q.post("/sparql/update", content=b"update=CLEAR%20NAMED", headers=AUTH).status_code == 415


def test_bad_update_non_utf8(q: httpx.Client) -> None:
    response = q.post(
        "/sparql/update",
        content="CLEAR NAMED".encode("utf-16"),
        headers={"Content-Type": "application/sparql-update; charset=UTF-16", **AUTH},
    )
    assert 400 <= response.status_code < 500


def test_bad_update_syntax(q: httpx.Client) -> None:
    response = q.post("/sparql/update", content=b"CLEAR XYZ", headers=UPDATE)
    assert response.status_code == 400
    assert response.json()["error"] == "QuerySyntaxError"


def test_bad_update_dataset_conflict(q: httpx.Client) -> None:
    update = (
        f"PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"
        f"CLEAR ALL ;\nINSERT {{ GRAPH <http://example.org/protocol-update-dataset-test/> "
        f"{{ ?s a dc:BibliographicResource }} }}\nUSING <{K}data1.rdf>\nWHERE {{ ?s a foaf:Document }}"
    )
    before = q.get("/health").json()["quads"]
    response = q.post(f"/sparql/update?using-graph-uri={K}data1.rdf", content=update.encode(), headers=UPDATE)
    assert response.status_code == 400
    assert q.get("/health").json()["quads"] == before  # CLEAR ALL did not run either: all or nothing


@pytest.mark.parametrize(("clause", "parameter"), [
    (f"USING NAMED <{K}data1.rdf>", "using-named-graph-uri"),
    (f"USING <{K}data1.rdf>", "using-named-graph-uri"),
    (f"USING NAMED <{K}data1.rdf>", "using-graph-uri"),
])
def test_bad_update_dataset_conflict_using_named(q: httpx.Client, clause: str, parameter: str) -> None:
    """bad_update_dataset_conflict with USING NAMED, and the parameters sent in a form body."""
    update = (f"PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nCLEAR ALL ;\nINSERT {{ GRAPH <http://example.org/c> "
              f"{{ ?s a foaf:Agent }} }}\n{clause}\nWHERE {{ GRAPH ?g {{ ?s a foaf:Document }} }}")
    before = q.get("/health").json()["quads"]
    response = q.post("/sparql/update", data={"update": update, parameter: f"{K}data1.rdf"}, headers=AUTH)
    assert response.status_code == 400, response.text
    assert "dataset is given twice" in response.json()["message"]
    assert q.get("/health").json()["quads"] == before


def test_bad_update_dataset_conflict_with(q: httpx.Client) -> None:
    """WITH in the text and using-graph-uri in the request (protocol §2.2.3): refused, nothing written."""
    update = (f"PREFIX foaf: <http://xmlns.com/foaf/0.1/>\nCLEAR ALL ;\nWITH <{K}data1.rdf>\n"
              "INSERT { ?s a foaf:Agent } WHERE { ?s a foaf:Document }")
    before = q.get("/health").json()["quads"]
    response = q.post(f"/sparql/update?using-graph-uri={K}data2.rdf", content=update.encode(), headers=UPDATE)
    assert response.status_code == 400, response.text
    assert "USING/USING NAMED/WITH" in response.json()["message"]
    assert q.get("/health").json()["quads"] == before


# ----------------------------------------------------------------------------- updates


INSERT_THREE = (
    f"DROP ALL ;\nINSERT DATA {{\n    GRAPH <{K}data1.rdf> {{ <{K}data1.rdf> a foaf:Document }}\n"
    f"    GRAPH <{K}data2.rdf> {{ <{K}data2.rdf> a foaf:Document }}\n"
    f"    GRAPH <{K}data3.rdf> {{ <{K}data3.rdf> a foaf:Document }}\n}} ;\n"
)
PROLOGUE = "PREFIX dc: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\n"


def ask(client: httpx.Client, query: str) -> bool:
    return boolean(client.post("/sparql", content=query.encode(), headers=QUERY))


def test_update_dataset_default_graph(u: httpx.Client) -> None:
    update = (
        PROLOGUE + f"CLEAR ALL ;\nINSERT DATA {{\n    GRAPH <{K}data1.rdf> {{\n"
        f"        <{K}data1.rdf> a foaf:Document\n    }}\n}} ;\nINSERT {{\n"
        "    GRAPH <http://example.org/protocol-update-dataset-test/> {\n"
        "        ?s a dc:BibliographicResource\n    }\n}\nWHERE {\n    ?s a foaf:Document\n}"
    )
    response = u.post(f"/sparql/update?using-graph-uri={K}data1.rdf", content=update.encode(), headers=UPDATE)
    assert 200 <= response.status_code < 400, response.text
    assert ask(
        u,
        "ASK {\n    GRAPH <http://example.org/protocol-update-dataset-test/> {\n"
        f"        <{K}data1.rdf> a <http://purl.org/dc/terms/BibliographicResource>\n    }}\n}}",
    )


def test_update_dataset_default_graphs(u: httpx.Client) -> None:
    update = (
        PROLOGUE
        + INSERT_THREE
        + "INSERT {\n    GRAPH <http://example.org/protocol-update-dataset-graphs-test/> "
        "{\n        ?s a dc:BibliographicResource\n    }\n}\nWHERE {\n    ?s a foaf:Document\n}"
    )
    response = u.post(
        f"/sparql/update?using-graph-uri={K}data1.rdf&using-graph-uri={K}data2.rdf",
        content=update.encode(),
        headers=UPDATE,
    )
    assert 200 <= response.status_code < 400, response.text
    g = "http://example.org/protocol-update-dataset-graphs-test/"
    bib = "<http://purl.org/dc/terms/BibliographicResource>"
    assert ask(
        u,
        f"ASK {{ GRAPH <{g}> {{ <{K}data1.rdf> a {bib} . <{K}data2.rdf> a {bib} . }}\n"
        f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ <{K}data3.rdf> a {bib} . }} }} }}",
    )


def test_update_dataset_named_graphs(u: httpx.Client) -> None:
    update = (
        PROLOGUE
        + INSERT_THREE
        + "INSERT {\n    GRAPH <http://example.org/protocol-update-dataset-named-graphs-test/>"
        " {\n        ?s a dc:BibliographicResource\n    }\n}\nWHERE {\n    GRAPH ?g {\n"
        "        ?s a foaf:Document\n    }\n}"
    )
    response = u.post(
        f"/sparql/update?using-named-graph-uri={K}data1.rdf&using-named-graph-uri={K}data2.rdf",
        content=update.encode(),
        headers=UPDATE,
    )
    assert 200 <= response.status_code < 400, response.text
    g = "http://example.org/protocol-update-dataset-named-graphs-test/"
    bib = "<http://purl.org/dc/terms/BibliographicResource>"
    assert ask(
        u,
        f"ASK {{ GRAPH <{g}> {{ <{K}data1.rdf> a {bib} . <{K}data2.rdf> a {bib} . }}\n"
        f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ <{K}data3.rdf> a {bib} . }} }} }}",
    )


def test_update_dataset_full(u: httpx.Client) -> None:
    update = (
        PROLOGUE
        + INSERT_THREE
        + "INSERT {\n    GRAPH <http://example.org/protocol-update-dataset-full-test/> "
        "{\n        ?s <http://example.org/in> ?in\n    }\n}\nWHERE {\n    {\n"
        "        GRAPH ?g { ?s a foaf:Document }\n        BIND(?g AS ?in)\n    }\n    UNION\n    {\n"
        '        ?s a foaf:Document .\n        BIND("default" AS ?in)\n    }\n}'
    )
    response = u.post(
        f"/sparql/update?using-graph-uri={K}data1.rdf&using-named-graph-uri={K}data2.rdf",
        content=update.encode(),
        headers=UPDATE,
    )
    assert 200 <= response.status_code < 400, response.text
    g = "http://example.org/protocol-update-dataset-full-test/"
    assert ask(
        u,
        f'ASK {{ GRAPH <{g}> {{ <{K}data1.rdf> <http://example.org/in> "default" .\n'
        f"<{K}data2.rdf> <http://example.org/in> <{K}data2.rdf> . }}\n"
        f"FILTER NOT EXISTS {{ GRAPH <{g}> {{ <{K}data3.rdf> ?p ?o }} }} }}",
    )


def test_update_post_form(u: httpx.Client) -> None:
    response = u.post(
        "/sparql/update",
        content=b"update=CLEAR%20ALL",
        headers={"Content-Type": "application/x-www-form-urlencoded", **AUTH},
    )
    assert 200 <= response.status_code < 400, response.text
    built = ", ".join(f"<{g}>" for g in BUILT_GRAPHS)
    assert not ask(u, f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({built})) }}")  # data graphs empty
    default = u.get("/rdf-graph-store?default", headers={"Accept": "application/n-triples"})
    assert default.status_code == 200 and default.content.strip() == b""
    assert ask(u, f"ASK {{ GRAPH <{iris.GRAPH_ONTOLOGY}> {{ ?s ?p ?o }} }}")  # the built graphs stay


def test_update_post_direct(u: httpx.Client) -> None:
    response = u.post("/sparql/update", content=b"CLEAR ALL", headers=UPDATE)
    assert 200 <= response.status_code < 400, response.text


def test_update_post_direct_to_the_query_endpoint(u: httpx.Client) -> None:
    response = u.post("/sparql", content=b"CLEAR ALL", headers=UPDATE)
    assert 200 <= response.status_code < 400, response.text
    assert (
        u.post(
            "/sparql", content=b"CLEAR ALL", headers={"Content-Type": "application/sparql-update"}
        ).status_code
        == 401
    )


def test_update_base_uri(u: httpx.Client) -> None:
    update = (
        "CLEAR GRAPH <http://example.org/protocol-base-test/> ;\nINSERT DATA { GRAPH "
        "<http://example.org/protocol-base-test/> { <http://example.org/s> <http://example.org/p> <test> } }"
    )
    response = u.post("/sparql/update", content=update.encode(), headers=UPDATE)
    assert 200 <= response.status_code < 400, response.text
    query = (
        "SELECT ?o WHERE {\n    GRAPH <http://example.org/protocol-base-test/> {\n"
        "        <http://example.org/s> <http://example.org/p> ?o\n    }\n}"
    )
    rows = list(
        ox.parse_query_results(
            u.post("/sparql", content=query.encode(), headers=QUERY).content,
            format=ox.QueryResultsFormat.JSON,
        )
    )  # type: ignore[arg-type]
    assert len(rows) == 1
    assert isinstance(rows[0]["o"], ox.NamedNode) and rows[0]["o"].value != "test"
    assert rows[0]["o"].value == "https://w3id.org/tregua/test"  # the service's base IRI
