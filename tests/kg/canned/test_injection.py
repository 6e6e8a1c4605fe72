"""Injection attempts stay plain values: they are bound as RDF terms with pyoxigraph
`substitutions`, never pasted into the query, so no value can change what a query means or
touch the store."""

from __future__ import annotations

import hashlib

import httpx
import pyoxigraph as ox
import pytest

from kg import canned
from kg.errors import NotFound, ParameterError
from kg.store.engine import InProcessEngine

TEXT_ATTACKS = [
    'x" } UNION { ?entity ?p ?matched } #',
    "x' } UNION { ?entity ?p ?matched } #",
    "} UNION {",
    '"))) } } UNION { ?s ?p ?o } #',
    "ortiz\n} UNION { ?entity ?p ?matched }\n#",
    "ortiz # comment",
    "\\u0022) || true || (\\u0022",
    '\\" ) || true || ("',
    "\u0022) || true || (\u0022",
    "'; INSERT DATA { <urn:a> <urn:b> <urn:c> } #",
    "ortiz\" . } ; DELETE WHERE { ?s ?p ?o } #",
    "$name ?name <urn:x>",
    "\x00\x1f\u2028",
]
IRI_ATTACKS = [
    "https://w3id.org/tregua/id/person/oscar-ortiz> ?p ?o . ?s ?p <urn:x",
    "https://w3id.org/tregua/id/person/oscar-ortiz> } UNION { ?statement ?p ?o } #",
    "https://w3id.org/tregua/id/person/x\\u003E",
    "https://w3id.org/tregua/id/person/x\n} UNION {",
    "https://w3id.org/tregua/id/person/x\"",
    "https://w3id.org/tregua/id/person/x{}",
]


def fingerprint(store: ox.Store) -> tuple[int, str]:
    """Quad count and a hash of the sorted N-Quads dump: any write would change one of them."""
    lines = sorted(str(q) for q in store)
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.fixture(scope="module")
def before(memory_store: ox.Store) -> tuple[int, str]:
    return fingerprint(memory_store)


@pytest.mark.parametrize("attack", TEXT_ATTACKS)
def test_text_attacks_are_searched_for_as_plain_text(engine: InProcessEngine, catalog: canned.QueryCatalog,
                                                     memory_store: ox.Store, before: tuple[int, str],
                                                     attack: str) -> None:
    q = catalog.get("entity-lookup")
    bound = q.bind({"name": attack})
    assert bound.request.query == q.text  # the text of the query is the file's, whatever the value
    assert bound.request.substitutions == {"name": ox.Literal(attack), "lang": ox.Literal("en")}
    assert canned.run(engine, q, {"name": attack}).rows == []  # no label contains these characters
    assert fingerprint(memory_store) == before


@pytest.mark.parametrize("attack", IRI_ATTACKS)
def test_iri_attacks_are_refused_before_anything_runs(catalog: canned.QueryCatalog, attack: str) -> None:
    with pytest.raises(ParameterError) as caught:
        catalog.get("quotes-by-speaker").bind({"speaker": attack})
    assert caught.value.name == "speaker"


@pytest.mark.parametrize(("name", "params"), [
    ("timeline", {"from_year": "2014 || true"}),
    ("timeline", {"to_year": "2016) } UNION { ?s ?p ?o"}),
    ("positions", {"position": "reject> } UNION { ?s ?p ?o } #"}),
    ("unlinked-entities", {"kind": 'person" || true || "'}),
])
def test_typed_attacks_are_refused(catalog: canned.QueryCatalog, name: str, params: dict[str, str]) -> None:
    with pytest.raises(ParameterError) as caught:
        catalog.get(name).bind(params)
    assert caught.value.name == next(iter(params))


def test_a_valid_but_odd_iri_stays_one_iri(engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    odd = "https://w3id.org/tregua/id/person/oscar-ortiz%3E%20%7D%20UNION%20%7B"
    with pytest.raises(NotFound) as caught:  # one IRI, that names nothing: no row, and it says so
        canned.run(engine, catalog.get("quotes-by-speaker"), {"speaker": odd})
    assert f"<{odd}>" in str(caught.value)


def test_over_http_attacks_get_plain_answers_and_the_store_is_untouched(server) -> None:  # type: ignore[no-untyped-def]
    count = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def quads(client: httpx.Client) -> str:
        r = client.get("/sparql", params={"query": count}, headers={"accept": "text/csv"})
        assert r.status_code == 200, r.text
        return r.text

    with server.client() as client:
        reference = client.get("/queries/sources", params={"format": "csv"}).content
        before = quads(client)
        for attack in TEXT_ATTACKS:
            r = client.get("/queries/entity-lookup", params={"name": attack, "format": "json"})
            if "\x00" in attack:
                assert r.status_code in (200, 400)
                continue
            assert r.status_code == 200, r.text
            assert r.json() == []
        for attack in IRI_ATTACKS:
            r = client.get("/queries/quotes-by-speaker", params={"speaker": attack})
            assert r.status_code == 400
            assert r.json()["parameter"] == "speaker"
        assert client.get("/queries/sources", params={"format": "csv"}).content == reference
        assert quads(client) == before and int(before.split()[1]) > 1000


def test_over_http_a_raw_query_string_cannot_smuggle_a_second_parameter(server) -> None:  # type: ignore[no-untyped-def]
    url = server.url + "/queries/entity-lookup?name=ortiz%26format%3Dxml%26name%3Dx"
    r = httpx.get(url, timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == []
