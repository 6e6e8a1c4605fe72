"""The Reconciliation Service API (v0.2) over HTTP, as OpenRefine and the spec's examples use it.

Requests follow OpenRefine's forms: the manifest by GET, query batches form-encoded in `queries=`
(POST) or in the query string (GET), suggest with `prefix=`, preview with `id=`, data extension
with `extend=`. Served by a real uvicorn over the small graph in data/mini.trig.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.kg.linking.conftest import MiniServer


@pytest.fixture(scope="module")
def client(mini_server: MiniServer) -> httpx.Client:
    with mini_server.client() as c:
        yield c  # type: ignore[misc]


def post_queries(client: httpx.Client, batch: dict[str, Any]) -> httpx.Response:
    """Exactly what OpenRefine sends: application/x-www-form-urlencoded with queries=<JSON>."""
    return client.post("/reconcile", data={"queries": json.dumps(batch)})


# -- manifest ----------------------------------------------------------------------------------

def test_manifest_has_the_fields_the_spec_requires(client: httpx.Client, mini_server: MiniServer) -> None:
    r = client.get("/reconcile")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    m = r.json()
    assert "0.2" in m["versions"]
    assert m["identifierSpace"] == "https://w3id.org/tregua/id/"
    assert m["schemaSpace"] == "https://w3id.org/tregua/ontology#"
    assert m["name"].startswith("Tregua")
    assert m["view"] == {"url": mini_server.url + "/id/{{id}}"}
    assert m["preview"] == {"url": mini_server.url + "/reconcile/preview?id={{id}}",
                            "width": 430, "height": 180}
    assert m["suggest"]["entity"] == {"service_url": mini_server.url + "/reconcile",
                                      "service_path": "/suggest/entity"}
    assert set(m["suggest"]) == {"entity", "type", "property"}
    assert m["extend"]["propose_properties"] == {"service_url": mini_server.url + "/reconcile",
                                                 "service_path": "/propose_properties"}
    assert {"id": "Person", "name": "person"} in m["defaultTypes"]
    assert m["batchSize"] == 1000


def test_post_without_queries_is_the_manifest_too(client: httpx.Client) -> None:
    r = client.post("/reconcile", data={})
    assert r.status_code == 200 and r.json()["versions"] == ["0.2"]


# -- reconciliation -----------------------------------------------------------------------------

def test_openrefine_batch_by_post_form(client: httpx.Client) -> None:
    batch = {
        "q0": {"query": "Oscar Ortiz", "type": "Person", "type_strict": "should", "limit": 3},
        "q1": {"query": "MS-13", "type": "Gang", "type_strict": "should"},
        "q2": {"query": "Mara Salvatrucha"},
        "q3": {"query": "Óscar"},
    }
    r = post_queries(client, batch)
    assert r.status_code == 200, r.text
    out = r.json()
    assert set(out) == {"q0", "q1", "q2", "q3"}
    top = out["q0"]["result"][0]
    assert (top["id"], top["name"], top["score"], top["match"]) == \
        ("person/oscar-ortiz", "Óscar Ortiz", 100.0, True)
    assert top["type"] == [{"id": "Person", "name": "person"}]
    assert top["description"] == "Vice President of El Salvador"
    assert top["features"] == [{"id": "name", "value": 100.0}]
    assert [c["id"] for c in out["q0"]["result"]] == ["person/oscar-ortiz", "person/oscar-lopez"]
    assert out["q0"]["result"][1]["match"] is False
    assert [(c["id"], c["match"]) for c in out["q1"]["result"]] == [("organization/ms13", True)]
    assert out["q2"]["result"][0]["id"] == "organization/ms13" and out["q2"]["result"][0]["match"] is True
    # "Óscar" alone names two people equally well: candidates, but no automatic match.
    assert {c["id"] for c in out["q3"]["result"]} == {"person/oscar-ortiz", "person/oscar-lopez"}
    assert not any(c["match"] for c in out["q3"]["result"])


def test_batch_by_get_matches_post(client: httpx.Client) -> None:
    batch = {"a": {"query": "ms13"}, "b": {"query": "barrio 18", "limit": 1}}
    got = client.get("/reconcile", params={"queries": json.dumps(batch)})
    assert got.status_code == 200
    assert got.json() == post_queries(client, batch).json()
    assert [c["id"] for c in got.json()["b"]["result"]] == ["organization/barrio-18"]


def test_results_are_sorted_and_limited(client: httpx.Client) -> None:
    out = post_queries(client, {"q": {"query": "oscar", "limit": 1}}).json()["q"]["result"]
    assert len(out) == 1
    out = post_queries(client, {"q": {"query": "oscar ortiz", "limit": 5}}).json()["q"]["result"]
    scores = [c["score"] for c in out]
    assert scores == sorted(scores, reverse=True) and all(0 <= s <= 100 for s in scores)


def test_type_constraint_filters_candidates(client: httpx.Client) -> None:
    out = post_queries(client, {"q": {"query": "Oscar Ortiz", "type": "Gang"}}).json()
    assert out["q"]["result"] == []
    # Supertypes count: a tg:Person is a tg:Actor.
    out = post_queries(client, {"q": {"query": "Oscar Ortiz", "type": ["Organization", "Actor"]}}).json()
    assert out["q"]["result"][0]["id"] == "person/oscar-ortiz"
    out = post_queries(client, {"q": {"query": "Oscar Ortiz", "type": ["Organization", "Actor"],
                                      "type_strict": "all"}}).json()
    assert out["q"]["result"] == []


def test_property_constraints_decide_between_namesakes(client: httpx.Client) -> None:
    batch = {"q": {"query": "Óscar", "properties": [{"pid": "memberOf", "v": "FMLN"}]},
             "r": {"query": "Óscar", "properties": [{"pid": "memberOf", "v": {"id": "organization/fmln"}}]}}
    out = post_queries(client, batch).json()
    for key in ("q", "r"):
        first, second = out[key]["result"][:2]
        assert first["id"] == "person/oscar-ortiz"
        assert {"id": "properties", "value": 100.0} in first["features"]
        assert first["score"] > second["score"]


def test_properties_alone_reconcile(client: httpx.Client) -> None:
    out = post_queries(client, {"q": {"properties": [{"pid": "qid", "v": "Q792"}]}}).json()
    found = [(c["id"], c["score"], c["match"]) for c in out["q"]["result"]]
    assert found == [("place/el-salvador", 100.0, True)]


def test_properties_alone_find_entities_through_their_values(client: httpx.Client) -> None:
    out = post_queries(client, {
        "by_name": {"properties": [{"pid": "memberOf", "v": "FMLN"}]},
        "by_id": {"properties": [{"pid": "memberOf", "v": {"id": "organization/fmln"}}]},
        "literal": {"properties": [{"pid": "startDate", "v": "1980"}]},
        "nothing": {"properties": [{"pid": "memberOf", "v": "Barrio 18"}]},
    }).json()
    assert [c["id"] for c in out["by_name"]["result"]] == ["person/oscar-ortiz"]
    assert [c["id"] for c in out["by_id"]["result"]] == ["person/oscar-ortiz"]
    assert [(c["id"], c["score"]) for c in out["literal"]["result"]] == [("organization/ms13", 100.0)]
    assert out["nothing"]["result"] == []


def test_an_identifier_as_query_returns_that_entity(client: httpx.Client) -> None:
    out = post_queries(client, {"q": {"query": "organization/fmln"},
                                "r": {"query": "https://w3id.org/tregua/id/organization/fmln"}}).json()
    assert out["q"]["result"][0]["id"] == out["r"]["result"][0]["id"] == "organization/fmln"
    assert out["q"]["result"][0]["score"] == 100.0


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("queries", "says"), [
    ('{"q0": {"query": "Ortiz"', "not valid JSON"),
    ('["Ortiz"]', "must be a JSON object"),
    ("{}", "holds no query"),
    ('{"q0": "Ortiz"}', "must be an object"),
    ('{"q0": {"query": ""}}', "neither a `query` string nor `properties`"),
    ('{"q0": {"query": "Ortiz", "limit": 0}}', "`limit` must be a positive integer"),
    ('{"q0": {"query": "Ortiz", "limit": "3"}}', "`limit` must be a positive integer"),
    ('{"q0": {"query": "Ortiz", "type": 5}}', "`type` must be"),
    ('{"q0": {"query": "Ortiz", "type_strict": "maybe"}}', "`type_strict` must be one of"),
    ('{"q0": {"query": "Ortiz", "colour": "red"}}', "unknown field(s): colour"),
    ('{"q0": {"query": "Ortiz", "type": "Spaceship"}}', "unknown type 'Spaceship'"),
    ('{"q0": {"query": "Ortiz", "properties": [{"pid": "shoeSize", "v": 42}]}}',
     "unknown property 'shoeSize'"),
    ('{"q0": {"query": "Ortiz", "properties": [{"v": 42}]}}', "needs `pid`"),
])
def test_bad_batches_get_400_saying_what_is_wrong(client: httpx.Client, queries: str, says: str) -> None:
    for r in (client.post("/reconcile", data={"queries": queries}),
              client.get("/reconcile", params={"queries": queries})):
        assert r.status_code == 400, r.text
        body = r.json()
        assert says in body["message"], body
        assert body["error"] == "BadRequest"


def test_one_bad_query_fails_the_batch_before_any_runs(client: httpx.Client) -> None:
    r = post_queries(client, {"good": {"query": "MS13"}, "bad": {"query": "x", "type": "Nope"}})
    assert r.status_code == 400 and "query" not in r.json().get("good", {})
    assert "unknown type 'Nope'" in r.json()["message"]
    assert "suggest/type" in r.json()["hint"]


def test_oversized_batch_is_refused(client: httpx.Client) -> None:
    batch = {f"q{i}": {"query": "ms13"} for i in range(1001)}
    r = post_queries(client, batch)
    assert r.status_code == 400 and "at most 1000" in r.json()["message"]


def test_json_body_instead_of_a_form_is_415(client: httpx.Client) -> None:
    r = client.post("/reconcile", json={"q0": {"query": "MS13"}})
    assert r.status_code == 415 and "form" in r.json()["message"]


def test_accept_nobody_can_meet_is_406(client: httpx.Client) -> None:
    r = client.get("/reconcile", headers={"Accept": "text/csv"})
    assert r.status_code == 406
    assert r.json()["offered"] == ["application/json"]
    r = client.get("/reconcile/preview", params={"id": "organization/ms13"},
                   headers={"Accept": "application/json"})
    assert r.status_code == 406


# -- suggest, preview ---------------------------------------------------------------------------

def test_suggest_entity_by_prefix(client: httpx.Client) -> None:
    r = client.get("/reconcile/suggest/entity", params={"prefix": "mara sal"})
    assert r.status_code == 200
    assert r.json()["result"] == [{"id": "organization/ms13", "name": "MS13", "description": "gang",
                                   "notable": [{"id": "Gang", "name": "gang"}]}]
    found = client.get("/reconcile/suggest/entity", params={"prefix": "osc"}).json()["result"]
    names = [e["id"] for e in found]
    assert names == ["person/oscar-lopez", "person/oscar-ortiz"]
    page = client.get("/reconcile/suggest/entity", params={"prefix": "osc", "cursor": 1}).json()["result"]
    assert [e["id"] for e in page] == ["person/oscar-ortiz"]


def test_suggest_entity_filtered_by_type(client: httpx.Client) -> None:
    r = client.get("/reconcile/suggest/entity", params={"prefix": "e", "type": "Country"})
    assert [e["id"] for e in r.json()["result"]] == ["place/el-salvador"]


def test_suggest_type_and_property(client: httpx.Client) -> None:
    types = client.get("/reconcile/suggest/type", params={"prefix": "pers"}).json()["result"]
    assert types == [{"id": "Person", "name": "person"}]
    props = client.get("/reconcile/suggest/property", params={"prefix": "memb"}).json()["result"]
    assert props == [{"id": "memberOf", "name": "member of"}]
    wikidata = client.get("/reconcile/suggest/property", params={"prefix": "wikidata"}).json()["result"]
    assert wikidata[0]["id"] == "qid"


def test_suggest_rejects_a_negative_cursor(client: httpx.Client) -> None:
    r = client.get("/reconcile/suggest/entity", params={"prefix": "o", "cursor": -1})
    assert r.status_code == 400 and "cursor" in r.json()["message"]


def test_preview_is_an_html_snippet(client: httpx.Client) -> None:
    r = client.get("/reconcile/preview", params={"id": "place/el-salvador"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "El Salvador" in r.text and "https://www.wikidata.org/wiki/Q792" in r.text
    r = client.get("/reconcile/preview", params={"id": "organization/ms13"})
    assert "Not linked to Wikidata yet" in r.text and "Mara Salvatrucha" in r.text
    assert 'href="/id/organization/ms13"' in r.text


def test_preview_of_an_unknown_id_is_404_with_close_names(client: httpx.Client) -> None:
    r = client.get("/reconcile/preview", params={"id": "person/oscar-ortis"})
    assert r.status_code == 404
    assert "person/oscar-ortiz" in r.json()["suggestions"]


# -- data extension -----------------------------------------------------------------------------

def test_propose_properties_for_a_type(client: httpx.Client) -> None:
    r = client.get("/reconcile/propose_properties", params={"type": "Gang", "limit": 20})
    assert r.status_code == 200
    body = r.json()
    assert body["type"] == "Gang" and body["limit"] == 20
    ids = [p["id"] for p in body["properties"]]
    assert {"basedIn", "startDate", "alias", "qid"} <= set(ids) and "memberOf" not in ids
    two = client.get("/reconcile/propose_properties", params={"type": "Gang", "limit": 2}).json()
    assert two["properties"] == body["properties"][:2]
    bad = client.get("/reconcile/propose_properties", params={"type": "Unicorn"})
    assert bad.status_code == 400 and "unknown type 'Unicorn'" in bad.json()["message"]


def test_extend_returns_rows_openrefine_can_add_as_columns(client: httpx.Client) -> None:
    query = {"ids": ["organization/ms13", "place/el-salvador", "person/oscar-ortiz"],
             "properties": [{"id": "basedIn"}, {"id": "startDate"}, {"id": "qid"}, {"id": "memberOf"}]}
    r = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["meta"] == [{"id": "basedIn", "name": "based in"}, {"id": "startDate", "name": "start date"},
                            {"id": "qid", "name": "Wikidata QID"}, {"id": "memberOf", "name": "member of"}]
    rows = body["rows"]
    assert rows["organization/ms13"] == {"basedIn": [{"id": "place/el-salvador", "name": "El Salvador"}],
                                         # a year stays a year: no invented day
                                         "startDate": [{"str": "1980"}], "qid": [], "memberOf": []}
    assert rows["place/el-salvador"]["qid"] == [{"str": "Q792"}]
    assert rows["person/oscar-ortiz"]["memberOf"] == [{"id": "organization/fmln",
                                                      "name": "Farabundo Martí National Liberation Front"}]
    assert client.get("/reconcile", params={"extend": json.dumps(query)}).json() == body


def test_extend_limit_setting_and_unknown_ids(client: httpx.Client) -> None:
    query = {"ids": ["organization/ms13", "person/nobody"],
             "properties": [{"id": "alias", "settings": {"limit": 1}}]}
    rows = client.post("/reconcile", data={"extend": json.dumps(query)}).json()["rows"]
    assert len(rows["organization/ms13"]["alias"]) == 1
    assert rows["person/nobody"] == {"alias": []}


@pytest.mark.parametrize(("extend", "says"), [
    ('{"ids": ["organization/ms13"]', "not valid JSON"),
    ('{"ids": "organization/ms13", "properties": [{"id": "alias"}]}', "`extend.ids` must be a list"),
    ('{"ids": ["organization/ms13"], "properties": []}', "non-empty list"),
    ('{"ids": ["organization/ms13"], "properties": [{"id": "hairColour"}]}', "unknown property 'hairColour'"),
])
def test_bad_extend_gets_400(client: httpx.Client, extend: str, says: str) -> None:
    r = client.post("/reconcile", data={"extend": extend})
    assert r.status_code == 400 and says in r.json()["message"], r.text


# -- search -------------------------------------------------------------------------------------

def test_search_json(client: httpx.Client) -> None:
    r = client.get("/search", params={"q": "oscar ortiz"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["vary"] == "Accept"
    body = r.json()
    assert body["query"] == "oscar ortiz"
    assert body["results"][0] == {"id": "person/oscar-ortiz", "iri": "https://w3id.org/tregua/id/person/oscar-ortiz",
                                  "name": "Óscar Ortiz", "kind": "person", "field": "label",
                                  "matched": "Óscar Ortiz", "score": 100.0}


def test_search_html_for_browsers(client: httpx.Client) -> None:
    r = client.get("/search", params={"q": "negotiation"},
                   headers={"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "There will be no negotiation with the gangs" in r.text and "Óscar Ortiz" in r.text
    assert client.get("/search", params={"q": "ms13", "format": "html"}).headers["content-type"].startswith(
        "text/html")


def test_search_406_and_bad_format(client: httpx.Client) -> None:
    r = client.get("/search", params={"q": "x"}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.json()["offered"] == ["application/json", "text/html"]
    r = client.get("/search", params={"q": "x", "format": "xlsx"})
    assert r.status_code == 406 and "xlsx" in r.json()["message"]


def test_search_follows_writes(mini_server: MiniServer, client: httpx.Client) -> None:
    """A committed write moves the engine's version; the next request sees the new names."""
    import pyoxigraph as ox

    assert client.get("/search", params={"q": "Munguía Payés"}).json()["results"] == []
    engine = mini_server.engine
    engine.store.update('INSERT DATA { GRAPH <https://w3id.org/tregua/graph/source/mini> { '
                        '<https://w3id.org/tregua/id/person/david-munguia-payes> '
                        '<http://www.w3.org/2000/01/rdf-schema#label> "David Munguía Payés"@es ; '
                        'a <https://w3id.org/tregua/ontology#Person> } }')
    engine.bump_version("mini-2")
    hits = client.get("/search", params={"q": "munguia payes"}).json()["results"]
    assert [h["id"] for h in hits] == ["person/david-munguia-payes"]
    out = post_queries(client, {"q": {"query": "David Munguia Payes", "type": "Person"}}).json()
    assert out["q"]["result"][0]["match"] is True
    engine.store.remove(ox.Quad(ox.NamedNode("https://w3id.org/tregua/id/person/david-munguia-payes"),
                                ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                                ox.Literal("David Munguía Payés", language="es"),
                                ox.NamedNode("https://w3id.org/tregua/graph/source/mini")))
    engine.bump_version("mini-3")
    assert client.get("/search", params={"q": "munguia payes"}).json()["results"] == []
