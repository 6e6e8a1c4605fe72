"""The shapes and the ontology a store was built with, compiled once per distinct content."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.gate.entailment import Entailment
from kg.gate.reach import ShapeReach
from kg.gate.writer import Writer
from kg.validation.compiled import UnsupportedShape
from kg.validation.focused import FocusValidator

#: IRIs under these namespaces are vocabulary (the ontology's terms, W3C vocabularies), not data.
VOCABULARY = (iris.TG, *(iris.PREFIXES[p] for p in ("rdf", "rdfs", "owl", "xsd", "skos", "sh")))


@dataclass
class Rules:
    """The shapes and ontology the store was built with (read from its own graphs)."""

    shapes: list[ox.Quad]
    ontology: list[ox.Quad]
    shapes_graph: Any = None
    ontology_graph: Any = None
    entailment: Entailment | None = None
    vocabulary: frozenset[Any] = frozenset()
    reach: ShapeReach | None = None
    focused: FocusValidator | None = None
    """The compiled checks a write runs first (None: the shapes use what `kg.validation.compiled`
    does not compile, and every write goes to pyshacl)."""

    def is_vocabulary(self, term: Any) -> bool:
        """Classes, properties and concept-scheme values: shared by many nodes, never focus nodes."""
        return term in self.vocabulary or (isinstance(term, ox.NamedNode)
                                           and term.value.startswith(VOCABULARY))

    @classmethod
    def of(cls, store: ox.Store) -> Rules:
        from kg import paths
        from kg.validation.shacl import to_rdflib

        shapes = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_SHAPES)))
        ontology = list(store.quads_for_pattern(None, None, None, ox.NamedNode(iris.GRAPH_ONTOLOGY)))
        if not shapes:  # a store not built by `kg build`: fall back to the files
            shapes = _read_dir(paths.SHAPES_DIR)
        if not ontology:
            ontology = _read_dir(paths.ONTOLOGY_DIR)
        vocabulary = frozenset(q.subject for q in ontology)
        entailment = Entailment.of(ontology)
        try:
            focused: FocusValidator | None = FocusValidator(shapes, ontology)
        except UnsupportedShape:
            focused = None
        return cls(shapes, ontology, to_rdflib(shapes), to_rdflib(ontology), entailment, vocabulary,
                   ShapeReach(shapes, entailment.superclasses), focused)


def _read_dir(folder: Any) -> list[ox.Quad]:
    out: list[ox.Quad] = []
    for path in sorted(folder.glob("*.ttl")) if folder.is_dir() else []:
        out.extend(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    return out


_RULES: dict[int, Rules] = {}


def rules_for(writer: Writer, store: ox.Store) -> Rules:
    """The shapes and ontology of `store`, compiled once per distinct content (owlrl's closure of
    the ontology takes seconds; reading the two graphs to key the cache takes milliseconds)."""
    graphs = (ox.NamedNode(iris.GRAPH_SHAPES), ox.NamedNode(iris.GRAPH_ONTOLOGY))
    key = hash(frozenset(q for g in graphs for q in store.quads_for_pattern(None, None, None, g)))
    rules = _RULES.get(key)
    if rules is None:
        if len(_RULES) > 4:
            _RULES.clear()
        rules = _RULES[key] = Rules.of(store)
    return rules
