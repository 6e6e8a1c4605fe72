"""What the search index reads from the store (`kg.linking.index_reads`), on the small real graph:
one subject's reads agree with the whole read, and which deltas only a rebuild can apply."""

from __future__ import annotations

import pyoxigraph as ox

from kg.linking.index_reads import ENTITY_BASE, MAX_TOUCHED, Touched, read_entity, read_index, read_quote
from kg.store.cache import Change
from kg.store.engine import InProcessEngine

RDFS_SUBCLASS = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
ALIAS = ox.NamedNode("https://w3id.org/tregua/ontology#alias")


def test_one_subjects_reads_agree_with_the_whole_read(mini_engine: InProcessEngine) -> None:
    entities, quotes, superclasses = read_index(mini_engine)
    assert entities and quotes
    for iri, entity in entities.items():
        assert read_entity(mini_engine, iri, superclasses) == entity
    for iri in {q.iri for q in quotes}:
        assert read_quote(mini_engine, iri) == [q for q in quotes if q.iri == iri]


def test_deltas_a_rebuild_must_apply() -> None:
    a, b = ox.NamedNode(ENTITY_BASE + "a"), ox.NamedNode(ENTITY_BASE + "b")
    hierarchy = Change("v1", "v2", (), (ox.Quad(a, RDFS_SUBCLASS, b),))
    assert Touched.of([hierarchy]) is None
    bulk = tuple(ox.Quad(ox.NamedNode(f"{ENTITY_BASE}person/p{i}"), ALIAS, ox.Literal("x"))
                 for i in range(MAX_TOUCHED + 1))
    assert Touched.of([Change("v1", "v2", (), bulk)]) is None
    assert Touched.of([Change("v1", "v2", bulk[:2], ())]) == Touched(
        subjects={f"{ENTITY_BASE}person/p0", f"{ENTITY_BASE}person/p1"})
