"""The endpoint, canned-query, linked-data, search and gate behaviour, on every backend: the embedded
store, a real `oxigraph serve` and a real Virtuoso, each loaded with the same build.

Engine differences named in docs/deployment.md are asserted where they show (Virtuoso's union
default graph also holds its own system graphs, so whole-store counts are asked of our graphs).
"""

from __future__ import annotations

import csv
import io
import json
import uuid

import pyoxigraph as ox
import pytest

from tests.conftest import UPDATE_TOKEN, Server
from tests.remote.conftest import backend_name

#: One worker runs every test of tests/remote (with `--dist loadgroup`, as `make test` does), so each
#: store is started once per run, not once per worker.
pytestmark = pytest.mark.xdist_group("remote-stores")

TG = "https://w3id.org/tregua/ontology#"
ORTIZ = "https://w3id.org/tregua/id/person/oscar-ortiz"
SOURCE = "https://w3id.org/tregua/graph/source/insightcrime-2017-01-ms13-dialogue"
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _query(server: Server, query: str, accept: str, **params: str) -> tuple[int, str, bytes]:
    with server.client() as c:
        r = c.post("/sparql", data={"query": query, **params}, headers={"Accept": accept})
        return r.status_code, r.headers.get("content-type", ""), r.content


def _update(server: Server, text: str) -> tuple[int, dict[str, object]]:
    with server.client() as c:
        r = c.post("/sparql/update", content=text,
                   headers={**AUTH, "Content-Type": "application/sparql-update"})
        return r.status_code, r.json()


def test_select_in_each_results_format(backend: Server) -> None:
    query = f"SELECT ?label WHERE {{ GRAPH <{SOURCE}> {{ <{ORTIZ}> <{RDFS_LABEL}> ?label }} }}"
    status, ctype, body = _query(backend, query, "application/sparql-results+json")
    assert status == 200 and ctype.startswith("application/sparql-results+json")
    labels = {b["label"]["value"] for b in json.loads(body)["results"]["bindings"]}
    assert "Oscar Ortiz" in labels
    status, ctype, body = _query(backend, query, "text/csv")
    assert status == 200 and ctype.startswith("text/csv")
    assert "Oscar Ortiz" in {row["label"] for row in csv.DictReader(io.StringIO(body.decode()))}
    status, ctype, body = _query(backend, query, "application/sparql-results+xml")
    assert status == 200 and b"Oscar Ortiz" in body


def test_ask_is_a_boolean_on_every_engine(backend: Server) -> None:
    """Virtuoso answers ASK as a row of its own: Tregua sends a SPARQL boolean whatever the engine."""
    for query, expected in ((f"ASK {{ <{ORTIZ}> ?p ?o }}", True), ("ASK { <urn:nothing> ?p ?o }", False)):
        status, _, body = _query(backend, query, "application/sparql-results+json")
        assert status == 200 and json.loads(body)["boolean"] is expected


def test_construct_in_turtle_and_json_ld(backend: Server) -> None:
    query = f"CONSTRUCT {{ <{ORTIZ}> ?p ?o }} WHERE {{ GRAPH <{SOURCE}> {{ <{ORTIZ}> ?p ?o }} }}"
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/ld+json", ox.RdfFormat.JSON_LD)):
        status, ctype, body = _query(backend, query, accept)
        assert status == 200 and ctype.startswith(accept)
        triples = list(ox.parse(body, format=fmt))
        assert ox.Literal("Oscar Ortiz", language="en") in {t.object for t in triples}


def test_bad_query_and_service_are_refused_before_forwarding(backend: Server) -> None:
    status, _, body = _query(backend, "SELECT * WHERE { ?s ?p ", "application/sparql-results+json")
    assert status == 400 and json.loads(body)["error"] == "QuerySyntaxError"
    status, _, body = _query(backend, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
                             "application/sparql-results+json")
    assert status == 400 and json.loads(body)["error"] == "ServiceRefused"


def test_canned_query_with_a_hostile_value_stays_a_value(backend: Server) -> None:
    with backend.client() as c:
        r = c.get("/queries/entity-lookup", params={"name": "ortiz"}, headers={"Accept": "application/json"})
        assert r.status_code == 200
        assert [row["entity"] for row in r.json()] == [ORTIZ]
        r = c.get("/queries/entity-lookup", params={"name": 'x" } } ; DROP ALL #'},
                  headers={"Accept": "application/json"})
        assert r.status_code == 200 and r.json() == []
        assert c.get("/queries/entity-lookup", params={"name": "ortiz"},
                     headers={"Accept": "application/json"}).json() != []


