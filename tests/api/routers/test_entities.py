"""Dereferencing `/id/{kind}/{slug}` against the real server: negotiation, contents, errors."""

from __future__ import annotations

import re

import httpx
import pyoxigraph as ox
import pytest

from kg.iris import BASE, TG, entity_iri
from tests.conftest import Server

ORTIZ = entity_iri("person", "oscar-ortiz")
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
# What rdflib sends when asked to parse a URL without a format (all its parsers' media types).
RDFLIB = (
    "application/rdf+xml, text/n3, text/turtle, application/n-triples, application/ld+json, "
    "application/n-quads, application/trix, application/trig"
)
# A weighted Accept in the manner of Jena's RIOT: RDF first, anything else far behind.
JENA = "text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,application/rdf+xml;q=0.7,*/*;q=0.3"

ORTIZ_QUOTES = {
    "They have to stop murdering citizens, extorting families, killing police, murdering soldiers,",
    "desist.",
    "We will not stop, we will continue attacking those who insist on acting outside of the law, "
    "and this year we’re going to [attack] even harder,",
}


@pytest.fixture(scope="module")
def client(server: Server) -> httpx.Client:
    with server.client() as c:
        yield c


def parse(response: httpx.Response, fmt: ox.RdfFormat) -> ox.Store:
    store = ox.Store()
    store.load(response.content, format=fmt)
    return store


def objects(store: ox.Store, s: str, p: str) -> set[str]:
    return {q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), None)}


