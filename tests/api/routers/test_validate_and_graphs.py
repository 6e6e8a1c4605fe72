"""`POST /validate` (a SHACL report, nothing written) and graph IRIs dereferenced under this host."""

from __future__ import annotations

import httpx
import pyoxigraph as ox

from tests.conftest import Server

TG = "https://w3id.org/tregua/ontology#"
VALID = """
@prefix tg: <https://w3id.org/tregua/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/tregua/id/issue/curfews> a tg:Issue ;
    rdfs:label "curfews"@en , "toques de queda"@es .
"""
# A statement with no speaker, quote or source: the core shapes refuse it.
INVALID = """
@prefix tg: <https://w3id.org/tregua/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<https://w3id.org/tregua/id/statement/nobody-said> a tg:Statement ; rdfs:label "nobody said"@en .
"""


def test_a_conforming_document_gets_conforms_true(server: Server) -> None:
    r = httpx.post(server.url + "/validate", content=VALID, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200
    assert r.json()["conforms"] is True
    assert r.json()["violations"] == []


def test_a_broken_document_gets_the_violations_and_nothing_is_written(server: Server) -> None:
    count = 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'
    before = httpx.get(server.url + "/sparql", params={"query": count, "format": "json"}).json()
    r = httpx.post(server.url + "/validate", content=INVALID, headers={"Content-Type": "text/turtle"})
    assert r.status_code == 200
    body = r.json()
    assert body["conforms"] is False
    focus = {v["focus_node"] for v in body["violations"]}
    assert focus == {"https://w3id.org/tregua/id/statement/nobody-said"}
    assert any(v["path"].endswith("speaker") for v in body["violations"] if v.get("path"))
    after = httpx.get(server.url + "/sparql", params={"query": count, "format": "json"}).json()
    assert after == before


def test_the_report_as_turtle_parses_as_a_shacl_report(server: Server) -> None:
    r = httpx.post(server.url + "/validate", content=INVALID,
                   headers={"Content-Type": "text/turtle", "Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    triples = list(ox.parse(r.content, format=ox.RdfFormat.TURTLE))
    conforms = [t.object.value for t in triples if t.predicate.value == "http://www.w3.org/ns/shacl#conforms"]
    assert conforms == ["false"]


def test_bad_documents_get_clear_4xx(server: Server) -> None:
    broken = httpx.post(server.url + "/validate", content="<a> <b> .",
                        headers={"Content-Type": "text/turtle"})
    assert broken.status_code == 400 and "does not parse" in broken.json()["message"]
    wrong_type = httpx.post(server.url + "/validate", content="{}", headers={"Content-Type": "application/pdf"})
    assert wrong_type.status_code == 415 and "text/turtle" in wrong_type.json()["accepted"]
    empty = httpx.post(server.url + "/validate", content="", headers={"Content-Type": "text/turtle"})
    assert empty.status_code == 400 and "empty" in empty.json()["message"]


def test_graph_iris_dereference_under_this_host(server: Server) -> None:
    r = httpx.get(server.url + "/graph/wikidata", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/n-triples")
    triples = [ox.Triple(q.subject, q.predicate, q.object)
               for q in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)]
    assert ox.Triple(ox.NamedNode("https://w3id.org/tregua/id/place/el-salvador"),
                     ox.NamedNode("http://www.w3.org/2004/02/skos/core#exactMatch"),
                     ox.NamedNode("http://www.wikidata.org/entity/Q792")) in triples
    source = httpx.get(server.url + "/graph/source/insightcrime-2017-01-ms13-dialogue",
                       headers={"Accept": "text/turtle"})
    assert source.status_code == 200 and b"oscar-ortiz" in source.content
    missing = httpx.get(server.url + "/graph/source/no-such-source")
    assert missing.status_code == 404
    assert "https://w3id.org/tregua/graph/wikidata" in missing.json()["suggestions"]
