"""Hypothesis fuzz of what the service parses: SPARQL queries and updates, Turtle and TriG uploads.

Inputs: random bytes; valid documents cut short at every kind of place; brackets nested far
deeper than any real query (`{{{{…`, `((((…`, `[[[[…`); literals a few bytes either side of the
request-size limit; valid documents with bytes that are not UTF-8 spliced in. The oracle is
pyoxigraph itself, run here: an input it parses is not a bad input and is skipped (`assume`), so
every request sent is one the service must refuse. Each answer must be a 4xx whose JSON body says
what is wrong (`message`) and how to fix it (`hint`), never a 5xx, and the store must be exactly
as before (`/health`'s version, which is a digest of the committed store, and its quad count).

The server is one of its own (writes with the token) with a small request limit (`LIMIT`), so
that literals "near the limit" cost little. Example counts are bounded (`EXAMPLES` per target).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kg.errors import QuerySyntaxError
from kg.paths import SOURCES_DIR
from kg.store.engine import MAX_NESTING, check_nesting
from tests.conftest import UPDATE_TOKEN, Server

LIMIT = 64 * 1024
EXAMPLES = 25
BASE = "https://w3id.org/tregua/"

QUERIES = [
    "PREFIX tg: <https://w3id.org/tregua/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "SELECT ?who ?value WHERE {\n  ?stance tg:stanceOf ?a ; tg:stanceValue ?v .\n"
    "  ?a rdfs:label ?who . ?v rdfs:label ?value .\n  FILTER(lang(?who) = \"en\" && regex(?value, \"^con\", \"i\"))\n"
    "} ORDER BY ?who LIMIT 10",
    "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/tregua/graph/wikidata> { ?s ?p ?o } OPTIONAL { ?s a ?t } }",
    "ASK { { ?s ?p 'x' } UNION { ?s ?p (1) } MINUS { ?s ?p [] } }",
]
UPDATES = [
    "PREFIX tg: <https://w3id.org/tregua/ontology#>\nINSERT DATA { GRAPH <https://w3id.org/tregua/graph/wikidata> {\n"
    "  <https://w3id.org/tregua/id/person/oscar-ortiz> tg:alias \"Óscar Ortiz Ramos\"@es } }",
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nDELETE { GRAPH ?g { ?s rdfs:label ?l } }\n"
    "INSERT { GRAPH ?g { ?s rdfs:label \"renamed\"@en } }\n"
    "WHERE { GRAPH ?g { ?s rdfs:label ?l FILTER(?l = \"MS13\"@en) } }",
]
TURTLE = [
    "@prefix tg: <https://w3id.org/tregua/ontology#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "<https://w3id.org/tregua/id/person/fuzz> a tg:Person ; rdfs:label \"Fuzz\"@en, \"Fuzz\"@es ;\n"
    "  tg:alias \"\"\"a long\nalias\"\"\"@en ; rdfs:seeAlso ( <a:x> [ rdfs:label 'y' ] ) .\n",
]
TRIG = [path.read_text(encoding="utf-8")[:4000] for path in sorted(SOURCES_DIR.glob("*.trig"))[:2]]


def _nested(opener: str, closer: str, template: str) -> st.SearchStrategy[bytes]:
    """`template` with brackets nested past the limit, closed or left open."""
    return st.builds(lambda n, closed: template.format(opener * n + (closer * n if closed else "")).encode(),
                     st.integers(MAX_NESTING + 1, 4 * MAX_NESTING), st.booleans())


def _near_limit(template: str) -> st.SearchStrategy[bytes]:
    """`template` around a literal of about LIMIT bytes, left unterminated (a bad document either way)."""
    return st.builds(lambda n: template.format("x" * n).encode(), st.integers(LIMIT - 300, LIMIT + 300))


def _broken(docs: list[str]) -> st.SearchStrategy[bytes]:
    """Valid documents cut short anywhere, or with invalid UTF-8 spliced in."""
    doc = st.sampled_from([d.encode() for d in docs])
    cut = st.builds(lambda d, f: d[: int(len(d) * f)], doc, st.floats(0, 0.999))
    junk = st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe2\x82", b"\x80\x80"])
    bad_utf8 = st.builds(lambda d, f, j: d[: int(len(d) * f)] + j + d[int(len(d) * f):], doc, st.floats(0, 1), junk)
    return cut | bad_utf8


INPUTS: dict[str, st.SearchStrategy[bytes]] = {
    "query": st.binary(max_size=400) | _broken(QUERIES) | _nested("{", "}", "SELECT * WHERE {}")
    | _nested("(", ")", "SELECT * WHERE {{ FILTER {} }}") | _near_limit('SELECT * WHERE {{ ?s ?p "{}'),
    "update": st.binary(max_size=400) | _broken(UPDATES) | _nested("{", "}", "DELETE WHERE {}")
    | _nested("(", ")", "INSERT {{ <a:s> <a:p> <a:o> }} WHERE {{ FILTER {} }}")
    | _near_limit('INSERT DATA {{ <https://w3id.org/tregua/id/person/x> <a:p> "{}'),
    "turtle": st.binary(max_size=400) | _broken(TURTLE) | _nested("[", "]", "<a:s> <a:p> {} .")
    | _near_limit('<https://w3id.org/tregua/id/person/x> <a:p> """{}'),
    "trig": st.binary(max_size=400) | _broken(TRIG) | _nested("{", "}", "<a:g> {}")
    | _near_limit('{{ <https://w3id.org/tregua/id/person/x> <a:p> "{}'),
}


