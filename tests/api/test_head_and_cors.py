"""HEAD wherever GET is answered (same status and headers, no body), and CORS preflights and
cross-origin revalidation as a widget on another site does them. Against the real server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from kg import iris
from tests.conftest import Server

ORTIZ = iris.entity_iri("person", "oscar-ortiz")
#: The headers a HEAD must share with its GET (Date and the like differ by nature).
SAME = ("content-type", "etag", "content-length", "link", "vary", "cache-control", "x-total-count", "location")


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


@pytest.mark.parametrize(("url", "accept"), [
    ("/", "text/html"),
    ("/health", None),
    ("/queries", None),
    ("/queries", "text/html"),
    ("/queries/stance-counts", None),
    ("/queries/stance-counts?format=csv", None),
    ("/queries/quotes-by-speaker?speaker=oscar-ortiz", None),
    ("/sparql", None),  # the service description
    ("/sparql?query=ASK%20%7B%7D", None),
    ("/sparql?query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%203", "text/csv"),
    ("/search?q=ortiz", None),
    ("/id/person/oscar-ortiz", "text/html"),
    ("/id/person/oscar-ortiz", "text/turtle"),
    ("/id/person", None),
    ("/ontology", "text/html"),
    ("/ontology", "text/turtle"),
    ("/shapes.ttl", None),
    ("/reconcile", None),
    ("/openapi.json", None),
    ("/id/person/nobody-at-all", None),  # a 404 is a 404 for HEAD too
    ("/queries/no-such-query", None),
])
def test_head_mirrors_get(client: httpx.Client, url: str, accept: str | None) -> None:
    headers = {"Accept": accept} if accept else {}
    get = client.get(url, headers=headers)
    head = client.head(url, headers=headers)
    assert head.status_code == get.status_code, (url, head.status_code, head.text)
    assert get.status_code != 405
    assert head.content == b""
    for name in SAME:
        assert head.headers.get(name) == get.headers.get(name), (url, name)
    if get.status_code == 200 and "content-length" in get.headers:
        assert int(head.headers["content-length"]) == len(get.content)


def test_head_of_a_graph_names_its_type_without_a_body(client: httpx.Client) -> None:
    url = "/rdf-graph-store?graph=" + iris.BASE + "graph/ontology"
    head = client.head(url, headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/turtle")
    assert head.headers["etag"] == client.get(url, headers={"Accept": "text/turtle"}).headers["etag"]


def test_openapi_has_no_head_twins(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for item in spec["paths"].values() for op in item.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    assert not any("head" in item for item in spec["paths"].values())


@pytest.mark.parametrize("header", ["If-None-Match", "Authorization", "X-Requested-With", "Range", "Content-Type",
                                    "Accept", "Accept-Language"])
def test_preflight_allows_the_headers_widgets_send(client: httpx.Client, header: str) -> None:
    for path in ("/sparql", "/queries/stance-counts", "/id/person/oscar-ortiz"):
        response = client.options(path, headers={"Origin": "https://widget.example",
                                                 "Access-Control-Request-Method": "GET",
                                                 "Access-Control-Request-Headers": header.lower()})
        assert response.status_code == 200, (path, header, response.text)
        allowed = {h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")}
        assert header.lower() in allowed
        assert "access-control-allow-credentials" not in response.headers


def test_preflight_naming_all_of_them_at_once(client: httpx.Client) -> None:
    response = client.options("/sparql", headers={
        "Origin": "https://widget.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "if-none-match, authorization, x-requested-with, range, content-type"})
    assert response.status_code == 200


@pytest.mark.parametrize("url", ["/queries/stance-counts?format=json", "/id/person/oscar-ortiz"])
def test_cross_origin_revalidation_gets_a_readable_304(client: httpx.Client, url: str) -> None:
    origin = {"Origin": "https://widget.example", "Accept": "application/json"}
    first = client.get(url, headers=origin)
    assert first.status_code == 200
    tag = first.headers["etag"]
    exposed = {h.strip().lower() for h in first.headers["access-control-expose-headers"].split(",")}
    assert "etag" in exposed  # the widget can read the tag to send it back
    again = client.get(url, headers={**origin, "If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["access-control-allow-origin"] in ("*", "https://widget.example")
    assert again.headers["etag"] == tag
