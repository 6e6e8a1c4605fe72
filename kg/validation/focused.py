"""Validating a write's focus nodes in milliseconds: the compiled checks, only the shapes that target them.

pyshacl costs a write 0.1-0.5 s whatever its size: each call copies the ontology's axioms into the
data (``inoculate``) and rebuilds its shape objects before it looks at a single node. The checks of
`kg.validation.compiled` are plain SPARQL, so a write can run them on a small in-memory store, and
run only the checks of shapes whose targets select one of the focus nodes: a check of another shape
can only report nodes whose results the gate drops anyway.

Each call loads the ontology's inoculated axioms (`kg.validation.shacl.inoculation`, as pyshacl adds
them, computed once), the neighbourhood and its datatype markers into a new in-memory store and runs
the checks on the union of its graphs.

Which engine decides: a write these checks find conforming is accepted with their warnings. One they
find in breach is handed to pyshacl (`kg.validation.shacl.validate_focus`), whose report is the one the
client gets (its Turtle too), exactly as before this module. tests/kg/validation/test_engines.py holds
the two engines to the same results, and tests/kg/gate/test_gate_property.py holds the gate's
verdicts and violations to a full validation's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pyoxigraph as ox

from kg.errors import Violation
from kg.validation.compiled import Check, compile_shapes, datatype_markers, run_checks
from kg.validation.shacl import ValidationReport, inoculation
from kg.vocab import RDF, RDFS, SH

Node = ox.NamedNode | ox.BlankNode
_DATA = ox.NamedNode("urn:tregua:validation:focus-data")
_TYPE = ox.NamedNode(RDF + "type")
_SUBCLASS = ox.NamedNode(RDFS + "subClassOf")


class FocusValidator:
    """The compiled checks of one shapes graph, indexed by what their shapes target, and one
    ontology's inoculated axioms.

    >>> shapes = list(ox.parse(b'''
    ...     @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
    ...     ex:PersonShape sh:targetClass ex:Person ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ...     ex:CityShape sh:targetClass ex:City ; sh:property [ sh:path ex:mayor ; sh:minCount 1 ] .
    ...     ''', format=ox.RdfFormat.TURTLE))
    >>> ontology = list(ox.parse(b'''
    ...     <http://example.org/Author> <http://www.w3.org/2000/01/rdf-schema#subClassOf>
    ...         <http://example.org/Person> .''', format=ox.RdfFormat.TURTLE))
    >>> validator = FocusValidator(shapes, ontology)
    >>> ex = "http://example.org/"
    >>> ana = ox.NamedNode(ex + "ana")
    >>> data = [ox.Quad(ana, ox.NamedNode(RDF + "type"), ox.NamedNode(ex + "Author"))]
    >>> [c.component for c in validator.relevant(data, {ana})]   # an Author is a Person: one check
    ['sh:MinCountConstraintComponent']
    >>> report = validator.validate(data, {ana})
    >>> report.conforms, [v.focus_node for v in report.violations]
    (False, ['http://example.org/ana'])
    """

    def __init__(self, shapes: Sequence[ox.Quad], ontology: Sequence[ox.Quad]) -> None:
        self.checks = compile_shapes(shapes)
        # target value (a class, a predicate, a node) -> positions in `checks` of the shapes targeting by it
        self._by_class: dict[object, list[int]] = {}
        self._by_subject_of: dict[object, list[int]] = {}
        self._by_object_of: dict[object, list[int]] = {}
        self._by_node: dict[object, list[int]] = {}
        index = ox.Dataset(ox.Quad(q.subject, q.predicate, q.object) for q in shapes)
        tables: dict[str, dict[object, list[int]]] = {
            SH + "targetClass": self._by_class, SH + "targetSubjectsOf": self._by_subject_of,
            SH + "targetObjectsOf": self._by_object_of, SH + "targetNode": self._by_node}
        for n, check in enumerate(self.checks):
            if not isinstance(check.target, (ox.NamedNode, ox.BlankNode)):
                continue
            for q in index.quads_for_subject(check.target):
                table = tables.get(q.predicate.value)
                if table is not None:
                    table.setdefault(q.object, []).append(n)
        self._axioms = axioms = inoculation(ontology)
        self._subclass: dict[object, set[object]] = {}
        for q in axioms:
            if q.predicate == _SUBCLASS:
                self._subclass.setdefault(q.subject, set()).add(q.object)

    def relevant(self, data: Iterable[ox.Quad], focus: set[Node]) -> list[Check]:
        """The checks of every shape that targets one of `focus` in `data` (with the ontology's
        `rdfs:subClassOf`, and any the data itself states, as the checks' `rdf:type/rdfs:subClassOf*`
        sees them), in compile order."""
        types: set[object] = set()
        stated: dict[object, set[object]] = {}  # the data's own rdfs:subClassOf
        chosen: set[int] = set()
        for q in data:
            if q.predicate == _SUBCLASS:
                stated.setdefault(q.subject, set()).add(q.object)
            if q.subject in focus:
                chosen.update(self._by_subject_of.get(q.predicate, ()))
                if q.predicate == _TYPE:
                    types.add(q.object)
            if q.object in focus:
                chosen.update(self._by_object_of.get(q.predicate, ()))
        todo = list(types)
        while todo:
            cls = todo.pop()
            for parent in self._subclass.get(cls, set()) | stated.get(cls, set()):
                if parent not in types:
                    types.add(parent)
                    todo.append(parent)
        for cls in types:
            chosen.update(self._by_class.get(cls, ()))
        for node in focus:
            chosen.update(self._by_node.get(node, ()))
        return [self.checks[n] for n in sorted(chosen)]

    def validate(self, data: Sequence[ox.Quad], focus: set[Node]) -> ValidationReport:
        """The focus nodes' results of validating `data` (graph names ignored) against the shapes.

        No report Turtle: a caller that refuses a write asks pyshacl for the full report."""
        checks = self.relevant(data, focus)
        if not checks:
            return ValidationReport(True)
        quads = [ox.Quad(q.subject, q.predicate, q.object, _DATA) for q in data]
        # A fresh store each call (the axioms load in 1.5 ms): pyoxigraph's in-memory store keeps
        # what is removed from it, so one reused store grew and slowed with every write.
        store = ox.Store()
        store.extend(self._axioms + quads + datatype_markers(quads))
        results = run_checks(store, checks)
        names = {n.value for n in focus}
        kept = [v for v in results if v.focus_node in names]
        violations = [v for v in kept if v.severity == "Violation"]
        warnings: list[Violation] = [v for v in kept if v.severity != "Violation"]
        return ValidationReport(not violations, violations, warnings)

