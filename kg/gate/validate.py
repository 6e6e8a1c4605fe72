"""Validating a change: its focus nodes and their shape-reachable neighbourhood (step 3).

The compiled checks (`kg.validation.focused`) decide first, in milliseconds; a change they find in
breach is validated again by pyshacl, whose report (and Turtle) the client gets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.errors import ValidationFailed, Violation
from kg.gate.dataset import VirtualDataset, changed_data, is_node
from kg.gate.reach import ShapeReach
from kg.gate.rules import Rules
from kg.vocab import RDF_TYPE


def focus_nodes(vd: VirtualDataset, changed: list[ox.Quad], rules: Rules) -> set[Any]:
    """The nodes whose validation the change can affect: subjects and objects of the changed quads
    (not vocabulary), and every node a shape targets whose paths reach one of them
    (`ShapeReach.affected`: e.g. the participations pointing at a changed actor, or those of an
    event that lost its type)."""
    focus: set[Any] = set()
    for q in changed:
        focus.add(q.subject)
        if is_node(q.object) and q.predicate != RDF_TYPE:
            focus.add(q.object)
    focus = {n for n in focus if is_node(n) and not rules.is_vocabulary(n)}
    return focus | _reach(rules).affected(vd, focus, rules.is_vocabulary)


def _reach(rules: Rules) -> ShapeReach:
    if rules.reach is None:
        rules.reach = ShapeReach(rules.shapes, rules.entailment.superclasses if rules.entailment else None)
    return rules.reach


def neighbourhood(vd: VirtualDataset, nodes: set[Any], rules: Rules) -> list[ox.Quad]:
    """What validating `nodes` can look at, after the change: the quads the shapes reach from
    each of them (`ShapeReach.closure`), closed under their paths and nested shapes."""
    return list(_reach(rules).closure(vd, nodes, rules.is_vocabulary))


@dataclass
class GateReport:
    """What a write did (or would have done), for the HTTP answer and the log."""

    removed: int = 0
    added: int = 0
    inferred_removed: int = 0
    inferred_added: int = 0
    focus_nodes: int = 0
    validated_quads: int = 0
    seconds: float = 0.0
    version: str = ""
    entry: str | None = None
    """The journal entry id of the commit (None: the write changed nothing)."""
    warnings: list[Violation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "warnings"}
        out["warnings"] = [w.as_dict() for w in self.warnings]
        return out


def validate_delta(vd: VirtualDataset, rules: Rules, report: GateReport) -> None:
    """Raise ValidationFailed (nothing written) when the change breaks a shape."""
    from kg.validation.shacl import validate_focus

    changed = changed_data(vd)
    if not changed or not rules.shapes:
        return
    nodes = focus_nodes(vd, changed, rules)
    data = neighbourhood(vd, nodes, rules)
    report.focus_nodes, report.validated_quads = len(nodes), len(data)
    if rules.focused is not None:
        quick = rules.focused.validate(data, nodes)
        if quick.conforms:
            report.warnings = quick.warnings
            return
    # blank nodes too ("_:label"): a new blank-node statement must meet its shape as an IRI one does
    named = sorted(n.value if isinstance(n, ox.NamedNode) else str(n) for n in nodes)
    result = validate_focus(data, named, shapes=rules.shapes_graph, ontology=rules.ontology_graph)
    report.warnings = result.warnings
    if not result.conforms:
        raise ValidationFailed(result.violations, report_turtle=result.report_turtle)
