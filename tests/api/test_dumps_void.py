"""Whole-store dumps and the VoID description, against a real server over the built store.

The counts in the VoID are checked against the store itself (pyoxigraph, read-only), every
void:dataDump URL is fetched and parsed, and the dumps revalidate with their ETag.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import pytest

from tests.conftest import Server

VOID = "http://rdfs.org/ns/void#"
SD = "http://www.w3.org/ns/sparql-service-description#"


@pytest.fixture(scope="module")
def store(server: Server) -> ox.Store:
    return ox.Store.read_only(str(server.store))


@pytest.fixture(scope="module")
def void_doc(server: Server) -> ox.Store:
    with server.client() as client:
        response = client.get("/.well-known/void")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    parsed = ox.Store()
    parsed.load(response.content, format=ox.RdfFormat.TURTLE)
    return parsed


def one(doc: ox.Store, query: str) -> list[dict[str, Any]]:
    rows = doc.query("PREFIX void: <http://rdfs.org/ns/void#> PREFIX sd: <" + SD + "> "
                     "PREFIX dct: <http://purl.org/dc/terms/> " + query)
    return [{v.value: row[v] for v in rows.variables} for row in rows]  # type: ignore[union-attr]


def test_void_names_the_endpoint_and_counts_every_graph(void_doc: ox.Store, store: ox.Store,
                                                        server: Server) -> None:
    [dataset] = one(void_doc, "SELECT ?d ?e ?n WHERE { ?d a void:Dataset ; void:sparqlEndpoint ?e ; "
                              "void:triples ?n ; void:dataDump ?x }  GROUP BY ?d ?e ?n")
    assert dataset["e"].value == server.url + "/sparql"
    assert int(dataset["n"].value) == len(store)
    subsets = {row["g"].value: int(row["n"].value) for row in one(
        void_doc, "SELECT ?g ?n WHERE { ?d void:dataDump ?x ; void:subset ?s . ?s sd:name ?g ; void:triples ?n }")}
    graphs = {g.value for g in store.named_graphs()}  # type: ignore[union-attr]
    assert set(subsets) == graphs
    for graph, n in subsets.items():
        assert n == sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))), graph
    assert sum(subsets.values()) == int(dataset["n"].value)


def test_void_lists_the_vocabularies_in_use_and_the_license(void_doc: ox.Store) -> None:
    vocabularies = {row["v"].value for row in one(void_doc, "SELECT ?v WHERE { ?d void:vocabulary ?v }")}
    assert {"https://w3id.org/tregua/ontology#", "http://www.w3.org/2000/01/rdf-schema#",
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#"} <= vocabularies
    [row] = one(void_doc, "SELECT ?l WHERE { ?d void:dataDump ?x ; dct:license ?l } GROUP BY ?l")
    assert row["l"].value == "https://opensource.org/licenses/MIT"


def test_every_data_dump_parses_and_holds_the_whole_store(void_doc: ox.Store, store: ox.Store,
                                                         server: Server) -> None:
    urls = sorted(row["x"].value for row in one(void_doc, "SELECT ?x WHERE { ?d void:dataDump ?x }"))
    assert urls == [server.url + "/dumps/tregua.nq", server.url + "/dumps/tregua.trig"]
    expected = set(store)
    with server.client() as client:
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            fmt = ox.RdfFormat.from_media_type(response.headers["content-type"].split(";")[0])
            assert fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
            assert set(ox.parse(response.content, format=fmt)) == expected, url


def test_a_dump_is_streamed_and_revalidates_with_its_etag(server: Server) -> None:
    with server.client() as client:
        with client.stream("GET", "/dumps/tregua.nq") as response:
            assert response.headers.get("transfer-encoding") == "chunked"  # no Content-Length: streamed
            tag = response.headers["etag"]
            body = b"".join(response.iter_bytes())
        assert body.count(b"\n") > 1000
        again = client.get("/dumps/tregua.nq", headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.content == b""
        other = client.get("/dumps/tregua.trig", headers={"If-None-Match": tag})
        assert other.status_code == 200  # each format has its own tag
        head = client.head("/dumps/tregua.trig")
        assert head.status_code == 200 and head.headers["etag"] == other.headers["etag"]
        missing = client.get("/dumps/tregua.ttl")
        assert missing.status_code == 404 and "/dumps/tregua.nq" in missing.text


def test_a_write_changes_the_dump_etag(make_server: Any) -> None:
    from tests.conftest import UPDATE_TOKEN

    server = make_server()
    with server.client() as client:
        before = client.get("/dumps/tregua.nq").headers["etag"]
        void_before = client.get("/.well-known/void").text
        update = ("INSERT DATA { GRAPH <https://w3id.org/tregua/graph/test-void> { "
                  "<https://w3id.org/tregua/id/person/oscar-ortiz> <http://www.w3.org/2000/01/rdf-schema#comment> "
                  '"noted"@en } }')
        written = client.post("/sparql", data={"update": update},
                              headers={"Authorization": f"Bearer {UPDATE_TOKEN}"})
        assert written.status_code in (200, 204), written.text
        assert client.get("/dumps/tregua.nq", headers={"If-None-Match": before}).status_code == 200
        after = client.get("/.well-known/void").text
    assert "graph%2Ftest-void" in after and "graph%2Ftest-void" not in void_before


@pytest.mark.parametrize(("accept", "fmt"), [("application/ld+json", ox.RdfFormat.JSON_LD),
                                             ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                             ("application/rdf+xml", ox.RdfFormat.RDF_XML)])
def test_void_negotiates_the_other_rdf_formats(server: Server, void_doc: ox.Store, accept: str,
                                               fmt: ox.RdfFormat) -> None:
    with server.client() as client:
        response = client.get("/.well-known/void", headers={"Accept": accept})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(accept)
        assert len(list(ox.parse(response.content, format=fmt))) == len(void_doc)
        assert client.get("/.well-known/void?format=nt").headers["content-type"].startswith("application/n-")


def test_the_home_page_links_the_dumps_and_the_void(server: Server) -> None:
    with server.client() as client:
        home = client.get("/").text
    for href in ('href="/dumps/tregua.nq"', 'href="/dumps/tregua.trig"', 'href="/.well-known/void"'):
        assert href in home
    assert 'href="/rdf-graph-store?default"' not in home


@pytest.mark.parametrize("accept", ["text/html", "text/html,application/xhtml+xml;q=0.9",
                                    "application/pdf, */*;q=0.01"])
def test_void_answers_a_browser_with_turtle(server: Server, accept: str) -> None:
    with server.client() as client:
        response = client.get("/.well-known/void", headers={"Accept": accept})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/turtle")
        assert VOID in response.text
        refused = client.get("/.well-known/void", headers={"Accept": "application/pdf, image/png"})
        assert refused.status_code == 406
