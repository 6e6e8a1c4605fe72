"""The build: reproducible quads, the graphs the architecture names, useful inferences only."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris, paths
from kg.build.inference import infer
from kg.build.pipeline import build
from kg.build.sources import first_line_mentioning, parse_file
from kg.store import quads_digest, store_version
from tests.kg.helpers import nquads

TG = iris.TG
RDF_TYPE = ox.NamedNode(iris.PREFIXES["rdf"] + "type")


INFERRED = ox.NamedNode(iris.GRAPH_INFERRED)
ONTOLOGY = ox.NamedNode(iris.GRAPH_ONTOLOGY)


def ask(store: ox.Store, query: str, **bindings: ox.NamedNode) -> bool:
    """ASK over the union of graphs; graph names are bound (``?inferred``), never pasted in."""
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    return bool(store.query(iris.sparql_prologue() + query, use_default_graph_as_union=True,
                            substitutions=subs))


def select(store: ox.Store, query: str, **bindings: ox.NamedNode) -> set[ox.NamedNode]:
    subs = {ox.Variable(k): v for k, v in bindings.items()}
    rows = store.query(iris.sparql_prologue() + query, use_default_graph_as_union=True, substitutions=subs)
    return {r["x"] for r in rows}  # type: ignore[union-attr,misc]


def test_two_builds_give_identical_quads(built_store: Path, tmp_path: Path, shared_dir: Path) -> None:
    report = build(tmp_path / "again", shared_dir=shared_dir, progress=False)
    assert nquads(tmp_path / "again") == nquads(built_store)
    assert report.version == store_version(built_store) == store_version(tmp_path / "again")


def test_memory_store_holds_what_the_disk_store_holds(memory_store: ox.Store, built_store: Path) -> None:
    on_disk = ox.Store.read_only(str(built_store))
    assert quads_digest(memory_store) == quads_digest(on_disk)
    assert len(memory_store) == len(on_disk) > 1000


def test_rebuild_swaps_in_and_leaves_no_debris(tmp_path: Path, shared_dir: Path) -> None:
    target = tmp_path / "store"
    first = build(target, shared_dir=shared_dir, progress=False)
    second = build(target, shared_dir=shared_dir, progress=False)
    assert first.version == second.version == store_version(target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_graphs_named_in_the_architecture(memory_store: ox.Store) -> None:
    graphs = {g.value for g in memory_store.named_graphs()}  # type: ignore[union-attr]
    expected = {iris.GRAPH_ONTOLOGY, iris.GRAPH_INFERRED}
    expected |= {iris.source_graph(p.stem) for p in paths.SOURCES_DIR.glob("*.trig")}
    if any(paths.SHAPES_DIR.glob("*.ttl")):
        expected.add(iris.GRAPH_SHAPES)
    assert expected <= graphs
    assert iris.source_graph("insightcrime-2017-01-ms13-dialogue") in graphs
    assert not any(True for _ in memory_store.quads_for_pattern(None, None, None, ox.DefaultGraph()))


def test_no_blank_nodes_in_the_data(memory_store: ox.Store) -> None:
    """Data IRIs only (reproducible, dereferenceable); blank nodes live in ontology and shapes."""
    with_blank_nodes = {q.graph_name.value for q in memory_store  # type: ignore[union-attr]
                        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)}
    assert with_blank_nodes <= {iris.GRAPH_ONTOLOGY, iris.GRAPH_SHAPES}


def test_query_for_actors_finds_persons_and_organizations(memory_store: ox.Store) -> None:
    stated = "SELECT ?x ?inferred WHERE { GRAPH ?g { ?x a tg:Person } FILTER(?g != ?inferred) }"
    persons = select(memory_store, stated, inferred=INFERRED)
    actors = select(memory_store, "SELECT ?x WHERE { ?x a tg:Actor }")
    assert persons and persons <= actors
    # a gang is an organization and an actor only by inference
    assert ask(memory_store, "ASK { GRAPH ?inferred { ?o a tg:Actor, tg:Organization } }", inferred=INFERRED)


def test_inferred_graph_holds_only_new_useful_triples(memory_store: ox.Store) -> None:
    for noise in ("?x owl:sameAs ?y", "?x a rdfs:Resource", "?x a owl:Thing", "?x a rdf:Property"):
        assert not ask(memory_store, "ASK { GRAPH ?inferred { " + noise + " } }", inferred=INFERRED)
    already_stated = "ASK { GRAPH ?inferred { ?x ?p ?o } GRAPH ?g { ?x ?p ?o } FILTER(?g != ?inferred) }"
    assert not ask(memory_store, already_stated, inferred=INFERRED)
    # nothing about the ontology's own terms (that is the ontology's business, not the data's)
    assert not ask(memory_store, "ASK { GRAPH ?inferred { ?x ?p ?o } GRAPH ?ontology { ?x a owl:Class } }",
                   inferred=INFERRED, ontology=ONTOLOGY)
    assert any(True for _ in memory_store.quads_for_pattern(None, None, None, INFERRED))


def test_infer_keeps_types_and_super_properties() -> None:
    rdfs = iris.PREFIXES["rdfs"]
    x, y = ox.NamedNode(iris.entity_iri("person", "x")), ox.NamedNode(iris.entity_iri("organization", "y"))
    ont = [ox.Quad(ox.NamedNode(TG + "Person"), ox.NamedNode(rdfs + "subClassOf"),
                   ox.NamedNode(TG + "Actor")),
           ox.Quad(ox.NamedNode(TG + "memberOf"), ox.NamedNode(rdfs + "subPropertyOf"),
                   ox.NamedNode("http://www.w3.org/ns/org#memberOf"))]
    data = [ox.Quad(x, RDF_TYPE, ox.NamedNode(TG + "Person")), ox.Quad(x, ox.NamedNode(TG + "memberOf"), y)]
    got = {(q.subject.value, q.predicate.value, q.object.value) for q in infer(ont, data)}  # type: ignore[union-attr]
    assert got == {(x.value, RDF_TYPE.value, TG + "Actor"),
                   (x.value, "http://www.w3.org/ns/org#memberOf", y.value)}


def test_blank_nodes_get_the_same_labels_every_time(tmp_path: Path) -> None:
    path = tmp_path / "shapes.ttl"
    path.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                    "<http://e/S> sh:property [ sh:path <http://e/p> ; sh:minCount 1 ] ,\n"
                    "                         [ sh:path <http://e/q> ; sh:maxCount 1 ] .\n", encoding="utf-8")
    first = parse_file(path, graph=iris.GRAPH_SHAPES).quads
    second = parse_file(path, graph=iris.GRAPH_SHAPES).quads
    assert sorted(map(str, first)) == sorted(map(str, second))
    nodes = {q.object.value for q in first if q.predicate.value.endswith("#property")}  # type: ignore[union-attr]
    assert len(nodes) == 2
    assert all(isinstance(q.object, ox.BlankNode) for q in first if q.predicate.value.endswith("#property"))
    other = tmp_path / "other.ttl"
    other.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    elsewhere = {q.object.value for q in parse_file(other, graph=iris.GRAPH_SHAPES).quads  # type: ignore[union-attr]
                 if q.predicate.value.endswith("#property")}
    assert not nodes & elsewhere, "two files must never share a blank node"


@pytest.mark.parametrize(("text", "iri", "line"), [
    ("@prefix ex: <http://e/> .\nex:a ex:b ex:c .\n", "http://e/b", 2),
    ("@prefix ex: <http://e/> .\n# ex:b in a comment\n<http://x> <http://e/b> 1 .\n", "http://e/b", 3),
    ("@prefix ex: <http://e/> .\nex:bc ex:a 1 .\nex:b ex:a 2 .\n", "http://e/b", 3),
    ("@prefix ex: <http://e/> .\nex:a ex:b 1 .\n", "http://e/zz", None),
    ("@base <http://e/> .\n<x> <http://p/q> 1 .\n<a#position> <http://p/q> 2 .\n", "http://e/a#position", 3),
])
def test_first_line_mentioning(text: str, iri: str, line: int | None) -> None:
    assert first_line_mentioning(text, iri) == line


def test_oxigraph_engines_build_the_same_store(built_store: Path, tmp_path: Path, shared_dir: Path) -> None:
    report = build(tmp_path / "fast", shared_dir=shared_dir, progress=False, engine="oxigraph",
                   semantics="oxigraph")
    assert nquads(tmp_path / "fast") == nquads(built_store)
    assert report.version == store_version(built_store)
