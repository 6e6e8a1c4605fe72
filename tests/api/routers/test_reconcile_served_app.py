"""The reconciliation and search routes inside the whole app (`kg serve`: worker-pool engine,
CORS, error handlers), and the index following a write made through `/sparql/update`."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import UPDATE_TOKEN, Server


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


def test_search_follows_a_gated_write(make_server: Callable[..., Server]) -> None:
    server = make_server()
    update = """
    PREFIX tg: <https://w3id.org/tregua/ontology#>
    INSERT DATA { GRAPH <https://w3id.org/tregua/graph/source/insightcrime-2017-01-ms13-dialogue> {
      <https://w3id.org/tregua/id/organization/barrio-18> tg:alias "Calle 18"@es } }"""
    with server.client() as client:
        assert client.get("/search", params={"q": "calle 18"}).json()["results"] == []
        r = client.post("/sparql/update", data={"update": update},
                        headers={"Authorization": f"Bearer {UPDATE_TOKEN}"})
        assert r.status_code in (200, 204), r.text
        hits = client.get("/search", params={"q": "calle 18"}).json()["results"]
        assert [(h["id"], h["field"], h["matched"]) for h in hits] == \
            [("organization/barrio-18", "alias", "Calle 18")]
        out = client.post("/reconcile", data={"queries": json.dumps({"q": {"query": "Calle-18"}})})
        assert (out.json()["q"]["result"][0]["id"], out.json()["q"]["result"][0]["match"]) == \
            ("organization/barrio-18", True)
