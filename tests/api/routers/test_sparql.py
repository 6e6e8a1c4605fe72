"""`/sparql` against a real server: answers equal pyoxigraph's own, in every format, and errors that say why.

The oracle is the served store itself, opened read-only in this process (the shared `server`
never writes), queried with the same dataset rules: what the endpoint answers must be exactly
what Oxigraph answers in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

from kg import iris
from tests.conftest import Server

TG = iris.TG
ORTIZ = iris.entity_iri("person", "oscar-ortiz")
PERSONS = f"PREFIX tg: <{TG}> SELECT ?p ?label WHERE {{ ?p a tg:Person ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }} ORDER BY ?p ?label"  # noqa: E501
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CONSTRUCT_ORTIZ = f"CONSTRUCT {{ <{ORTIZ}> ?p ?o }} WHERE {{ <{ORTIZ}> ?p ?o }}"


@pytest.fixture(scope="module")
def oracle(server: Server) -> Iterator[ox.Store]:
    store = ox.Store.read_only(str(server.store))
    yield store
    del store


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def local_rows(store: ox.Store, query: str, **kwargs: object) -> list[dict[str, str]]:
    if not kwargs:
        kwargs = {"use_default_graph_as_union": True}
    result = store.query(query, **kwargs)  # type: ignore[arg-type]
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: str(s[n]) for n in names if s[n] is not None} for s in result]  # type: ignore[union-attr]


def remote_rows(body: bytes, fmt: ox.QueryResultsFormat = ox.QueryResultsFormat.JSON) -> list[dict[str, str]]:
    result = ox.parse_query_results(body, format=fmt)
    names = [v.value for v in result.variables]  # type: ignore[union-attr]
    return [{n: str(s[n]) for n in names if s[n] is not None} for s in result]  # type: ignore[union-attr]


# ----------------------------------------------------------------------------- the three ways to ask


def test_get_post_form_and_post_direct_give_the_in_process_answer(
    client: httpx.Client, oracle: ox.Store
) -> None:
    expected = local_rows(oracle, PERSONS)
    assert len(expected) >= 5
    by_get = client.get("/sparql", params={"query": PERSONS})
    by_form = client.post("/sparql", data={"query": PERSONS})
    by_body = client.post(
        "/sparql", content=PERSONS.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/sparql-results+json")
        assert remote_rows(response.content) == expected


def test_plain_queries_see_the_union_of_all_graphs(client: httpx.Client, oracle: ox.Store) -> None:
    response = client.get("/sparql", params={"query": COUNT})
    n = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert n == int(local_rows(oracle, COUNT)[0]["n"].split('"')[1])
    assert n == sum(1 for q in oracle if not isinstance(q.graph_name, ox.DefaultGraph))


def test_default_graph_uri_narrows_the_default_graph(client: httpx.Client, oracle: ox.Store) -> None:
    response = client.get("/sparql", params={"query": COUNT, "default-graph-uri": iris.GRAPH_ONTOLOGY})
    n = int(response.json()["results"]["bindings"][0]["n"]["value"])
    assert n == len(list(oracle.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY))))


def test_named_graph_uri_limits_graph_patterns(client: httpx.Client) -> None:
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    response = client.get(
        "/sparql",
        params=[
            ("query", query),
            ("named-graph-uri", iris.GRAPH_ONTOLOGY),
            ("named-graph-uri", iris.GRAPH_WIKIDATA),
        ],
    )
    graphs = sorted(b["g"]["value"] for b in response.json()["results"]["bindings"])
    assert graphs == sorted([iris.GRAPH_ONTOLOGY, iris.GRAPH_WIKIDATA])


# ----------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/csv", ox.QueryResultsFormat.CSV),
        ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
    ],
)
def test_select_in_every_results_format(
    client: httpx.Client, oracle: ox.Store, accept: str, fmt: ox.QueryResultsFormat
) -> None:
    response = client.get("/sparql", params={"query": PERSONS}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == accept
    expected = local_rows(oracle, PERSONS)
    if fmt == ox.QueryResultsFormat.CSV:  # CSV drops datatypes and language tags, by design of the format
        lines = response.content.decode().split("\r\n")
        assert lines[0] == "p,label"
        assert [line.split(",")[0] for line in lines[1:-1]] == [r["p"][1:-1] for r in expected]
    else:
        assert remote_rows(response.content, fmt) == expected


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/n-quads", ox.RdfFormat.N_QUADS),
        ("application/trig", ox.RdfFormat.TRIG),
    ],
)
def test_construct_in_every_rdf_format(
    client: httpx.Client, oracle: ox.Store, accept: str, fmt: ox.RdfFormat
) -> None:
    response = client.post("/sparql", data={"query": CONSTRUCT_ORTIZ}, headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == accept
    got = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(response.content, format=fmt)}
    expected = set(oracle.query(CONSTRUCT_ORTIZ, use_default_graph_as_union=True))  # type: ignore[arg-type]
    assert got == expected
    assert (
        ox.Triple(
            ox.NamedNode(ORTIZ), ox.NamedNode(iris.PREFIXES["rdf"] + "type"), ox.NamedNode(TG + "Person")
        )
        in got
    )


@pytest.mark.parametrize(
    ("short", "media"),
    [("csv", "text/csv"), ("tsv", "text/tab-separated-values"), ("xml", "application/sparql-results+xml")],
)
def test_format_parameter_for_browsers(client: httpx.Client, short: str, media: str) -> None:
    response = client.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }", "format": short}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    assert b"true" in response.content


def test_describe_answers_rdf(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": f"DESCRIBE <{ORTIZ}>", "format": "nt"})
    assert response.status_code == 200
    triples = list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
    assert triples and all(t.subject == ox.NamedNode(ORTIZ) for t in triples)


def test_an_answer_under_the_hold_is_sent_whole(client: httpx.Client, oracle: ox.Store) -> None:
    """The whole store (some hundred KB, many worker chunks) is under KG_QUERY_HOLD_BYTES (4 MiB):
    held until whole, then sent with its length. Larger answers stream: tests/api/test_stream_release.py
    runs a server with a small hold."""
    query = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    with client.stream("GET", "/sparql", params={"query": query, "format": "nt"}) as response:
        assert response.status_code == 200
        assert "transfer-encoding" not in response.headers
        body = b"".join(response.iter_bytes())
    got = {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
    assert len(body) > 64 * 1024
    assert got == set(oracle.query(query, use_default_graph_as_union=True))  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- service description


SD = "http://www.w3.org/ns/sparql-service-description#"


def test_service_description_without_a_query(client: httpx.Client, server: Server, oracle: ox.Store) -> None:
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.TURTLE)
    ask = lambda q: bool(store.query(f"PREFIX sd: <{SD}> ASK {{ {q} }}"))  # noqa: E731
    endpoint = f"<{server.url}/sparql>"
    assert ask(f"{endpoint} a sd:Service ; sd:endpoint {endpoint}")
    assert ask(f"{endpoint} sd:supportedLanguage sd:SPARQL11Query, sd:SPARQL11Update")
    assert ask(f"{endpoint} sd:feature sd:UnionDefaultGraph")
    assert ask(f"{endpoint} sd:resultFormat <http://www.w3.org/ns/formats/SPARQL_Results_CSV>")
    names = {
        r["g"].value
        for r in store.query(
            f"PREFIX sd: <{SD}> SELECT ?g WHERE {{ ?s sd:defaultDataset/sd:namedGraph/sd:name ?g }}"
        )
    }
    assert names == {
        g.value
        for g in oracle.named_graphs()
        if any(True for _ in oracle.quads_for_pattern(None, None, None, g))
    }


def test_service_description_is_content_negotiated(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert response.headers["content-type"].startswith("application/ld+json")
    assert any(SD + "Service" in json.dumps(node) for node in response.json())


# ----------------------------------------------------------------------------- errors


def test_malformed_query_is_400_with_message_and_position(client: httpx.Client) -> None:
    query = "SELECT * WHERE {\n ?s ?p }"
    with pytest.raises(SyntaxError) as parser:
        ox.Store().query(query)
    response = client.get("/sparql", params={"query": query})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "QuerySyntaxError"
    assert body["message"] == str(parser.value)
    assert (body["line"], body["column"]) == (2, 9)
    assert body["message"].startswith("error at 2:9")


def test_unsatisfiable_accept_is_406_listing_what_is_offered(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": PERSONS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.json()["offered"] == [
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ]


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/json"])
def test_unsupported_request_media_type_is_415(client: httpx.Client, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", content=b"ASK {}", headers=headers)
    assert response.status_code == 415
    assert "application/sparql-query" in response.json()["hint"]


def test_wrong_method_is_405(client: httpx.Client) -> None:
    response = client.put("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 405
    assert "GET" in response.headers["allow"] and "POST" in response.headers["allow"]


def test_request_larger_than_the_limit_is_413(client: httpx.Client) -> None:
    big = b"#" * (10 * 1024 * 1024 + 1)
    response = client.post("/sparql", content=big, headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    assert "limit" in response.json()["message"]


def test_timeout_parameter_must_be_positive(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}", "timeout": "-3"})
    assert response.status_code == 400
    assert response.json()["parameter"] == "timeout"


def test_cors_for_reads(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["access-control-allow-methods"]
    # A bearer token is never sent by the browser on its own (no credentials are allowed), so a
    # page may send one it was given; cookies stay out (no Access-Control-Allow-Credentials).
    token = client.options(
        "/sparql/update",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert token.status_code == 200
    assert "access-control-allow-credentials" not in token.headers


BAD_REQUESTS: list[tuple[str, str, dict[str, object]]] = [
    ("GET", "/sparql", {"params": {"query": "SELEC"}}),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "default-graph-uri": "not an iri"}}),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "named-graph-uri": "rel/ative"}}),
    ("GET", "/sparql", {"params": [("query", "ASK {}"), ("query", "ASK {}")]}),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "format": "png"}}),
    ("GET", "/sparql", {"params": {"query": "ASK {}", "timeout": "soon"}}),
    (
        "GET",
        "/sparql",
        {"params": {"query": "SELECT * WHERE { SERVICE <http://example.org/s> { ?s ?p ?o } }"}},
    ),
    ("GET", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT -1"}}),
    ("GET", "/sparql", {"params": {"query": "ASK {}"}, "headers": {"Accept": ";;;,,,"}}),
    ("GET", "/sparql", {"params": {"query": "\x00\x01"}}),
    ("GET", "/sparql", {"params": {"update": "CLEAR ALL"}}),
    ("POST", "/sparql", {"content": b"\xff\xfe", "headers": {"Content-Type": "application/sparql-query"}}),
    (
        "POST",
        "/sparql",
        {"content": b"query=%ff", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    ),
    (
        "POST",
        "/sparql",
        {"content": b"ASK {}", "headers": {"Content-Type": "application/sparql-query;charset=latin1"}},
    ),
    ("POST", "/sparql", {"data": {"nothing": "here"}}),
    ("POST", "/sparql", {"content": b"", "headers": {"Content-Type": "application/sparql-query"}}),
    ("DELETE", "/sparql", {}),
    (
        "POST",
        "/sparql/update",
        {"content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    ),
    (
        "POST",
        "/sparql/update",
        {
            "content": b"CLEAR ALL",
            "headers": {"Authorization": "Basic eDp5", "Content-Type": "application/sparql-update"},
        },
    ),
    ("GET", "/rdf-graph-store", {"params": {"graph": "::"}}),
    ("GET", "/rdf-graph-store", {"params": {"graph": "http://example.org/none"}}),
    ("GET", "/rdf-graph-store", {}),
    ("PUT", "/rdf-graph-store", {"params": {"default": ""}, "content": b"<a> <b> <c> ."}),
    ("PATCH", "/rdf-graph-store", {}),
    (
        "POST",
        "/rdf-graph-store",
        {
            "params": {"graph": "http://example.org/g"},
            "content": b"x",
            "headers": {"Authorization": "Bearer test-token", "Content-Type": "text/turtle"},
        },
    ),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), BAD_REQUESTS)
def test_bad_input_is_never_a_5xx(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, object]
) -> None:
    response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    body = response.json()
    assert body["message"]


def test_one_log_line_per_query(client: httpx.Client, server: Server) -> None:
    marker = "tregua-log-marker-0425"
    client.get("/sparql", params={"query": f"ASK {{ ?s ?p '{marker}' }}"})
    client.get("/sparql", params={"query": f"ASK {{ ?s ?p '{marker}' "})
    lines = [
        line for line in server.log.read_text().splitlines() if marker in line and "tregua.query" in line
    ]
    assert len(lines) == 2
    assert "tregua.query" in lines[0] and "outcome=ok" in lines[0] and "ms=" in lines[0]
    assert "outcome=QuerySyntaxError" in lines[1]


def test_health_reports_store_facts(client: httpx.Client, oracle: ox.Store) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["quads"] == sum(1 for q in oracle if not isinstance(q.graph_name, ox.DefaultGraph))
    assert {g["name"] for g in body["graphs"]} >= {iris.GRAPH_ONTOLOGY, iris.GRAPH_INFERRED}
    assert body["workers"]["alive"] == body["workers"]["configured"] == 2


def test_more_clients_than_workers_are_all_answered(server: Server, oracle: ox.Store) -> None:
    from concurrent.futures import ThreadPoolExecutor

    expected = local_rows(oracle, PERSONS)

    def ask_once(_: int) -> list[dict[str, str]]:
        with server.client() as c:
            response = c.post("/sparql", data={"query": PERSONS})
            assert response.status_code == 200, response.text
            return remote_rows(response.content)

    with ThreadPoolExecutor(max_workers=12) as threads:
        answers = list(threads.map(ask_once, range(36)))
    assert all(answer == expected for answer in answers)