def test_entity_page_html_and_json_ld(backend: Server) -> None:
    with backend.client() as c:
        page = c.get("/id/person/oscar-ortiz", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Oscar Ortiz" in page.text
        data = c.get("/id/person/oscar-ortiz", headers={"Accept": "application/ld+json"})
        assert data.status_code == 200
        triples = list(ox.parse(data.content, format=ox.RdfFormat.JSON_LD))
        assert any(t.subject == ox.NamedNode(ORTIZ) and t.object == ox.Literal("Oscar Ortiz", language="en")
                   for t in triples)
        assert c.get("/id/person/oscar-ortis", headers={"Accept": "text/html"}).status_code == 404


def test_search_and_reconciliation(backend: Server) -> None:
    with backend.client() as c:
        found = c.get("/search", params={"q": "ortiz"}).json()
        assert found["results"][0]["iri"] == ORTIZ
        answer = c.get("/reconcile", params={"queries": json.dumps({"q0": {"query": "Oscar Ortiz"}})}).json()
        assert answer["q0"]["result"][0]["id"] == "person/oscar-ortiz"


def test_dump_holds_the_built_graphs(backend: Server, built_store: object) -> None:
    built = ox.Store.read_only(str(built_store))
    expected = {q for q in built if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}
    with backend.client() as c:
        r = c.get("/dumps/tregua.nq")
    assert r.status_code == 200
    quads = list(ox.parse(r.content, format=ox.RdfFormat.N_QUADS))
    named = {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}
    # every built quad is there (writes of other tests may have added some)
    assert expected <= named
    assert not any(q.graph_name == ox.NamedNode("https://w3id.org/tregua/graph/meta") for q in quads)


def test_gate_commits_a_valid_write_and_refuses_an_invalid_one(backend: Server) -> None:
    graph = f"https://w3id.org/tregua/graph/source/notes-{uuid.uuid4().hex[:8]}"
    with backend.client() as c:
        before = c.get("/queries/entity-lookup", params={"name": "ortiz"}, headers={"Accept": "application/json"})
        version = c.get("/health").json()["version"]
    note = f'"note {uuid.uuid4().hex[:6]}"@en'
    status, report = _update(backend, f"INSERT DATA {{ GRAPH <{graph}> {{ <{ORTIZ}> <http://www.w3.org/2000/01/"
                                      f"rdf-schema#comment> {note} }} }}")
    assert status == 200, report
    status, _, body = _query(backend, f"ASK {{ GRAPH <{graph}> {{ <{ORTIZ}> ?p {note} }} }}",
                             "application/sparql-results+json")
    assert json.loads(body)["boolean"] is True
    with backend.client() as c:
        assert c.get("/health").json()["version"] != version
        after = c.get("/queries/entity-lookup", params={"name": "ortiz"}, headers={"Accept": "application/json"})
        # the canned answer's ETag follows the store's version: a write makes it new
        assert after.headers["etag"] != before.headers["etag"]
    nobody = f"https://w3id.org/tregua/id/person/nobody-{uuid.uuid4().hex[:6]}"
    status, report = _update(backend, f"INSERT DATA {{ GRAPH <{graph}> {{ <{nobody}> a <{TG}Person> }} }}")
    assert status == 422 and report["error"] == "ValidationFailed"
    status, _, body = _query(backend, f"ASK {{ <{nobody}> ?p ?o }}", "application/sparql-results+json")
    assert json.loads(body)["boolean"] is False


def test_writes_to_the_meta_graph_are_refused(backend: Server) -> None:
    status, report = _update(backend, "INSERT DATA { GRAPH <https://w3id.org/tregua/graph/meta> "
                                      "{ <https://w3id.org/tregua/store> <urn:p> 'x' } }")
    assert status == 403, report


@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"], indirect=True)
def test_a_slow_query_is_cut_at_the_deadline(backend: Server) -> None:
    """The client-side deadline holds whatever the engine does (timeout= asks for 1 s)."""
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with backend.client() as c:
        r = c.post("/sparql", data={"query": query, "timeout": "1"},
                   headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 503 and r.json()["error"] == "QueryTimeout", (backend_name(backend), r.text)


def test_graph_store_put_get_delete(backend: Server) -> None:
    """The Graph Store Protocol through the gate: a graph put, read, replaced, then deleted (404 after,
    on every engine: a remote graph exists while it holds a triple)."""
    graph = f"https://w3id.org/tregua/graph/source/gsp-{uuid.uuid4().hex[:8]}"
    body = f'<{ORTIZ}> <http://www.w3.org/2000/01/rdf-schema#comment> "gsp {{}}"@en .'
    with backend.client() as c:
        put = c.put("/rdf-graph-store", params={"graph": graph}, content=body.replace("{}", "one"),
                    headers={**AUTH, "Content-Type": "text/turtle"})
        assert put.status_code == 201, put.text
        again = c.put("/rdf-graph-store", params={"graph": graph}, content=body.replace("{}", "two"),
                      headers={**AUTH, "Content-Type": "text/turtle"})
        assert again.status_code == 204, again.text
        got = c.get("/rdf-graph-store", params={"graph": graph}, headers={"Accept": "application/n-triples"})
        assert [t.object for t in ox.parse(got.content, format=ox.RdfFormat.N_TRIPLES)] == [
            ox.Literal("gsp two", language="en")]
        assert c.delete("/rdf-graph-store", params={"graph": graph}, headers=AUTH).status_code == 204
        assert c.get("/rdf-graph-store", params={"graph": graph}).status_code == 404
