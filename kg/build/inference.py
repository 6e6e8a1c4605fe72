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
from kg.build.closure import transitive_closure
from kg.validation.shacl import from_rdflib, to_rdflib
from kg.vocab import NOISE_NAMESPACES, RDF_TYPE, RDFS

Semantics = Literal["owlrl", "rdfs", "oxigraph"]


Node = rdflib.term.Node


def _useful(s: Node, p: Node, o: Node, data_nodes: set[Node]) -> bool:
    if not isinstance(s, rdflib.URIRef) or s not in data_nodes or isinstance(o, rdflib.BNode):
        return False
    if p == rdflib.RDF.type:
        return isinstance(o, rdflib.URIRef) and not str(o).startswith(NOISE_NAMESPACES)
    return not str(p).startswith(NOISE_NAMESPACES)


def infer(
    ontology: Iterable[ox.Quad],
    data: Iterable[ox.Quad],
    *,
    semantics: Semantics = "owlrl",
    graph: str = iris.GRAPH_INFERRED,
) -> list[ox.Quad]:
    """The entailed triples worth storing, as quads in `graph`, sorted (deterministic output).

    `semantics`: "owlrl" (OWL 2 RL with owlrl, the reference), "rdfs" (RDFS with owlrl), or
    "oxigraph" (the RDFS rules run on Oxigraph's indexes: same triples as "owlrl" gives for our
    ontology, a hundred times faster on large graphs; see `rdfs_entailments`).

    >>> tg = iris.TG
    >>> ont = [ox.Quad(ox.NamedNode(tg + "Person"), ox.NamedNode(iris.PREFIXES["rdfs"] + "subClassOf"),
    ...                ox.NamedNode(tg + "Actor"))]
    >>> data = [ox.Quad(ox.NamedNode("https://w3id.org/tregua/id/person/x"),
    ...                 ox.NamedNode(iris.PREFIXES["rdf"] + "type"), ox.NamedNode(tg + "Person"))]
    >>> [str(q.object) for q in infer(ont, data)]
    ['<https://w3id.org/tregua/ontology#Actor>']
    """
    data_list = list(data)
    if semantics == "oxigraph":
        return _infer_in_oxigraph(list(ontology), data_list, graph)
    data_graph = to_rdflib(data_list)
    data_nodes: set[rdflib.term.Node] = set(data_graph.subjects())
    combined = to_rdflib(ontology)
    combined += data_graph
    before = set(combined)
    closure = owlrl.OWLRL_Semantics if semantics == "owlrl" else owlrl.RDFS_Semantics
    owlrl.DeductiveClosure(closure, axiomatic_triples=False, datatype_axioms=False).expand(combined)
    target = ox.NamedNode(graph)
    new = [(s, p, o) for s, p, o in combined if (s, p, o) not in before and _useful(s, p, o, data_nodes)]
    # `_useful` kept IRI subjects only; a predicate is always an IRI
    quads = [ox.Quad(ox.NamedNode(str(s)), ox.NamedNode(str(p)), from_rdflib(o), target) for s, p, o in new]
    return sorted(quads, key=str)


# -- RDFS inside Oxigraph ------------------------------------------------------------------
# owlrl is pure Python and slow on large graphs (20 s for 10k triples). The rules that produce the
# triples we keep (rdfs2, rdfs3, rdfs5, rdfs7, rdfs9, rdfs11: types and super-properties) only need
# the ontology's small class and property hierarchies, so those are closed in Python and applied
# with Oxigraph's index scans: one pass over each property and class the ontology constrains.
# For our ontology this gives exactly owlrl's useful output (tests/kg/validation/test_engines.py); should the
# ontology grow OWL RL axioms these rules ignore (property chains, inverses...), that test fails.