def subjects(store: ox.Store, p: str, o: str) -> set[str]:
    return {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(p), ox.NamedNode(o))}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (BROWSER, "text/html"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        (RDFLIB, "text/turtle"),
        (JENA, "text/turtle"),
        ("application/rdf+xml;q=0.9, text/turtle;q=0.5, text/html;q=0.4", "application/rdf+xml"),
        ("text/html;q=0.5, application/ld+json;q=0.8", "application/ld+json"),
        ("text/turtle;q=0.3, text/html", "text/html"),
        ("text/turtle, */*", "text/turtle"),
        ("*/*", "text/html"),
        (None, "text/html"),
        ("application/json", "application/json"),  # JSON-LD, labelled as the client asked
    ],
)
def test_content_negotiation_matrix(client: httpx.Client, accept: str | None, expected: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get("/id/person/oscar-ortiz", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == expected
    assert "Accept" in r.headers["vary"]


def test_unacceptable_accept_is_406_listing_offers(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortiz", headers={"Accept": "image/png"})
    assert r.status_code == 406
    body = r.json()
    assert "text/turtle" in body["offered"] and "text/html" in body["offered"]


@pytest.mark.parametrize(
    ("ext", "media", "fmt"),
    [
        ("ttl", "text/turtle", ox.RdfFormat.TURTLE),
        ("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_extension_overrides_accept_and_parses(
    client: httpx.Client, ext: str, media: str, fmt: ox.RdfFormat
) -> None:
    r = client.get(f"/id/person/oscar-ortiz.{ext}", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == media
    store = parse(r, fmt)
    assert ox.Literal("Oscar Ortiz", language="en") in {
        q.object for q in store.quads_for_pattern(ox.NamedNode(ORTIZ), RDFS_LABEL, None)
    }


def test_every_format_carries_the_same_description(client: httpx.Client) -> None:
    sizes = {
        ext: len(parse(client.get(f"/id/person/oscar-ortiz.{ext}"), fmt))
        for ext, fmt in (
            ("ttl", ox.RdfFormat.TURTLE),
            ("nt", ox.RdfFormat.N_TRIPLES),
            ("jsonld", ox.RdfFormat.JSON_LD),
            ("rdf", ox.RdfFormat.RDF_XML),
        )
    }
    assert len(set(sizes.values())) == 1, sizes
    assert sizes["ttl"] > 50


def test_bounded_description_of_oscar_ortiz(client: httpx.Client) -> None:
    store = parse(
        client.get("/id/person/oscar-ortiz", headers={"Accept": "text/turtle"}), ox.RdfFormat.TURTLE
    )
    statements = subjects(store, TG + "speaker", ORTIZ)
    assert statements == {
        entity_iri("statement", s)
        for s in (
            "oscar-ortiz-cannot-negotiate",
            "oscar-ortiz-gangs-must-desist",
            "oscar-ortiz-keep-attacking",
            "oscar-ortiz-reintegration-bill",
        )
    }
    quotes = {q for s in statements for q in objects(store, s, TG + "hasQuote")}
    assert {t for q in quotes for t in objects(store, q, TG + "text")} == ORTIZ_QUOTES
    # the quotes' text positions (hash IRIs) come along, with their offsets
    for q in quotes:
        (position,) = objects(store, q, TG + "position")
        assert position == q + "#position"
        assert objects(store, position, "http://www.w3.org/ns/oa#start")
    stances = {
        (next(iter(objects(store, s, TG + "onIssue"))), next(iter(objects(store, s, TG + "stanceValue"))))
        for s in subjects(store, TG + "stanceOf", ORTIZ)
    }
    assert stances == {
        (entity_iri("issue", "negotiating-with-gangs"), TG + "reject"),
        (entity_iri("issue", "repression-of-gangs"), TG + "favourable"),
        (entity_iri("issue", "reintegration-of-gang-members"), TG + "favourable"),
    }
    (tenure,) = subjects(store, TG + "holder", ORTIZ)
    assert objects(store, tenure, TG + "post") == {entity_iri("post", "vice-president-of-el-salvador")}
    # neighbours are named, not described: the outlet's label is there, its own links are not
    el_mundo = entity_iri("organization", "el-mundo")
    assert "El Mundo" in objects(store, el_mundo, RDFS_LABEL.value)
    assert not objects(store, el_mundo, TG + "basedIn")
    # bounded: nothing of another speaker's statements
    assert not any(
        q.subject.value.startswith(BASE + "id/statement/howard-cotto")
        for q in store.quads_for_pattern(None, None, None)
    )


def test_html_page_shows_what_a_reader_needs(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortiz", headers={"Accept": BROWSER})
    html = r.text
    assert "<h1>Oscar Ortiz</h1>" in html
    assert "Vice President of El Salvador" in html  # office
    assert "attested 2017-01" in html
    for quote in ORTIZ_QUOTES:  # verbatim quotes (HTML-escaped by Jinja)
        assert quote in html
    assert 'href="/id/organization/el-mundo">El Mundo</a>' in html  # outlet, linked locally
    assert "stance-reject" in html and "negotiating with the gangs" in html
    assert "Wikidata: not linked yet" in html
    assert 'href="/id/quote/oscar-ortiz-stop-murdering#position"' in html  # link to the passage
    assert "#:~:text=" in html  # text-fragment link to the original page
    assert (
        "/query?query=DESCRIBE%20%3Chttps%3A%2F%2Fw3id.org%2Ftregua%2Fid%2Fperson%2Foscar-ortiz%3E" in html
    )
    assert 'href="/ontology#Person"' in html  # the type links to its ontology section
    assert "https://w3id.org/tregua/id/person/oscar-ortiz" in html


def test_quote_page_highlights_the_passage(client: httpx.Client, article_text: str) -> None:
    html = client.get("/id/quote/oscar-ortiz-stop-murdering", headers={"Accept": BROWSER}).text
    assert 'id="position"' in html  # the hash IRI quote#position resolves into this document
    marked = re.search(r'<mark id="passage-quote">(.*?)</mark>', html, re.S)
    assert marked is not None
    assert marked.group(1) == article_text[994:1087]
    assert 'Said by <strong><a href="/id/person/oscar-ortiz">Oscar Ortiz</a>' in html


def test_linked_entity_shows_its_wikidata_link(client: httpx.Client) -> None:
    html = client.get("/id/place/el-salvador", headers={"Accept": BROWSER}).text
    assert 'href="http://www.wikidata.org/entity/Q792"' in html
    assert "not linked yet" not in html


def test_percent_encoded_hash_iri_redirects_to_its_document(client: httpx.Client) -> None:
    r = client.get("/id/quote/oscar-ortiz-desist%23position", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/id/quote/oscar-ortiz-desist#position"


def test_iris_do_not_depend_on_the_host(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortiz.nt", headers={"Host": "tregua.example.org"})
    assert f"<{ORTIZ}> <{RDFS_LABEL.value}>" in r.text
    assert "tregua.example.org" not in r.text


def test_unknown_entity_html_404_suggests_the_closest_names(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortis", headers={"Accept": BROWSER})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert '<a href="/id/person/oscar-ortiz">Oscar Ortiz</a>' in r.text


@pytest.mark.parametrize(
    "path", ["/id/person/oscar-ortis", "/id/persons/oscar-ortiz", "/id/person/Oscar_Ortiz"]
)
def test_unknown_entity_json_404_suggests_the_closest_names(client: httpx.Client, path: str) -> None:
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "NotFound"
    assert body["suggestions"][0] == ORTIZ


def test_bad_page_parameter_is_400(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortiz?page=0", headers={"Accept": "text/turtle"})
    assert r.status_code == 400
    assert "page" in r.text


def test_etag_gives_304_and_head_has_no_body(client: httpx.Client) -> None:
    first = client.get("/id/person/oscar-ortiz.ttl")
    again = client.get("/id/person/oscar-ortiz.ttl", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    head = client.head("/id/person/oscar-ortiz", headers={"Accept": "text/turtle"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("text/turtle")


def test_alternate_links_advertise_the_rdf(client: httpx.Client) -> None:
    r = client.get("/id/person/oscar-ortiz", headers={"Accept": BROWSER})
    assert '</id/person/oscar-ortiz.ttl>; rel="alternate"; type="text/turtle"' in r.headers["link"]
    assert '<link rel="alternate" type="application/ld+json" href="/id/person/oscar-ortiz.jsonld">' in r.text


def test_kind_index_lists_the_entities_of_a_kind(client: httpx.Client) -> None:
    page = client.get("/id/person", headers={"Accept": BROWSER})
    assert page.status_code == 200
    assert '<a href="/id/person/oscar-ortiz">Oscar Ortiz</a>' in page.text
    listed = client.get("/id/person", headers={"Accept": "application/json"}).json()
    assert ORTIZ in {e["iri"] for e in listed["entities"]}
    assert all(e["iri"].startswith(BASE + "id/person/") for e in listed["entities"])
    missing = client.get("/id/persons", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and "/id/person" in missing.json()["suggestions"]
