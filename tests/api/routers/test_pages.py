"""`/ontology`, `/shapes` and `/` against the real server: generated from the files, negotiated."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import httpx
import pyoxigraph as ox
import pytest

from kg import paths
from kg.iris import TG
from tests.conftest import Server

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def load(files: list) -> ox.Store:
    store = ox.Store()
    for f in files:
        store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="module")
def ontology() -> ox.Store:
    return load(sorted(paths.ONTOLOGY_DIR.glob("*.ttl")))


@pytest.fixture(scope="module")
def shapes() -> ox.Store:
    return load(sorted(paths.SHAPES_DIR.glob("*.ttl")))


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def declared_terms(store: ox.Store) -> set[str]:
    kinds = [OWL + "Class", OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty"]
    return {
        q.subject.value
        for k in kinds
        for q in store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(k))
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(TG)
    }


def test_every_term_iri_resolves_to_its_section(client: httpx.Client, ontology: ox.Store) -> None:
    page = client.get("/ontology", headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    anchors = ids(page.text)
    terms = declared_terms(ontology)
    assert len(terms) > 40
    missing = {t for t in terms if t.split("#", 1)[1] not in anchors}
    assert not missing


def test_a_term_section_shows_labels_definition_hierarchy_and_shapes(
    client: httpx.Client, ontology: ox.Store
) -> None:
    page = html_lib.unescape(client.get("/ontology", headers={"Accept": BROWSER}).text)
    section = page[page.index('id="Person"') :]
    section = section[: section.index("</article>")]
    person = ox.NamedNode(TG + "Person")
    for q in ontology.quads_for_pattern(person, ox.NamedNode(RDFS + "label"), None):
        assert q.object.value in section  # English and Spanish labels
    (definition,) = [
        q.object.value
        for q in ontology.quads_for_pattern(person, ox.NamedNode(SKOS + "definition"), None)
        if q.object.language in ("en", None)
    ]
    assert definition in section
    assert 'href="/ontology#Actor"' in section  # its superclass, linked to its section
    assert (
        'href="/shapes#PersonShape"' in section or 'href="/shapes#' in section
    )  # the shapes constraining it


def test_properties_show_domain_and_range(client: httpx.Client) -> None:
    page = client.get("/ontology", headers={"Accept": BROWSER}).text
    section = page[page.index('id="holder"') :]
    section = section[: section.index("</article>")]
    assert "Domain</dt><dd>" in section and 'href="/ontology#Tenure"' in section
    assert "Range</dt><dd>" in section and 'href="/ontology#Person"' in section


def test_ontology_turtle_is_the_file(client: httpx.Client) -> None:
    r = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    (only,) = sorted(paths.ONTOLOGY_DIR.glob("*.ttl"))
    assert r.content == only.read_bytes()
    assert "Accept" in r.headers["vary"]


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_ontology_and_shapes_in_other_formats_hold_the_same_triples(
    client: httpx.Client, ontology: ox.Store, shapes: ox.Store, accept: str, fmt: ox.RdfFormat
) -> None:
    for path, expected in (("/ontology", ontology), ("/shapes", shapes)):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 200 and r.headers["content-type"].startswith(accept)
        got = ox.Store()
        got.load(r.content, format=fmt)
        assert len(got) == len(expected)
        named = {
            q
            for q in expected
            if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)
        }
        assert named <= set(got)


def test_extensions_on_documents(client: httpx.Client) -> None:
    assert client.get("/ontology.ttl").headers["content-type"].startswith("text/turtle")
    assert client.get("/shapes.nt").headers["content-type"].startswith("application/n-triples")
    assert client.get("/ontology.xyz").status_code == 404


def test_every_shape_has_an_anchor_and_its_messages(client: httpx.Client, shapes: ox.Store) -> None:
    page = client.get("/shapes", headers={"Accept": BROWSER})
    assert page.status_code == 200
    text = html_lib.unescape(page.text)
    anchors = ids(page.text)
    node_shapes = {
        q.subject.value
        for q in shapes.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(SH + "NodeShape"))
        if isinstance(q.subject, ox.NamedNode)
    }
    assert node_shapes
    assert {s for s in node_shapes if re.split(r"[#/]", s)[-1] not in anchors} == set()
    messages = {q.object.value for q in shapes.quads_for_pattern(None, ox.NamedNode(SH + "message"), None)}
    assert messages and all(m in text for m in messages)


def test_shape_iris_in_the_ontology_namespace_resolve_from_the_ontology_page(
    client: httpx.Client, shapes: ox.Store
) -> None:
    anchors = ids(client.get("/ontology", headers={"Accept": BROWSER}).text)
    in_tg = {
        q.subject.value
        for q in shapes.quads_for_pattern(None, ox.NamedNode(RDF + "type"), ox.NamedNode(SH + "NodeShape"))
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(TG)
    }
    assert {s for s in in_tg if s[len(TG) :] not in anchors} == set()


def test_home_page_has_search_editor_canned_queries_and_links(client: httpx.Client) -> None:
    page = client.get("/", headers={"Accept": BROWSER})
    assert page.status_code == 200
    html = page.text
    assert '<form class="search-form" action="/search" method="get"' in html
    assert '<textarea id="query" name="query"' in html and 'action="/sparql"' in html
    for link in ('href="/ontology"', 'href="/shapes"', 'href="/docs"', 'href="/sparql"', 'href="/queries"'):
        assert link in html
    listed = client.get("/queries", headers={"Accept": "application/json"}).json()
    names = [q["name"] for q in (listed["queries"] if isinstance(listed, dict) else listed)]
    assert names
    for name in names:
        assert f'<code class="muted">{name}</code>' in html
    assert client.get("/static/editor.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/../main.py").status_code == 404


def test_home_editor_can_be_prefilled(client: httpx.Client) -> None:
    r = client.get("/", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": BROWSER})
    assert "ASK { ?s ?p ?o }</textarea>" in r.text


def test_ontology_page_embeds_the_class_diagram(client: httpx.Client) -> None:
    page = client.get("/ontology", headers={"Accept": BROWSER}).text
    figure = page[page.index('<figure class="diagram"'):]
    figure = figure[:figure.index("</svg>")]
    assert "<svg" in figure and "<?xml" not in figure
    for cls in ("Person", "Statement", "Quote", "Stance", "Event"):
        assert f">{cls}<" in figure or f">tg:{cls}<" in figure, cls
    # each box is a link named by its visible text (no aria-label that would differ from it)
    assert '<a href="#Person">' in figure and "aria-label" not in figure


@pytest.mark.parametrize("index", range(6))
def test_every_editor_example_answers_on_the_real_graph(client: httpx.Client, index: int) -> None:
    from api.routers.pages import EXAMPLES

    assert len(EXAMPLES) == 6
    r = client.post("/sparql", data={"query": EXAMPLES[index]["query"]},
                    headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    assert r.json()["results"]["bindings"], EXAMPLES[index]["title"]


def test_bundles_built_at_install_are_served_by_the_app(client: httpx.Client) -> None:
    """`make install` bundles web/ into api/static/dist/; the app serves them, nothing else."""
    bundle = client.get("/static/dist/query.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/dist/vis-timeline.css").headers["content-type"].startswith("text/css")
    for bad in ("/static/dist/..%2F..%2Fmain.py", "/static/dist/.built", "/static/dist/nothing.js"):
        assert client.get(bad).status_code == 404, bad


def test_bundles_go_gzipped_to_browsers_that_accept_it(client: httpx.Client) -> None:
    """The query page's bundle is ~2 MB: a browser that accepts gzip gets web/build.mjs's gzip copy
    (same bytes once inflated, a fraction of the size); a client that does not gets the plain file."""
    plain = client.get("/static/dist/query.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["vary"]
    packed = client.get("/static/dist/query.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.status_code == 200 and packed.headers["content-encoding"] == "gzip"
    assert packed.headers["content-type"].startswith("text/javascript")
    assert packed.content == plain.content  # httpx inflates it
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert client.get("/static/dist/query.js.gz").status_code == 404  # only by negotiation
    for answer, encoding in ((plain, "identity"), (packed, "gzip")):  # revalidation after max-age
        again = client.get("/static/dist/query.js", headers={"Accept-Encoding": encoding,
                                                             "If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", encoding
    assert plain.headers["etag"] != packed.headers["etag"]
