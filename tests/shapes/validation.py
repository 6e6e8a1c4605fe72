"""How Tregua validates with SHACL, in one function the shape tests share.

The contract kg/validation/shacl.py should follow: pyshacl over the data (source graphs plus
graph/wikidata) with the ontology as ``ont_graph`` and NO inference. pyshacl mixes the
ontology's RDFS/OWL axioms (rdfs:subClassOf among them) into the data graph, and SHACL itself
reads "instance of C" as ``rdf:type/rdfs:subClassOf*``, so ``sh:targetClass tg:Actor`` reaches
persons and gangs and ``sh:class tg:Organization`` accepts a tg:NewsOutlet without any
entailment. ``inference="rdfs"`` would also apply rdfs:domain/rdfs:range first, turning a wrong
value into an inferred instance of the expected class, so that ``sh:class`` could never fail
(tests/shapes/test_validation_contract.py shows both). Warnings (shapes/recommended.ttl) never
make the data non-conforming.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyshacl
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH

PREFIXES = {
    "tg": "https://w3id.org/tregua/ontology#",
    "sh": str(SH),
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "oa": "http://www.w3.org/ns/oa#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


@dataclass(frozen=True)
class Result:
    """One validation result, with terms written as prefixed names so that tests read like reports."""

    focus: str
    path: str | None
    component: str
    shape: str
    severity: str
    value: str | None


def curie(term: rdflib.term.Node, graph: rdflib.Graph) -> str:
    """A prefixed name when a known prefix fits, else the N-Triples form."""
    if isinstance(term, rdflib.URIRef):
        for prefix, ns in PREFIXES.items():
            if str(term).startswith(ns) and len(str(term)) > len(ns):
                return f"{prefix}:{str(term)[len(ns):]}"
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3(graph.namespace_manager)
    return "_:"


def path_text(path: rdflib.term.Node, graph: rdflib.Graph) -> str:
    """A SHACL property path in SPARQL syntax (tg:a, ^tg:a, tg:a/tg:b, (tg:a|tg:b))."""
    if isinstance(path, rdflib.URIRef):
        return curie(path, graph)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + path_text(inverse, graph)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(p, graph) for p in Collection(graph, alternatives)) + ")"
    if graph.value(path, RDF.first) is not None:
        return "/".join(path_text(p, graph) for p in Collection(graph, path))
    raise ValueError(f"unsupported path node {path!r}")


def validate(data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph, *,
             inference: str = "none") -> tuple[bool, list[Result]]:
    """Validate `data`; `conforms` is False only when there is a sh:Violation."""
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference=inference, allow_warnings=True,
    )
    assert isinstance(report, rdflib.Graph)
    results = []
    # Only the report's own results: pyshacl also writes the nested results of sh:node as sh:detail.
    for r in report.objects(None, SH.result):
        path = report.value(r, SH.resultPath)
        value = report.value(r, SH.value)
        results.append(Result(
            focus=curie(report.value(r, SH.focusNode), report),  # type: ignore[arg-type]
            path=None if path is None else path_text(path, report),
            component=curie(report.value(r, SH.sourceConstraintComponent), report),  # type: ignore[arg-type]
            shape=curie(report.value(r, SH.sourceShape), report),  # type: ignore[arg-type]
            severity=curie(report.value(r, SH.resultSeverity), report),  # type: ignore[arg-type]
            value=None if value is None else curie(value, report),
        ))
    return bool(conforms), sorted(results, key=lambda x: (x.focus, x.shape, x.path or "", x.value or ""))