def rdfs_entailments(
    ontology: Iterable[ox.Quad], store: ox.Store, *, graph: str = iris.GRAPH_INFERRED
) -> list[ox.Quad]:
    """New RDFS-entailed quads (types, super-properties) for what `store` holds, into `graph`.

    Sub-class and sub-property closure, domains and ranges (ranges only for IRI objects: typing
    literals is noise). The store's default graph must be the union of its graphs, or the data
    must sit in named graphs: every graph is read.
    """
    sub_class: dict[str, set[str]] = {}
    sub_prop: dict[str, set[str]] = {}
    domain: dict[str, set[str]] = {}
    range_: dict[str, set[str]] = {}
    for q in ontology:
        if not (isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.NamedNode)):
            continue
        p = q.predicate.value
        table = {
            RDFS + "subClassOf": sub_class,
            RDFS + "subPropertyOf": sub_prop,
            RDFS + "domain": domain,
            RDFS + "range": range_,
        }.get(p)
        if table is not None:
            table.setdefault(q.subject.value, set()).add(q.object.value)
    supers = transitive_closure(sub_class)
    super_props = transitive_closure(sub_prop)

    def with_supers(classes: Iterable[str]) -> set[str]:
        out = set(classes)
        for c in list(out):
            out |= supers.get(c, set())
        return out

    target = ox.NamedNode(graph)
    rdf_type = RDF_TYPE
    new: set[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]] = (
        set()
    )
    properties = set(super_props) | set(domain) | set(range_)
    for p in sorted(properties):
        ups = super_props.get(p, set())
        all_props = {p} | ups
        doms = with_supers(d for q in all_props for d in domain.get(q, ()))
        rans = with_supers(r for q in all_props for r in range_.get(q, ()))
        if not (ups or doms or rans):
            continue
        up_nodes = [ox.NamedNode(u) for u in sorted(ups)]
        dom_nodes = [ox.NamedNode(d) for d in sorted(doms)]
        ran_nodes = [ox.NamedNode(r) for r in sorted(rans)]
        for q in store.quads_for_pattern(None, ox.NamedNode(p), None, None):
            subject, obj = q.subject, q.object
            if isinstance(subject, ox.Triple) or isinstance(obj, ox.Triple):
                continue  # (no triple terms in a pyoxigraph 0.5 store, whatever its stubs say)
            for u in up_nodes:
                new.add((subject, u, obj))
            for d in dom_nodes:
                new.add((subject, rdf_type, d))
            if not isinstance(obj, ox.Literal):
                for r in ran_nodes:
                    new.add((obj, rdf_type, r))
    # sub-class closure over stated types and the types just derived
    derived_types: dict[str, list[ox.NamedNode | ox.BlankNode]] = {}
    for s, p_, o in new:
        if p_ == rdf_type:
            derived_types.setdefault(o.value, []).append(s)
    for c, ups_c in sorted(supers.items()):
        if not ups_c:
            continue
        up_nodes = [ox.NamedNode(u) for u in sorted(ups_c)]
        # (a quad's subject is never a triple term in pyoxigraph 0.5, whatever its stubs say)
        instances: list[ox.NamedNode | ox.BlankNode] = [
            q.subject
            for q in store.quads_for_pattern(None, rdf_type, ox.NamedNode(c), None)
            if not isinstance(q.subject, ox.Triple)
        ]
        instances += derived_types.get(c, [])
        for s in instances:
            for u in up_nodes:
                new.add((s, rdf_type, u))
    existing = [t for t in new if any(True for _ in store.quads_for_pattern(t[0], t[1], t[2], None))]
    fresh = new.difference(existing)
    return sorted((ox.Quad(s, p_, o, target) for s, p_, o in fresh), key=str)


def _infer_in_oxigraph(ontology: list[ox.Quad], data: list[ox.Quad], graph: str) -> list[ox.Quad]:
    """`rdfs_entailments` filtered like owlrl's output: only about the data's own subjects."""
    store = ox.Store()
    store.bulk_extend(data)
    subjects = {q.subject for q in data}
    noise = NOISE_NAMESPACES
    return [
        q
        for q in rdfs_entailments(ontology, store, graph=graph)
        if q.subject in subjects
        and not (
            q.predicate == RDF_TYPE
            and not isinstance(q.object, ox.Triple)  # a type is a NamedNode here: never a triple term
            and q.object.value.startswith(noise)
        )
        and not (q.predicate != RDF_TYPE and q.predicate.value.startswith(noise))
    ]
