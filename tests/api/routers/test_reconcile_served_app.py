"""The reconciliation and search routes inside the whole app (`kg serve`: worker-pool engine,
CORS, error handlers), and the index following a write made through `/sparql/update`."""

from __future__ import annotations

import json
from collections.abc import Callable

from kg import iris
from tests.conftest import UPDATE_TOKEN, Server

TG = iris.TG
SOURCE = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
BARRIO_18 = iris.entity_iri("organization", "barrio-18")
NEWCOMER = iris.entity_iri("person", "test-zuzunaga")


def test_manifest_and_a_batch_from_the_served_app(server: Server) -> None:
    with server.client() as client:
        manifest = client.get("/reconcile", headers={"Origin": "https://openrefine.example"})
        assert manifest.status_code == 200
        # The spec requires CORS on every endpoint of the service.
        assert manifest.headers["access-control-allow-origin"] in ("*", "https://openrefine.example")
        assert manifest.json()["view"]["url"] == server.url + "/id/{{id}}"
        out = client.post("/reconcile", data={"queries": json.dumps(
            {"q0": {"query": "Óscar Ortiz", "type": "Person"}, "q1": {"query": "MS-13"}})}).json()
        assert (out["q0"]["result"][0]["id"], out["q0"]["result"][0]["match"]) == ("person/oscar-ortiz", True)
        assert (out["q1"]["result"][0]["id"], out["q1"]["result"][0]["match"]) == ("organization/ms13", True)
        # The view template resolves to the entity page of the same server.
        page = client.get("/id/person/oscar-ortiz", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "Ortiz" in page.text
        bad = client.post("/reconcile", data={"queries": "{not json"})
        assert bad.status_code == 400 and "not valid JSON" in bad.json()["message"]


def test_search_follows_gated_writes_by_their_deltas(make_server: Callable[..., Server]) -> None:
    """Each write is found at once, and applied to the index by its delta: /health counts one
    rebuild (the first request's) and one update per write, never a rebuild per write (12 s on
    the 1M-triple graph, issue 13)."""
    server = make_server()
    prologue = f"PREFIX tg: <{TG}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    with server.client() as client:

        def write(update: str) -> None:
            r = client.post("/sparql/update", data={"update": prologue + update},
                            headers={"Authorization": f"Bearer {UPDATE_TOKEN}"})
            assert r.status_code in (200, 204), r.text

        def best(text: str, type_id: str | None = None) -> tuple[str, float, bool]:
            query = {"query": text, **({"type": type_id} if type_id else {})}
            result = client.post("/reconcile", data={"queries": json.dumps({"q": query})}).json()["q"]["result"]
            return (result[0]["id"], result[0]["score"], result[0]["match"]) if result else ("", 0.0, False)

        assert client.get("/search", params={"q": "calle 18"}).json()["results"] == []
        built = client.get("/health").json()["search_index"]
        assert (built["rebuilds"], built["updates"]) == (1, 0)
        write(f"INSERT DATA {{ GRAPH <{SOURCE}> {{ <{BARRIO_18}> tg:alias \"Calle 18\"@es }} }}")
        hits = client.get("/search", params={"q": "calle 18"}).json()["results"]
        assert [(h["id"], h["field"], h["matched"]) for h in hits] == \
            [("organization/barrio-18", "alias", "Calle 18")]
        assert best("Calle-18") == ("organization/barrio-18", 100.0, True)

        write(f"""INSERT DATA {{ GRAPH <{SOURCE}> {{ <{NEWCOMER}> a tg:Person ;
            rdfs:label "Ana Zuzunaga"@es ; tg:linkStatus tg:notLinked }} }}""")
        assert best("Ana Zuzunaga", "Person") == ("person/test-zuzunaga", 100.0, True)

        write(f"DELETE DATA {{ GRAPH <{SOURCE}> {{ <{BARRIO_18}> tg:alias \"Calle 18\"@es }} }}")
        assert client.get("/search", params={"q": "calle 18"}).json()["results"] == []

        stats = client.get("/health").json()
        assert (stats["search_index"]["rebuilds"], stats["search_index"]["updates"]) == (1, 3)
        assert stats["search_index"]["version"] == stats["version"]
