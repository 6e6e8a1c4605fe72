"""RDFS / OWL RL materialisation (owlrl) into the `graph/inferred` named graph.

Only new triples about the data's own nodes are kept, and only the useful kinds: types
(so a query for `tg:Actor` finds persons and organizations) and super-property triples
(so `prov:wasAttributedTo`-style alignments answer). The axiomatic noise OWL RL adds
(`x owl:sameAs x`, `rdfs:Resource` typing, facts about literals and about the ontology's
own terms) is dropped: it would only bloat the store and confuse readers.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import owlrl
import pyoxigraph as ox
import rdflib

from kg import iris
from kg.validate import to_rdflib

NOISE_NAMESPACES = (
    iris.PREFIXES["rdf"], iris.PREFIXES["rdfs"], iris.PREFIXES["owl"], iris.PREFIXES["xsd"],
)
Semantics = Literal["owlrl", "rdfs"]


Node = rdflib.term.Node


def _useful(s: Node, p: Node, o: Node, data_nodes: set[Node]) -> bool:
    if not isinstance(s, rdflib.URIRef) or s not in data_nodes or isinstance(o, rdflib.BNode):
        return False
    if p == rdflib.RDF.type:
        return isinstance(o, rdflib.URIRef) and not str(o).startswith(NOISE_NAMESPACES)
    return not str(p).startswith(NOISE_NAMESPACES)


def _to_ox(term: rdflib.term.Node) -> ox.NamedNode | ox.Literal:
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def infer(ontology: Iterable[ox.Quad], data: Iterable[ox.Quad], *, semantics: Semantics = "owlrl",
          graph: str = iris.GRAPH_INFERRED) -> list[ox.Quad]:
    """The entailed triples worth storing, as quads in `graph`, sorted (deterministic output).

    >>> tg = iris.TG
    >>> ont = [ox.Quad(ox.NamedNode(tg + "Person"), ox.NamedNode(iris.PREFIXES["rdfs"] + "subClassOf"),
    ...                ox.NamedNode(tg + "Actor"))]
    >>> data = [ox.Quad(ox.NamedNode("https://w3id.org/tregua/id/person/x"),
    ...                 ox.NamedNode(iris.PREFIXES["rdf"] + "type"), ox.NamedNode(tg + "Person"))]
    >>> [str(q.object) for q in infer(ont, data)]
    ['<https://w3id.org/tregua/ontology#Actor>']
    """
    data_list = list(data)
    data_graph = to_rdflib(data_list)
    data_nodes: set[rdflib.term.Node] = set(data_graph.subjects())
    combined = to_rdflib(ontology)
    combined += data_graph
    before = set(combined)
    closure = owlrl.OWLRL_Semantics if semantics == "owlrl" else owlrl.RDFS_Semantics
    owlrl.DeductiveClosure(closure, axiomatic_triples=False, datatype_axioms=False).expand(combined)
    target = ox.NamedNode(graph)
    new = [(s, p, o) for s, p, o in combined if (s, p, o) not in before and _useful(s, p, o, data_nodes)]
    quads = [ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o), target) for s, p, o in new]  # type: ignore[arg-type]
    return sorted(quads, key=str)