def _acceptable(kind: str, data: bytes) -> bool:
    """Whether the service could rightly accept `data` (pyoxigraph parses it, within the limits)."""
    if len(data) > LIMIT:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        if kind in ("query", "update"):
            check_nesting(text)  # the service's own guard (and too deep for pyoxigraph to try here)
        if kind == "query":
            ox.Store().query(text, base_iri=BASE)
        elif kind == "update":
            ox.Store().update(text, base_iri=BASE)
        else:
            quads = list(ox.parse(data, format=ox.RdfFormat.TURTLE if kind == "turtle" else ox.RdfFormat.TRIG,
                                  base_iri=BASE))
            return all(isinstance(q.graph_name, ox.DefaultGraph) for q in quads)
    except (SyntaxError, ValueError, QuerySyntaxError):
        return False
    except Exception:  # a query or update that parses but fails on the empty store is still well-formed
        return True
    return True


def _send(client: httpx.Client, kind: str, data: bytes) -> httpx.Response:
    auth = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
    if kind == "query":
        return client.post("/sparql", content=data, headers={"Content-Type": "application/sparql-query"})
    if kind == "update":
        return client.post("/sparql/update", content=data,
                           headers={**auth, "Content-Type": "application/sparql-update"})
    if kind == "turtle":
        return client.put("/rdf-graph-store", params={"graph": "http://example.org/fuzz"}, content=data,
                          headers={**auth, "Content-Type": "text/turtle"})
    return client.post("/rdf-graph-store", params={"default": ""}, content=data,
                       headers={**auth, "Content-Type": "application/trig"})


def _state(client: httpx.Client) -> tuple[str, int]:
    health = client.get("/health").json()
    return health["version"], health["quads"]


@pytest.fixture(scope="module")
def fuzz_server(make_server: Callable[..., Server]) -> Server:
    return make_server({"KG_MAX_REQUEST_BYTES": str(LIMIT)})


@pytest.fixture(scope="module")
def client(fuzz_server: Server) -> httpx.Client:
    with fuzz_server.client() as c:
        yield c  # type: ignore[misc]


@pytest.mark.parametrize("kind", sorted(INPUTS))
def test_bad_input_is_a_4xx_with_a_message_and_changes_nothing(client: httpx.Client, kind: str) -> None:
    before = _state(client)
    sent = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=INPUTS[kind])
    def fuzz(data: bytes) -> None:
        assume(not _acceptable(kind, data))
        response = _send(client, kind, data)
        sent.append(response.status_code)
        assert 400 <= response.status_code < 500, (response.status_code, data[:200], response.text[:500])
        body = response.json()
        assert body["message"] and body["hint"], body
        assert _state(client) == before, f"the store changed after a refused {kind}: {data[:200]!r}"

    fuzz()
    assert len(sent) >= EXAMPLES // 2, f"only {len(sent)} {kind} inputs were bad enough to send"


def test_the_oracle_accepts_the_documents_it_cuts(client: httpx.Client) -> None:
    """The fuzz is only as good as its oracle: the uncut documents parse, and the service takes them."""
    assert TRIG, f"no TriG sources under {SOURCES_DIR}"
    for kind, docs in (("query", QUERIES), ("update", UPDATES), ("turtle", TURTLE)):
        assert all(_acceptable(kind, d.encode()) for d in docs), kind
    assert not _acceptable("query", b"SELECT * WHERE " + b"{" * 300 + b"}" * 300)
    assert client.post("/sparql", content=QUERIES[0].encode(),
                       headers={"Content-Type": "application/sparql-query"}).status_code == 200
