"""Step 2's rules.

The ontology's schema closed once (owlrl), then applied per write to the nodes a change touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.gate.dataset import is_node
from kg.vocab import RDF_TYPE


class Entailment:
    """The ontology's schema closed once (owlrl, as the build does), then applied per write.

    Running owlrl over the whole ontology for every write costs seconds; the schema does not change
    between writes, so its closure is computed once and a write applies only the instance rules
    that the build's inferred graph holds: super-classes, super-properties, domains, ranges,
    inverse and symmetric properties.
    """

    def __init__(self, superclasses: dict[Any, set[Any]], superproperties: dict[Any, set[Any]],
                 domains: dict[Any, set[Any]], ranges: dict[Any, set[Any]],
                 inverses: dict[Any, set[Any]]) -> None:
        self.superclasses = superclasses
        self.superproperties = superproperties
        self.domains = domains
        self.ranges = ranges
        self.inverses = inverses

    @classmethod
    def of(cls, ontology: list[ox.Quad]) -> Entailment:
        import owlrl

        from kg.validation.shacl import from_rdflib, to_rdflib

        graph = to_rdflib(ontology)
        closure = owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                                         datatype_axioms=False)
        closure.expand(graph)
        rdfs, owl = iris.PREFIXES["rdfs"], iris.PREFIXES["owl"]

        def pairs(predicate: str) -> dict[Any, set[Any]]:
            out: dict[Any, set[Any]] = {}
            for s_, _, o_ in graph.triples((None, rdflib_uri(predicate), None)):
                if _named(s_) and _named(o_) and s_ != o_:
                    out.setdefault(from_rdflib(s_), set()).add(from_rdflib(o_))
            return out

        inverses = pairs(owl + "inverseOf")
        for a, bs in list(inverses.items()):
            for b in bs:
                inverses.setdefault(b, set()).add(a)
        symmetric = rdflib_uri(owl + "SymmetricProperty")
        for s_ in graph.subjects(rdflib_uri(iris.PREFIXES["rdf"] + "type"), symmetric):
            if _named(s_):
                inverses.setdefault(from_rdflib(s_), set()).add(from_rdflib(s_))
        return cls(pairs(rdfs + "subClassOf"), pairs(rdfs + "subPropertyOf"), pairs(rdfs + "domain"),
                   pairs(rdfs + "range"), inverses)

    def derive(self, triples: Iterable[tuple[Any, Any, Any]]) -> set[tuple[Any, Any, Any]]:
        """Everything the rules give from `triples` (the input included), to a fixpoint."""
        done: set[tuple[Any, Any, Any]] = set()
        todo = list(triples)
        while todo:
            triple = todo.pop()
            if triple in done:
                continue
            done.add(triple)
            s_, p_, o_ = triple
            if p_ == RDF_TYPE:
                todo += [(s_, RDF_TYPE, c) for c in self.superclasses.get(o_, ())]
                continue
            for q in self.superproperties.get(p_, set()) | {p_}:
                if q != p_:
                    todo.append((s_, q, o_))
                todo += [(s_, RDF_TYPE, c) for c in self.domains.get(q, ())]
                if is_node(o_):
                    todo += [(o_, RDF_TYPE, c) for c in self.ranges.get(q, ())]
                    todo += [(o_, inv, s_) for inv in self.inverses.get(q, ())]
        return done


def rdflib_uri(value: str) -> Any:
    import rdflib

    return rdflib.URIRef(value)


def _named(term: Any) -> bool:
    import rdflib

    return isinstance(term, rdflib.URIRef)
