"""The project's graphs as the checks see them: ontology, shapes and data in their named graphs.

Read straight from the files (ontology/, shapes/, sources/*.trig) plus the Wikidata links
graph that ``kg.build.links`` derives, so that these tests judge the model and the facts without
depending on the build pipeline that is itself judged by them.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import rdflib

from kg import iris, paths

ONTOLOGY_FILE = paths.ONTOLOGY_DIR / "tregua.ttl"
CORE_SHAPES_FILE = paths.SHAPES_DIR / "core.ttl"
RECOMMENDED_SHAPES_FILE = paths.SHAPES_DIR / "recommended.ttl"
SHAPES_FILES = (CORE_SHAPES_FILE, RECOMMENDED_SHAPES_FILE)


def parse_file(path: Path, graph: str) -> list[ox.Quad]:
    """The triples of one Turtle file, placed in `graph`."""
    name = ox.NamedNode(graph)
    with path.open("rb") as f:
        return [ox.Quad(q.subject, q.predicate, q.object, name)
                for q in ox.parse(f, format=ox.RdfFormat.TURTLE, base_iri=iris.BASE + "id/")]


def ontology_quads() -> list[ox.Quad]:
    return parse_file(ONTOLOGY_FILE, iris.GRAPH_ONTOLOGY)


def shapes_quads() -> list[ox.Quad]:
    return [q for f in SHAPES_FILES for q in parse_file(f, iris.GRAPH_SHAPES)]


def source_quads() -> list[ox.Quad]:
    """Every quad of sources/*.trig, in the named graph each file declares."""
    quads: list[ox.Quad] = []
    for path in sorted(paths.SOURCES_DIR.glob("*.trig")):
        with path.open("rb") as f:
            quads.extend(ox.parse(f, format=ox.RdfFormat.TRIG, base_iri=iris.BASE + "id/"))
    return quads


def described_entities(quads: list[ox.Quad]) -> set[str]:
    """The entities the sources describe: subjects under id/, hash IRIs (positions) excluded."""
    prefix = iris.BASE + "id/"
    subjects = {q.subject.value for q in quads if isinstance(q.subject, ox.NamedNode)}
    return {s for s in subjects if s.startswith(prefix) and "#" not in s}


def wikidata_quads(shared_dir: Path, data: list[ox.Quad]) -> list[ox.Quad]:
    """graph/wikidata as the build makes it: checked QIDs, tg:notLinked for the rest."""
    from kg.build.links import links_quads

    return list(links_quads(shared_dir, described_entities(data)))


def data_quads(shared_dir: Path) -> list[ox.Quad]:
    """What SHACL validates and the reasoner checks: every source graph plus graph/wikidata."""
    data = source_quads()
    return data + wikidata_quads(shared_dir, data)


def project_store(shared_dir: Path) -> ox.Store:
    """An in-memory store laid out like the built one (ontology, shapes, sources, wikidata graphs)."""
    store = ox.Store()
    store.extend(ontology_quads() + shapes_quads() + data_quads(shared_dir))
    return store


def to_rdflib(quads: list[ox.Quad] | list[ox.Triple]) -> rdflib.Graph:
    """The triples of `quads` (graph names dropped) as an rdflib Graph, via N-Triples."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    graph = rdflib.Graph()
    text = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    graph.parse(data=text, format="nt")
    return graph
