"""Built graphs are not writable, against a real server: every SPARQL Update form and every Graph
Store write that would touch the ontology, shapes, inferred or Wikidata-links graph is refused
with 403 naming the graph and what to edit instead; bulk CLEAR/DROP needs KG_ALLOW_CLEAR_ALL
and then spares the built graphs. A refusal leaves the store and its journal exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kg import iris
from kg.journal.log import default_path
from tests.conftest import UPDATE_TOKEN, Server

AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
UPDATE = {"Content-Type": "application/sparql-update", **AUTH}
TG = iris.TG
ONT, SHAPES, INF, WD = iris.GRAPH_ONTOLOGY, iris.GRAPH_SHAPES, iris.GRAPH_INFERRED, iris.GRAPH_WIKIDATA
SCRATCH = iris.source_graph("test-scratch")
PERSON = iris.entity_iri("person", "oscar-ortiz")
NOTE = f'<{PERSON}> <http://www.w3.org/2000/01/rdf-schema#comment> "scratch"@en'

#: name -> (update, the graph the refusal must name, a word of the hint)
REFUSED: dict[str, tuple[str, str, str]] = {
    "insert-data": (f'INSERT DATA {{ GRAPH <{ONT}> {{ <{TG}X> a <http://www.w3.org/2002/07/owl#Class> }} }}',
                    ONT, "ontology/tregua.ttl"),
    "delete-data": (f"DELETE DATA {{ GRAPH <{SHAPES}> {{ <{TG}ActorShape> a "
                    "<http://www.w3.org/ns/shacl#NodeShape> } }", SHAPES, "shapes/"),
    "insert-where": (f"INSERT {{ GRAPH <{INF}> {{ ?s a <{TG}Thing> }} }} WHERE {{ ?s a <{TG}Person> }}",
                     INF, "asserted data"),
    "delete-where": (f"DELETE WHERE {{ GRAPH <{WD}> {{ ?s ?p ?o }} }}", WD, "kg link"),
    "with": (f"WITH <{ONT}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", ONT, "ontology"),
    "graph-variable": (f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                       f"FILTER(?g = <{SHAPES}>) }}", SHAPES, "shapes"),
    "variable-insert": (f"INSERT {{ GRAPH ?g {{ <{PERSON}> <{TG}note> 1 }} }} "
                        f"WHERE {{ GRAPH ?g {{ <{PERSON}> ?p ?o }} }}", "", "kg build"),
    "clear-graph": (f"CLEAR GRAPH <{ONT}>", ONT, "ontology"),
    "drop-graph": (f"DROP GRAPH <{SHAPES}>", SHAPES, "shapes"),
    "drop-silent": (f"DROP SILENT GRAPH <{INF}>", INF, "asserted data"),
    "create": (f"CREATE SILENT GRAPH <{WD}>", WD, "kg link"),
    "load": (f"LOAD <http://example.org/x.ttl> INTO GRAPH <{ONT}>", ONT, "ontology"),
    "add-from": (f"ADD <{ONT}> TO <{SCRATCH}>", ONT, "ontology"),
    "add-to": (f"ADD <{SCRATCH}> TO <{WD}>", WD, "kg link"),
    "copy": (f"COPY GRAPH <{SCRATCH}> TO GRAPH <{SHAPES}>", SHAPES, "shapes"),
    "move": (f"MOVE <{INF}> TO <{SCRATCH}>", INF, "asserted data"),
    "second-operation": (f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ {NOTE} }} }} ; "
                         f"INSERT DATA {{ GRAPH <{WD}> {{ <{PERSON}> <{TG}linkStatus> <{TG}notLinked> }} }}",
                         WD, "kg link"),
}
BULK = ["CLEAR ALL", "DROP ALL", "CLEAR NAMED", "DROP NAMED", "CLEAR DEFAULT", "DROP SILENT DEFAULT"]


@pytest.fixture(scope="module")
def guarded(make_server: Callable[..., Server]) -> Server:
    return make_server()


@pytest.fixture(scope="module")
def client(guarded: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=guarded.url, timeout=120) as c:
        yield c


def dump(store: Path) -> bytes:
    handle = ox.Store.read_only(str(store))
    try:
        return handle.dump(format=ox.RdfFormat.N_QUADS) or b""
    finally:
        del handle


def journal_bytes(store: Path) -> bytes:
    path = default_path(store)
    return path.read_bytes() if path.is_file() else b""


@pytest.fixture(scope="module")
def before(guarded: Server) -> tuple[bytes, bytes]:
    return dump(guarded.store), journal_bytes(guarded.store)


def refused(response: httpx.Response, graph: str, hint_word: str) -> None:
    assert response.status_code == 403, response.text
    body = response.json()
    assert body["error"] == "Forbidden"
    assert graph in body["message"] and "refused" in body["message"]
    assert hint_word in body["hint"]


@pytest.mark.parametrize("name", list(REFUSED))
def test_updates_touching_a_built_graph_are_refused(name: str, client: httpx.Client, guarded: Server,
                                                      before: tuple[bytes, bytes]) -> None:
    update, graph, hint_word = REFUSED[name]
    version = client.get("/health").json()["version"]
    refused(client.post("/sparql/update", content=update.encode(), headers=UPDATE), graph, hint_word)
    assert client.get("/health").json()["version"] == version
    assert journal_bytes(guarded.store) == before[1]


@pytest.mark.parametrize("update", BULK)
def test_bulk_clear_and_drop_need_the_setting(update: str, client: httpx.Client, guarded: Server,
                                              before: tuple[bytes, bytes]) -> None:
    response = client.post("/sparql/update", data={"update": update}, headers=AUTH)
    assert response.status_code == 403, response.text
    assert "KG_ALLOW_CLEAR_ALL=true" in response.json()["hint"]
    assert update.split()[0] in response.json()["message"]
    assert journal_bytes(guarded.store) == before[1]


@pytest.mark.parametrize(("method", "graph"), [("PUT", ONT), ("POST", SHAPES), ("DELETE", INF), ("PUT", WD)])
def test_graph_store_writes_to_a_built_graph_are_refused(method: str, graph: str, client: httpx.Client,
                                                         guarded: Server, before: tuple[bytes, bytes]) -> None:
    response = client.request(method, "/rdf-graph-store", params={"graph": graph},
                              content=f"<{PERSON}> <{TG}note> 1 .".encode() if method != "DELETE" else None,
                              headers={"Content-Type": "text/turtle", **AUTH})
    assert response.status_code == 403, response.text
    assert graph in response.json()["message"]
    assert journal_bytes(guarded.store) == before[1]


def test_refusals_left_the_store_byte_for_byte(client: httpx.Client, guarded: Server,
                                                before: tuple[bytes, bytes]) -> None:
    """Run after the refusals above (same module, same server): nothing of them reached the disk."""
    for update, _, _ in REFUSED.values():
        client.post("/sparql/update", content=update.encode(), headers=UPDATE)
    assert dump(guarded.store) == before[0]
    assert journal_bytes(guarded.store) == before[1]


def test_writable_graphs_still_take_writes(client: httpx.Client) -> None:
    response = client.post("/sparql/update", headers=UPDATE,
                           content=f"INSERT DATA {{ GRAPH <{SCRATCH}> {{ {NOTE} }} }}".encode())
    assert response.status_code == 200, response.text
    assert response.json()["added"] == 1


# ----------------------------------------------------------------------------- with the setting


def graph_sizes(client: httpx.Client) -> dict[str, int]:
    response = client.get("/sparql", params={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                                       "GROUP BY ?g"},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.text
    return {b["g"]["value"]: int(b["n"]["value"]) for b in response.json()["results"]["bindings"]}


@pytest.mark.parametrize("update", ["DROP ALL", "CLEAR NAMED"])
def test_with_the_setting_bulk_clear_spares_the_built_graphs(update: str,
                                                             make_server: Callable[..., Server]) -> None:
    server = make_server({"KG_ALLOW_CLEAR_ALL": "true"})
    with server.client() as client:
        sizes = graph_sizes(client)
        assert sizes.get(iris.source_graph("insightcrime-2017-01-ms13-dialogue"), 0) > 0
        response = client.post("/sparql/update", content=update.encode(), headers=UPDATE)
        assert response.status_code == 200, response.text
        after = graph_sizes(client)
        for built in (ONT, SHAPES, WD):
            assert after[built] == sizes[built], built
        assert not [g for g in after if g.startswith(iris.GRAPH_SOURCE_PREFIX)]
        # still refused when named, even with the setting
        refused(client.post("/sparql/update", content=f"CLEAR GRAPH <{ONT}>".encode(), headers=UPDATE),
                ONT, "ontology")
    server.process.terminate()
