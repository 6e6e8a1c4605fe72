"""SHACL validation with pyshacl: the whole data graph at build time, focus nodes for writes.

pyshacl works on rdflib graphs, so the quads are handed over as N-Triples (pyoxigraph
serialises, rdflib parses): rdflib stays on the build and write paths, never on reads.
The ontology goes in as `ont_graph` with RDFS inference, so a shape targeting `tg:Actor`
also sees persons and organizations, as the ontology says it should.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from kg.errors import Violation


@dataclass
class ValidationReport:
    """The outcome of one validation: violations stop a build or a write, warnings are shown."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    report_turtle: str = ""

    def lines(self) -> list[str]:
        """One readable line per result: severity, focus node, path, constraint, message."""
        return [describe(v) for v in [*self.violations, *self.warnings]]


def describe(v: Violation) -> str:
    path = f" {v.path}" if v.path else ""
    value = f" (value {v.value})" if v.value else ""
    return f"{v.severity}: <{v.focus_node}>{path} [{v.constraint}]{value}: {v.message}"


def to_rdflib(quads: Iterable[ox.Quad]) -> rdflib.Graph:
    """The triples of `quads` (graph names dropped) as an rdflib Graph."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    graph = rdflib.Graph()
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def _short(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        s = str(term)
        return "sh:" + s[len(str(SH)):] if s.startswith(str(SH)) else s
    if isinstance(term, rdflib.BNode):
        return None
    return str(term)


def results_of(report: rdflib.Graph) -> list[Violation]:
    """Flatten a SHACL validation report graph, sorted so that reports compare equal."""
    out = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        severity = _short(report.value(result, SH.resultSeverity)) or "sh:Violation"
        out.append(Violation(
            focus_node=str(report.value(result, SH.focusNode)),
            path=_short(report.value(result, SH.resultPath)),
            constraint=_short(report.value(result, SH.sourceConstraintComponent)) or "",
            message=str(report.value(result, SH.resultMessage) or ""),
            severity=severity.removeprefix("sh:"),
            value=_short(report.value(result, SH.value)),
            shape=_short(report.value(result, SH.sourceShape)),
        ))
    return sorted(out, key=lambda v: (v.severity, v.focus_node, v.path or "", v.constraint, v.message))


def validate_graph(data: Iterable[ox.Quad] | rdflib.Graph, *, shapes: Iterable[ox.Quad] | rdflib.Graph,
                   ontology: Iterable[ox.Quad] | rdflib.Graph | None = None,
                   focus_nodes: Sequence[str] | None = None) -> ValidationReport:
    """Validate `data` against `shapes` (pyshacl, RDFS inference with `ontology`).

    Only sh:Violation results make `conforms` false; sh:Warning and sh:Info are reported
    in `warnings`, so recommendations never block a build.
    """
    data_graph = data if isinstance(data, rdflib.Graph) else to_rdflib(data)
    shapes_graph = shapes if isinstance(shapes, rdflib.Graph) else to_rdflib(shapes)
    ont_graph = None
    if ontology is not None:
        ont_graph = ontology if isinstance(ontology, rdflib.Graph) else to_rdflib(ontology)
    _conforms, report, _text = pyshacl_validate(
        data_graph, shacl_graph=shapes_graph, ont_graph=ont_graph, inference="rdfs",
        allow_warnings=True, allow_infos=True, advanced=True,
        focus_nodes=[rdflib.URIRef(n) for n in focus_nodes] if focus_nodes else None,
    )
    results = results_of(report)  # type: ignore[arg-type]
    violations = [r for r in results if r.severity == "Violation"]
    warnings = [r for r in results if r.severity != "Violation"]
    turtle = report.serialize(format="turtle") if results else ""  # type: ignore[union-attr]
    return ValidationReport(not violations, violations, warnings, turtle)


def validate_focus(data: Iterable[ox.Quad] | rdflib.Graph, focus_nodes: Sequence[str], *,
                   shapes: Iterable[ox.Quad] | rdflib.Graph,
                   ontology: Iterable[ox.Quad] | rdflib.Graph | None = None) -> ValidationReport:
    """Validate only the shapes' view of `focus_nodes` (the nodes a write touched)."""
    if not focus_nodes:
        return ValidationReport(True)
    return validate_graph(data, shapes=shapes, ontology=ontology, focus_nodes=focus_nodes)
