"""The W3C Graph Store Protocol tests (w3c/rdf-tests, sparql/sparql11/graph-store-protocol/manifest.ttl).

One test per manifest entry, named after it, first with indirect identification
(`/rdf-graph-store?graph=http://www.example/gsp/person/1.ttl`: the manifest's connection
authority is www.example), then as the manifest writes them, with direct identification
(`/rdf-graph-store/person/1.ttl`, the request URL being the graph IRI): `test_direct_*`.
Writes carry the bearer token. Responses are compared as graphs (isomorphism).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from tests.conftest import UPDATE_TOKEN, Server

STORE = "/rdf-graph-store"
PERSON = "http://www.example/gsp/person/{}.ttl"
AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}
TURTLE = {"Content-Type": "text/turtle; charset=utf-8", **AUTH}
PREFIXES = "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n@prefix v: <http://www.w3.org/2006/vcard/ns#> .\n"
JOHN = (
    PREFIXES
    + '<http://www.example/gsp/person/1> a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "John Doe" ].'
)
JANE = (
    PREFIXES
    + '<http://www.example/gsp/person/1> a foaf:Person; foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ].'
)
ALICE = PREFIXES + '[] a foaf:Person; foaf:businessCard [ a v:VCard; v:given-name "Alice" ] .'


@pytest.fixture(scope="module")
def gsp(make_server: Callable[..., Server]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=make_server().url, timeout=120) as client:
        yield client


def graph(person: int) -> dict[str, str]:
    return {"graph": PERSON.format(person)}


def same_graph(response: httpx.Response, expected_turtle: str) -> bool:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    got = rdflib.Graph().parse(data=response.text, format="turtle")
    return isomorphic(got, rdflib.Graph().parse(data=expected_turtle, format="turtle"))


def test_put_get_repeat(gsp: httpx.Client) -> None:
    assert gsp.put(STORE, params=graph(1), content=JOHN.encode(), headers=TURTLE).status_code == 201
    assert same_graph(gsp.get(STORE, params=graph(1), headers={"Accept": "text/turtle"}), JOHN)
    assert gsp.put(STORE, params=graph(1), content=JANE.encode(), headers=TURTLE).status_code in (200, 204)
    assert same_graph(gsp.get(STORE, params=graph(1), headers={"Accept": "text/turtle"}), JANE)


def test_put_get_default(gsp: httpx.Client) -> None:
    assert gsp.put(STORE, params={"default": ""}, content=ALICE.encode(), headers=TURTLE).status_code in (
        200,
        204,
    )
    assert same_graph(gsp.get(STORE, params={"default": ""}, headers={"Accept": "text/turtle"}), ALICE)


def test_put_delete_get_delete(gsp: httpx.Client) -> None:
    assert gsp.put(STORE, params=graph(2), content=ALICE.encode(), headers=TURTLE).status_code in (
        200,
        201,
        204,
    )
    assert gsp.delete(STORE, params=graph(2), headers=AUTH).status_code in (200, 204)
    assert gsp.get(STORE, params=graph(2)).status_code == 404
    assert gsp.delete(STORE, params=graph(2), headers=AUTH).status_code in (404, 200, 204)


def test_post_get_post_get(gsp: httpx.Client) -> None:
    # The manifest POSTs Jane's card onto the graph put_get_repeat left holding the same card and
    # expects one card back; RDF merge (which POST is) keeps two blank-node cards. So the graph
    # starts empty here (PUT of an empty document): the rest is the manifest's sequence.
    assert gsp.put(STORE, params=graph(1), content=b"", headers=TURTLE).status_code in (201, 204)
    assert gsp.post(STORE, params=graph(1), content=JANE.encode(), headers=TURTLE).status_code in (200, 204)
    assert same_graph(gsp.get(STORE, params=graph(1), headers={"Accept": "text/turtle"}), JANE)
    boundary = "a6fe4cd636164618814be9f8d3d1a0de"
    multipart = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="lastName.ttl"; filename="lastName.ttl"\r\n'
        "Content-Type: text/turtle; charset=utf-8\r\n\r\n@prefix foaf: <http://xmlns.com/foaf/0.1/> .\r\n"
        '<http://www.example/gsp/person/1> foaf:familyName "Doe" .\r\n\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="firstName.ttl"; filename="firstName.ttl"\r\n'
        "Content-Type: text/turtle; charset=utf-8\r\n\r\n@prefix foaf: <http://xmlns.com/foaf/0.1/> .\r\n"
        '<http://www.example/gsp/person/1> foaf:givenName "Jane" .\r\n\r\n'
        f"--{boundary}--\r\n"
    )
    response = gsp.post(
        STORE,
        params=graph(1),
        content=multipart.encode(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **AUTH},
    )
    assert response.status_code in (200, 204), response.text
    expected = PREFIXES + (
        '<http://www.example/gsp/person/1> a foaf:Person; foaf:givenName "Jane"; '
        'foaf:familyName "Doe"; foaf:businessCard [ a v:VCard; v:fn "Jane Doe" ] .'
    )
    assert same_graph(gsp.get(STORE, params=graph(1), headers={"Accept": "text/turtle"}), expected)


def test_post_get_new_graph(gsp: httpx.Client) -> None:
    response = gsp.post(STORE, content=ALICE.encode(), headers=TURTLE)
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location.startswith("https://w3id.org/tregua/graph/upload/")
    assert same_graph(gsp.get(STORE, params={"graph": location}, headers={"Accept": "text/turtle"}), ALICE)


def test_head_existing(gsp: httpx.Client) -> None:
    assert gsp.put(STORE, params=graph(1), content=JOHN.encode(), headers=TURTLE).status_code in (
        200,
        201,
        204,
    )
    response = gsp.head(STORE, params=graph(1), headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"
    assert response.content == b""


def test_head_non_existing(gsp: httpx.Client) -> None:
    response = gsp.head(STORE, params=graph(4), headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 404


# ----------------------------------------------------------------------------- beyond the manifest


def test_get_is_content_negotiated(gsp: httpx.Client) -> None:
    gsp.put(STORE, params=graph(5), content=JOHN.encode(), headers=TURTLE)
    for accept, fmt in (
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
    ):
        response = gsp.get(STORE, params=graph(5), headers={"Accept": accept})
        assert response.headers["content-type"].split(";")[0] == accept
        assert len(list(ox.parse(response.content, format=fmt))) == 4
    assert gsp.get(STORE, params=graph(5), headers={"Accept": "image/png"}).status_code == 406


def test_writes_need_the_token(gsp: httpx.Client) -> None:
    body = JOHN.encode()
    assert (
        gsp.put(STORE, params=graph(6), content=body, headers={"Content-Type": "text/turtle"}).status_code
        == 401
    )
    wrong = {"Content-Type": "text/turtle", "Authorization": "Bearer wrong"}
    assert gsp.put(STORE, params=graph(6), content=body, headers=wrong).status_code == 403
    assert gsp.delete(STORE, params=graph(1)).status_code == 401
    assert gsp.get(STORE, params=graph(6)).status_code == 404


def test_bad_payloads_are_refused_without_writing(gsp: httpx.Client) -> None:
    bad_turtle = gsp.put(STORE, params=graph(7), content=b"<a> <b> .", headers=TURTLE)
    assert bad_turtle.status_code == 400 and "does not parse" in bad_turtle.json()["message"]
    wrong_type = gsp.put(STORE, params=graph(7), content=b"x", headers={"Content-Type": "image/png", **AUTH})
    assert wrong_type.status_code == 415 and "text/turtle" in wrong_type.json()["accepted"]
    quads = gsp.put(
        STORE,
        params=graph(7),
        content=b"<http://a> <http://b> <http://c> <http://g> .",
        headers={"Content-Type": "application/n-quads", **AUTH},
    )
    assert quads.status_code == 400
    assert gsp.get(STORE, params=graph(7)).status_code == 404


# ----------------------------------------------------------------------------- direct identification
# The manifest's requests as written: the request URL itself is the graph IRI (protocol §4.1).

DIRECT = STORE + "/person/{}.ttl"


def direct(gsp: httpx.Client, person: int) -> tuple[str, str]:
    """(path, graph IRI) of a directly identified graph."""
    path = DIRECT.format(person)
    return path, str(gsp.base_url).rstrip("/") + path


def test_direct_put_initial_state(gsp: httpx.Client) -> None:
    path, iri = direct(gsp, 11)
    assert gsp.put(path, content=JOHN.encode(), headers=TURTLE).status_code == 201
    assert gsp.get(STORE, params={"graph": iri}).status_code == 200  # the same graph, named indirectly


def test_direct_get_of_put_initial_state(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 12)
    gsp.put(path, content=JOHN.encode(), headers=TURTLE)
    assert same_graph(gsp.get(path, headers={"Accept": "text/turtle"}), JOHN)


def test_direct_put_graph_already_in_store(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 13)
    gsp.put(path, content=JOHN.encode(), headers=TURTLE)
    assert gsp.put(path, content=JANE.encode(), headers=TURTLE).status_code == 204
    assert same_graph(gsp.get(path, headers={"Accept": "text/turtle"}), JANE)


def test_direct_post_existing_graph(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 14)
    gsp.put(path, content=b"", headers=TURTLE)
    assert gsp.post(path, content=JANE.encode(), headers=TURTLE).status_code == 204
    assert same_graph(gsp.get(path, headers={"Accept": "text/turtle"}), JANE)


def test_direct_head_on_an_existing_graph(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 15)
    gsp.put(path, content=JOHN.encode(), headers=TURTLE)
    response = gsp.head(path, headers={"Accept": "text/turtle; charset=utf-8"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"] == "text/turtle; charset=utf-8"


def test_direct_head_on_a_non_existing_graph(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 16)
    assert gsp.head(path, headers={"Accept": "text/turtle"}).status_code == 404


def test_direct_delete_existing_graph(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 17)
    gsp.put(path, content=JOHN.encode(), headers=TURTLE)
    assert gsp.delete(path, headers=AUTH).status_code == 204
    assert gsp.get(path, headers={"Accept": "text/turtle"}).status_code == 404  # GET of DELETE


def test_direct_delete_non_existent_graph(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 18)
    assert gsp.delete(path, headers=AUTH).status_code == 404


def test_direct_url_with_graph_parameter_is_refused(gsp: httpx.Client) -> None:
    path, _ = direct(gsp, 19)
    response = gsp.put(path, params=graph(19), content=JOHN.encode(), headers=TURTLE)
    assert response.status_code == 400 and response.json()["parameter"] == "graph"
    assert gsp.get(path).status_code == 404
