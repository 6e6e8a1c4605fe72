"""The shape of sources/ itself: one named graph per file, reproducible IRIs, provenance nodes."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox

from kg import iris

ID = iris.BASE + "id/"
KINDS = {"person", "organization", "place", "post", "tenure", "issue", "stance", "condition", "statement",
         "quote", "claim", "event", "participation", "source"}
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SOURCE_CLASSES = {ox.NamedNode(iris.TG + "Article"), ox.NamedNode(iris.TG + "ReferenceWork")}


def terms(quads: list[ox.Quad]) -> list[object]:
    return [t for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)]


def test_each_file_holds_one_graph_named_after_it(source_files: list[Path]) -> None:
    for path in source_files:
        graphs = {q.graph_name for q in ox.parse(path=path, format=ox.RdfFormat.TRIG)}
        assert graphs == {ox.NamedNode(iris.source_graph(path.stem))}, path.name


def test_each_graph_says_which_source_it_comes_from(source_files: list[Path]) -> None:
    for path in source_files:
        quads = list(ox.parse(path=path, format=ox.RdfFormat.TRIG))
        node = ox.NamedNode(iris.entity_iri("source", path.stem))
        types = {q.object for q in quads if q.subject == node and q.predicate == RDF_TYPE}
        assert types & SOURCE_CLASSES, f"{path.name} has no tg:Article or tg:ReferenceWork node {node}"


def test_there_are_no_blank_nodes(source_quads: list[ox.Quad]) -> None:
    assert [t for t in terms(source_quads) if isinstance(t, ox.BlankNode)] == []


def test_every_entity_iri_has_a_known_kind_and_a_readable_slug(source_quads: list[ox.Quad]) -> None:
    bad = set()
    for term in terms(source_quads):
        if isinstance(term, ox.NamedNode) and term.value.startswith(ID):
            kind, _, rest = term.value[len(ID):].partition("/")
            slug = rest.removesuffix("#position")
            if kind not in KINDS or not iris.SLUG_RE.match(slug):
                bad.add(term.value)
    assert bad == set()


def test_no_triple_is_repeated_across_graphs(source_quads: list[ox.Quad]) -> None:
    """The union view would answer it twice."""
    counts = Counter(q.triple for q in source_quads)
    assert [str(t) for t, n in counts.items() if n > 1] == []


def test_wikidata_links_live_only_in_their_own_graph(source_quads: list[ox.Quad]) -> None:
    links = {"http://www.w3.org/2004/02/skos/core#exactMatch", iris.TG + "linkStatus"}
    assert [q for q in source_quads if q.predicate.value in links] == []
    assert [t for t in terms(source_quads)
            if isinstance(t, ox.NamedNode) and t.value.startswith(iris.WIKIDATA_ENTITY)] == []
