"""SHACL validation with pyshacl: the whole data graph at build time, focus nodes for writes.

pyshacl works on rdflib graphs, so the quads are handed over as N-Triples (pyoxigraph
serialises, rdflib parses): rdflib stays on the build and write paths, never on reads.
The ontology goes in as `ont_graph` and no inference is run (the contract shapes/core.ttl and
tests/shapes/validation.py state): pyshacl mixes the ontology's RDFS/OWL axioms into the data,
and SHACL reads "instance of C" as ``rdf:type/rdfs:subClassOf*``, so a shape targeting
`tg:Actor` sees persons and gangs; RDFS domain/range inference would instead turn a wrong
value into an instance of the expected class and make ``sh:class`` unable to fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pyoxigraph as ox
import rdflib
from pyshacl import validate as pyshacl_validate
from rdflib.namespace import SH

from kg import iris
from kg.errors import Violation

ShaclEngine = Literal["pyshacl", "oxigraph"]
SCRATCH_GRAPH = "urn:tregua:validation"


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
    """The triples of `quads` (graph names dropped) as an rdflib Graph; blank nodes keep their labels,
    so that a blank node can be named as a focus node ("_:label")."""
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    labels = {t.value for tr in triples for t in (tr.subject, tr.object) if isinstance(t, ox.BlankNode)}
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
    graph = rdflib.Graph()
    graph.parse(data=data.decode("utf-8"), format="nt", bnode_context={label: label for label in labels})
    return graph


def from_rdflib(term: rdflib.term.Node) -> ox.NamedNode | ox.Literal:
    """The pyoxigraph term of an rdflib IRI or literal (what owlrl's closures hold), `to_rdflib`'s way back.

    >>> from_rdflib(rdflib.Literal("sí", lang="es"))
    <Literal value=sí language=es>
    """
    if isinstance(term, rdflib.URIRef):
        return ox.NamedNode(str(term))
    assert isinstance(term, rdflib.Literal)
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def _focus_term(node: str) -> rdflib.URIRef | rdflib.BNode:
    """An IRI, or a blank node written "_:label" (`ox.BlankNode` prints so)."""
    return rdflib.BNode(node[2:]) if node.startswith("_:") else rdflib.URIRef(node)


def _short(term: rdflib.term.Node | None) -> str | None:
    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        s = str(term)
        return "sh:" + s[len(str(SH)) :] if s.startswith(str(SH)) else s
    if isinstance(term, rdflib.BNode):
        return None
    return str(term)


def results_of(report: rdflib.Graph) -> list[Violation]:
    """Flatten a SHACL validation report graph, sorted so that reports compare equal."""
    out = []
    # only the report's own results: pyshacl also nests those of sh:node under sh:detail
    for result in report.objects(None, SH.result):
        severity = _short(report.value(result, SH.resultSeverity)) or "sh:Violation"
        out.append(
            Violation(
                focus_node=str(report.value(result, SH.focusNode)),
                path=_short(report.value(result, SH.resultPath)),
                constraint=_short(report.value(result, SH.sourceConstraintComponent)) or "",
                message=str(report.value(result, SH.resultMessage) or ""),
                severity=severity.removeprefix("sh:"),
                value=_short(report.value(result, SH.value)),
                shape=_short(report.value(result, SH.sourceShape)),
            )
        )
    return sorted(out, key=lambda v: (v.severity, v.focus_node, v.path or "", v.constraint, v.message))


def validate_graph(
    data: Iterable[ox.Quad] | rdflib.Graph,
    *,
    shapes: Iterable[ox.Quad] | rdflib.Graph,
    ontology: Iterable[ox.Quad] | rdflib.Graph | None = None,
    focus_nodes: Sequence[str] | None = None,
    engine: ShaclEngine = "pyshacl",
) -> ValidationReport:
    """Validate `data` against `shapes`, with `ontology` as pyshacl's ont_graph and no inference.

    Only sh:Violation results make `conforms` false; sh:Warning and sh:Info are reported
    in `warnings`, so recommendations never block a build. `engine="oxigraph"` runs the same
    validation as SPARQL inside Oxigraph (`kg.validation.compiled`): same results, far faster on
    large graphs; it takes quads, not rdflib graphs, and does not take `focus_nodes`.
    """
    if engine == "oxigraph":
        if (
            isinstance(data, rdflib.Graph)
            or isinstance(shapes, rdflib.Graph)
            or isinstance(ontology, rdflib.Graph)
        ):
            raise TypeError("the oxigraph engine takes quads")
        if focus_nodes:
            raise ValueError("the oxigraph engine validates whole graphs; use pyshacl for focus nodes")
        from kg.validation.compiled import datatype_markers

        quads = list(data)
        store = ox.Store()
        store.bulk_extend(quads)
        store.bulk_extend(datatype_markers(quads))
        return validate_store(store, shapes=list(shapes), ontology=list(ontology or []))
    data_graph = data if isinstance(data, rdflib.Graph) else to_rdflib(data)
    shapes_graph = shapes if isinstance(shapes, rdflib.Graph) else to_rdflib(shapes)
    ont_graph = None
    if ontology is not None:
        ont_graph = ontology if isinstance(ontology, rdflib.Graph) else to_rdflib(ontology)
    _conforms, report, _text = pyshacl_validate(
        data_graph,
        shacl_graph=shapes_graph,
        ont_graph=ont_graph,
        inference="none",
        allow_warnings=True,
        allow_infos=True,
        advanced=True,
    )
    if focus_nodes is not None:
        _keep_results_about(report, {_focus_term(n) for n in focus_nodes})
    results = results_of(report)
    violations = [r for r in results if r.severity == "Violation"]
    warnings = [r for r in results if r.severity != "Violation"]
    turtle = report.serialize(format="turtle") if results else ""
    return ValidationReport(not violations, violations, warnings, turtle)


def _keep_results_about(report: rdflib.Graph, nodes: set[rdflib.URIRef | rdflib.BNode]) -> None:
    """Drop the results whose focus node is not in `nodes` (with the triples that describe them).

    Why not pyshacl's own `focus_nodes=`: it filters the focus nodes of every shape it evaluates,
    nested ones included, so `sh:node`/`sh:or`/`sh:not`/`sh:qualifiedValueShape` at a value node that
    is not itself a focus node silently conform (a statement's `tg:date "soon"` passed), and it takes
    no blank node. Validating all of `data` and keeping the focus nodes' results gives each of them
    exactly the results a whole validation gives it.
    """
    def drop(node: rdflib.term.Node) -> None:
        for _s, _p, o in list(report.triples((node, None, None))):
            report.remove((node, _p, o))
            if isinstance(o, rdflib.BNode):
                drop(o)

    for top, _p, result in list(report.triples((None, SH.result, None))):
        if report.value(result, SH.focusNode) not in nodes:
            report.remove((top, SH.result, result))
            drop(result)


def validate_focus(
    data: Iterable[ox.Quad] | rdflib.Graph,
    focus_nodes: Sequence[str],
    *,
    shapes: Iterable[ox.Quad] | rdflib.Graph,
    ontology: Iterable[ox.Quad] | rdflib.Graph | None = None,
) -> ValidationReport:
    """Validate only the shapes' view of `focus_nodes` (the nodes a write touched: IRIs, or blank
    nodes as "_:label" with the label they have in `data`)."""
    if not focus_nodes:
        return ValidationReport(True)
    return validate_graph(data, shapes=shapes, ontology=ontology, focus_nodes=focus_nodes)


def inoculation(ontology: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The part of the ontology pyshacl copies into the data graph before validating.

    pyshacl (``rdfutil.inoculate``) copies the RDFS/OWL axioms (triples whose predicate is an
    RDFS or OWL property, ``rdf:type`` to RDFS/OWL classes) and whole ``owl:NamedIndividual``
    nodes, not every triple: reproducing that exactly keeps both engines' reports equal.
    """
    from pyshacl.rdfutil.consts import OWL_classes, OWL_properties, RDFS_classes, RDFS_properties

    properties = {str(p) for p in (*RDFS_properties, *OWL_properties)}
    classes = {str(c) for c in (*RDFS_classes, *OWL_classes)}
    rdf_type = iris.PREFIXES["rdf"] + "type"
    quads = list(ontology)
    individuals = {
        q.subject
        for q in quads
        if q.predicate.value == rdf_type
        and not isinstance(q.object, ox.Triple)  # (a triple term is never owl:NamedIndividual)
        and q.object.value == iris.PREFIXES["owl"] + "NamedIndividual"
    }
    graph = ox.NamedNode(SCRATCH_GRAPH)
    return [
        ox.Quad(q.subject, q.predicate, q.object, graph)
        for q in quads
        if q.predicate.value in properties
        or (q.predicate.value == rdf_type and not isinstance(q.object, ox.Triple) and q.object.value in classes)
        or q.subject in individuals
        or q.object in individuals
    ]


def validate_store(store: ox.Store, *, shapes: list[ox.Quad], ontology: list[ox.Quad]) -> ValidationReport:
    """Validate everything `store` holds with the shapes compiled to SPARQL (the scalable engine).

    The store should also hold `kg.validation.compiled.datatype_markers` of the data (Oxigraph keeps
    integer subtypes as xsd:integer; the markers remember what was written).

    Adds the ontology's axioms to a scratch graph of `store` (as pyshacl
    does to its copy of the data), runs the checks on the union of graphs, then drops the scratch
    graph: the store ends as it began.
    """
    from kg.validation.compiled import compile_shapes, run_checks

    scratch = ox.NamedNode(SCRATCH_GRAPH)
    store.bulk_extend(inoculation(ontology))
    try:
        results = run_checks(store, compile_shapes(shapes))
    finally:
        store.remove_graph(scratch)
    violations = [r for r in results if r.severity == "Violation"]
    warnings = [r for r in results if r.severity != "Violation"]
    return ValidationReport(not violations, violations, warnings)


def validate_document(triples: Sequence[ox.Triple], *, shapes: Iterable[ox.Quad],
                      ontology: Iterable[ox.Quad]) -> ValidationReport:
    """Check a document on its own against the shapes, as a researcher would before sending it.

    The document is not merged with the store: what it references must be described in it for
    `sh:class` to hold. The write gate (`kg.gate`) is where data is checked in the store's context.
    """
    graph = ox.DefaultGraph()
    return validate_graph([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples],
                          shapes=shapes, ontology=ontology)
