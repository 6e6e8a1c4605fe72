"""The change to the inferred graph that a write brings.

Entailments lost and gained by the nodes it touches (step 2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyoxigraph as ox

from kg import iris
from kg.gate.dataset import VirtualDataset, changed_data, data_quads, is_node
from kg.gate.rules import Rules
from kg.vocab import NOISE_NAMESPACES, RDF_TYPE


def _worth_storing(triple: tuple[Any, Any, Any], touched: set[Any]) -> bool:
    """The build's filter (kg.build.inference): facts about data nodes, no RDF/RDFS/OWL vocabulary noise."""
    s_, p_, o_ = triple
    if s_ not in touched or not isinstance(s_, ox.NamedNode):
        return False
    if p_ == RDF_TYPE:
        return isinstance(o_, ox.NamedNode) and not o_.value.startswith(NOISE_NAMESPACES)
    return not p_.value.startswith(NOISE_NAMESPACES)


def inference_delta(vd: VirtualDataset, rules: Rules) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """Inferred quads to remove (lost their support) and to add, for the nodes the change touched.

    Only what the rules derive is ever removed: an inferred triple the build made by a rule not
    applied here (e.g. an OWL RL rule needing more context) stays.
    """
    changed = changed_data(vd)
    if not changed or rules.entailment is None:
        return [], []
    touched = {q.subject for q in changed} | {q.object for q in changed if is_node(q.object)}
    # Vocabulary (classes, concept values) is pointed at by whole populations: never a touched node.
    touched = {n for n in touched if not rules.is_vocabulary(n)}

    def context(quads: Callable[..., Iterable[ox.Quad]]) -> set[tuple[Any, Any, Any]]:
        out = set()
        for node in touched:
            for q in data_quads([*quads(node, None, None, None), *quads(None, None, node, None)]):
                out.add((q.subject, q.predicate, q.object))
        return out

    before, after = context(vd.store.quads_for_pattern), context(vd.pattern)
    derived_before = {t for t in rules.entailment.derive(before) if _worth_storing(t, touched)} - before
    derived_after = {t for t in rules.entailment.derive(after) if _worth_storing(t, touched)} - after
    inferred = ox.NamedNode(iris.GRAPH_INFERRED)
    present = {(q.subject, q.predicate, q.object) for node in touched for q in vd.pattern(s=node, g=inferred)}
    lost = (derived_before - derived_after) & present
    # an inferred triple now asserted in a data graph is no longer "inferred"
    lost |= {t for t in present & after if t in derived_before or t in derived_after}
    new = derived_after - present
    def to_quads(triples: set[tuple[Any, Any, Any]]) -> list[ox.Quad]:
        return sorted((ox.Quad(t[0], t[1], t[2], inferred) for t in triples), key=str)

    return to_quads(lost), to_quads(new)
