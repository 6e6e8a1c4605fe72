"""`/sparql/update` against a real server: the token, the SHACL gate, atomic commits, the inferred graph.

The rejected-write test compares N-Quads dumps of the store on disk, byte for byte, before and
after: a 422 must leave nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox
import pytest

from kg import iris
from tests.conftest import UPDATE_TOKEN, Server

TG = iris.TG
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NEWCOMER = iris.entity_iri("person", "test-newcomer")
SOURCE = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
UPDATE = {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {UPDATE_TOKEN}"}
VALID = f"""PREFIX tg: <{TG}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
INSERT DATA {{
  GRAPH <{SOURCE}> {{ <{NEWCOMER}> a tg:Person ; rdfs:label "Test Newcomer"@en, "Recién Llegado"@es ;
                      tg:linkStatus tg:notLinked . }}
}}"""
INVALID = f"""PREFIX tg: <{TG}>
INSERT DATA {{ GRAPH <{SOURCE}> {{ <{iris.entity_iri("person", "test-nameless")}> a tg:Person }} }}"""


@pytest.fixture(scope="module")
def writable(make_server: Callable[..., Server]) -> Server:
    return make_server()


@pytest.fixture(scope="module")
def client(writable: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=writable.url, timeout=120) as c:
        yield c


def dump(store_path: object) -> bytes:
    store = ox.Store.read_only(str(store_path))
    try:
        return store.dump(format=ox.RdfFormat.N_QUADS) or b""
    finally:
        del store


def ask(client: httpx.Client, query: str) -> bool:
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200, response.text
    return bool(response.json()["boolean"])


def test_updates_need_a_bearer_token(client: httpx.Client) -> None:
    missing = client.post(
        "/sparql/update", content=VALID.encode(), headers={"Content-Type": "application/sparql-update"}
    )
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in missing.json()["hint"]
    wrong = client.post(
        "/sparql/update", content=VALID.encode(), headers={**UPDATE, "Authorization": "Bearer not-the-token"}
    )
    assert wrong.status_code == 403
    assert wrong.json()["message"] == "the bearer token is wrong"


def test_invalid_update_is_422_with_the_report_and_changes_nothing(
    client: httpx.Client, writable: Server
) -> None:
    before, version = dump(writable.store), client.get("/health").json()["version"]
    response = client.post("/sparql/update", content=INVALID.encode(), headers=UPDATE)
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationFailed" and body["conforms"] is False
    label = [v for v in body["violations"] if v.get("path") == RDFS_LABEL]
    assert label and label[0]["focus_node"] == iris.entity_iri("person", "test-nameless")
    assert label[0]["constraint"] == "sh:MinCountConstraintComponent" and label[0]["message"]
    assert dump(writable.store) == before  # byte for byte
    assert client.get("/health").json()["version"] == version
    assert not ask(client, f"ASK {{ <{iris.entity_iri('person', 'test-nameless')}> ?p ?o }}")


def test_the_report_comes_as_turtle_when_asked(client: httpx.Client) -> None:
    response = client.post(
        "/sparql/update", content=INVALID.encode(), headers={**UPDATE, "Accept": "text/turtle"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/turtle")
    report = ox.Store()
    report.load(response.content, format=ox.RdfFormat.TURTLE)
    assert report.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> ASK { ?r a sh:ValidationReport ; "
        f"sh:conforms false ; sh:result [ sh:focusNode <{iris.entity_iri('person', 'test-nameless')}> ] }}"
    )


def test_valid_update_is_committed_with_its_entailments(client: httpx.Client) -> None:
    version = client.get("/health").json()["version"]
    response = client.post("/sparql/update", content=VALID.encode(), headers=UPDATE)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["status"] == "committed" and report["added"] == 4 and report["removed"] == 0
    assert report["focus_nodes"] == 1 and report["validated_quads"] < 50  # the change, not the store
    assert report["inferred_added"] >= 1
    assert client.get("/health").json()["version"] == report["version"] != version
    assert ask(client, f'ASK {{ <{NEWCOMER}> <{RDFS_LABEL}> "Recién Llegado"@es }}')
    assert ask(client, f"ASK {{ GRAPH <{iris.GRAPH_INFERRED}> {{ <{NEWCOMER}> a <{TG}Actor> }} }}")


def test_deleting_the_assertion_removes_its_entailments(client: httpx.Client) -> None:
    client.post("/sparql/update", content=VALID.encode(), headers=UPDATE)
    delete = f"DELETE WHERE {{ GRAPH <{SOURCE}> {{ <{NEWCOMER}> ?p ?o }} }}"
    response = client.post(
        "/sparql/update", data={"update": delete}, headers={"Authorization": f"Bearer {UPDATE_TOKEN}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["removed"] == 4
    assert response.json()["inferred_removed"] >= 1
    assert not ask(client, f"ASK {{ <{NEWCOMER}> ?p ?o }}")


def test_a_failing_operation_undoes_the_whole_update(client: httpx.Client, writable: Server) -> None:
    before = dump(writable.store)
    update = VALID + " ;\nDROP GRAPH <http://example.org/no-such-graph>"
    response = client.post("/sparql/update", content=update.encode(), headers=UPDATE)
    assert response.status_code == 404
    assert "no-such-graph" in response.json()["message"]
    assert dump(writable.store) == before


def test_load_is_refused_clearly(client: httpx.Client) -> None:
    response = client.post("/sparql/update", content=b"LOAD <http://example.org/data.ttl>", headers=UPDATE)
    assert response.status_code == 400
    assert "LOAD is not available" in response.json()["message"]


def test_update_syntax_error_has_the_position(client: httpx.Client) -> None:
    response = client.post(
        "/sparql/update", content=b"INSERT DATA {\n <http://a> <http://b> }", headers=UPDATE
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "QuerySyntaxError" and body["line"] == 2


def test_modify_with_where_and_with(client: httpx.Client) -> None:
    graph = "http://example.org/test-modify"
    setup = f"INSERT DATA {{ GRAPH <{graph}> {{ <http://example.org/a> <http://example.org/n> 1, 2 }} }}"
    assert client.post("/sparql/update", content=setup.encode(), headers=UPDATE).status_code == 200
    modify = (
        f"WITH <{graph}> DELETE {{ ?s <http://example.org/n> ?n }} INSERT {{ ?s <http://example.org/n> ?m }}"
        " WHERE { ?s <http://example.org/n> ?n BIND(?n * 10 AS ?m) }"
    )
    response = client.post("/sparql/update", content=modify.encode(), headers=UPDATE)
    assert response.status_code == 200, response.text
    rows = client.get(
        "/sparql",
        params={
            "query": f"SELECT ?n WHERE {{ GRAPH <{graph}> {{ ?s ?p ?n }} }} ORDER BY ?n",
            "format": "csv",
        },
    ).text
    assert rows.split() == ["n", "10", "20"]


def test_writes_are_off_without_a_configured_token(make_server: Callable[..., Server]) -> None:
    server = make_server({"KG_UPDATE_TOKEN": ""})
    with httpx.Client(base_url=server.url, timeout=120) as client:
        response = client.post("/sparql/update", content=VALID.encode(), headers=UPDATE)
        assert response.status_code == 403
        assert "switched off" in response.json()["message"] and "KG_UPDATE_TOKEN" in response.json()["hint"]
        put = client.put(
            "/rdf-graph-store",
            params={"graph": "http://example.org/g"},
            content=b"",
            headers={**UPDATE, "Content-Type": "text/turtle"},
        )
        assert put.status_code == 403
        description = client.get("/sparql", headers={"Accept": "application/n-triples"}).text
        assert "SPARQL11Query" in description and "SPARQL11Update" not in description


@pytest.mark.parametrize(
    "node", [iris.entity_iri("organization", "ms13"), iris.entity_iri("person", "raul-mijango")]
)
def test_an_alias_on_a_well_connected_node_is_accepted(client: httpx.Client, node: str) -> None:
    """Regression: the gate used to validate the participations pointing at the node without the
    events pointing at them, and refused the write ("A participation must belong to exactly one
    tg:Event")."""
    update = (f'PREFIX tg: <{TG}> INSERT DATA {{ GRAPH <{SOURCE}> {{ <{node}> tg:alias "Alias de prueba"@es }} }}')
    response = client.post("/sparql/update", content=update.encode(), headers=UPDATE)
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1 and response.json()["focus_nodes"] >= 2
    assert ask(client, f'ASK {{ <{node}> <{TG}alias> "Alias de prueba"@es }}')
