"""A query sent to the update endpoint, or an update sent as a query, is told where to go.

pyoxigraph's own message names the keyword it expected ("expected CONSTRUCT", "expected
VERSION"), which misleads; the 400's hint names the right endpoint instead.
"""

from __future__ import annotations

from tests.conftest import UPDATE_TOKEN, Server

UPDATE = "INSERT DATA { GRAPH <https://w3id.org/tregua/graph/upload> { <urn:x:a> <urn:x:b> <urn:x:c> } }"
QUERY = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


def test_an_update_sent_as_a_query_is_pointed_to_the_update_endpoint(server: Server) -> None:
    with server.client() as client:
        for response in (client.get("/sparql", params={"query": UPDATE}),
                         client.post("/sparql", content=UPDATE, headers={"Content-Type": "application/sparql-query"})):
            assert response.status_code == 400, response.text
            body = response.json()
            assert body["error"] == "QuerySyntaxError"
            assert body["hint"] == "this is an update: POST it to /sparql/update with the write token"
        typo = client.get("/sparql", params={"query": "SELEC ?s WHERE { ?s ?p ?o }"})
        assert typo.status_code == 400 and "/sparql/update" not in typo.text  # a plain typo keeps its hint
        count = client.get("/sparql", params={"query": "ASK { <urn:x:a> <urn:x:b> <urn:x:c> }"},
                           headers={"Accept": "application/sparql-results+json"})
        assert count.json()["boolean"] is False  # nothing was written


def test_a_query_sent_to_the_update_endpoint_is_pointed_to_sparql(server: Server) -> None:
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    with server.client() as client:
        for response in (client.post("/sparql/update", data={"update": QUERY}, headers=auth),
                         client.post("/sparql/update", content=QUERY,
                                     headers={**auth, "Content-Type": "application/sparql-update"})):
            assert response.status_code == 400, response.text
            assert response.json()["hint"] == "this is a query: send it to /sparql"
