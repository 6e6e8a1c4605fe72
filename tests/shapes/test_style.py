"""The shapes follow SHACL's own style and cover the model: one node shape per class the data uses,
labels and comments, an explicit severity and an sh:message on every shape that carries a constraint,
Violations in core.ttl and Warnings in recommended.ttl, and concept lists equal to their schemes.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, SKOS

from tests.ontology import graphs

TG = rdflib.Namespace("https://w3id.org/tregua/ontology#")
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
# Parameters of SHACL Core constraint components (SHACL §4); a shape with one of them constrains.
PARAMETER_NAMES = """
class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive
minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals
not and or xone node property qualifiedValueShape closed hasValue in
"""
CONSTRAINT_PARAMETERS = [SH[p] for p in PARAMETER_NAMES.split()]
FILES = [(graphs.CORE_SHAPES_FILE, SH.Violation), (graphs.RECOMMENDED_SHAPES_FILE, SH.Warning)]


def top_level_shapes(g: rdflib.Graph) -> set[rdflib.term.Node]:
    """Shapes a report can name as sh:sourceShape: targeted node shapes and every sh:property value."""
    return {s for t in TARGETS for s in g.subjects(t, None)} | set(g.objects(None, SH.property))


def constrains(g: rdflib.Graph, shape: rdflib.term.Node) -> bool:
    return any((shape, p, None) in g for p in CONSTRAINT_PARAMETERS if p != SH.property)


@pytest.mark.parametrize(("path", "severity"), FILES, ids=["core", "recommended"])
def test_every_constraining_shape_has_a_message_and_its_file_severity(
    path: Path, severity: rdflib.URIRef,
) -> None:
    g = rdflib.Graph().parse(path)
    shapes = [s for s in top_level_shapes(g) if constrains(g, s)]
    assert shapes
    no_message = sorted(str(s) for s in shapes if not list(g.objects(s, SH.message)))
    wrong_severity = sorted(str(s) for s in shapes if g.value(s, SH.severity) != severity)
    assert (no_message, wrong_severity) == ([], [])


def test_property_shapes_are_named_not_blank(shapes_graph: rdflib.Graph) -> None:
    """Results name their source shape: tg:StatementShape-speaker, never a blank node."""
    blank = [str(s) for s in shapes_graph.objects(None, SH.property)
             if isinstance(s, rdflib.BNode) and any((x, SH.property, s) in shapes_graph
                                                    for x in shapes_graph.subjects(SH.targetClass, None))]
    assert blank == []


def test_targeted_node_shapes_are_documented(shapes_graph: rdflib.Graph) -> None:
    problems = []
    for shape in {s for t in TARGETS for s in shapes_graph.subjects(t, None)}:
        langs = {getattr(label, "language", None) for label in shapes_graph.objects(shape, RDFS.label)}
        if not {"en", "es"} <= langs:
            problems.append(f"{shape}: rdfs:label in en and es")
        if not list(shapes_graph.objects(shape, RDFS.comment)):
            problems.append(f"{shape}: rdfs:comment")
        if not list(shapes_graph.objects(shape, RDFS.seeAlso)):
            problems.append(f"{shape}: rdfs:seeAlso to its class")
        if not str(shape).endswith("Shape"):
            problems.append(f"{shape}: name ends in Shape")
    assert problems == []


def test_every_class_the_data_uses_has_a_core_node_shape(shared_dir: Path) -> None:
    core = rdflib.Graph().parse(graphs.CORE_SHAPES_FILE)
    targeted = {str(c) for c in core.objects(None, SH.targetClass)}
    store = ox.Store()
    store.extend(graphs.data_quads(shared_dir))
    used = {row[0].value for row in store.query(  # type: ignore[union-attr]
        "SELECT DISTINCT ?c WHERE { GRAPH ?g { ?s a ?c } }")}
    assert used, "no typed node in the data"
    assert sorted(c for c in used if c.startswith(str(TG)) and c not in targeted) == []


@pytest.mark.parametrize(("shape", "scheme"), [(TG["StanceShape-stanceValue"], TG.stanceValues),
                                               (TG["ParticipationShape-role"], TG.participantRoles)])
def test_sh_in_lists_equal_their_concept_schemes(
    shape: rdflib.URIRef, scheme: rdflib.URIRef, shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    """pyshacl mixes only RDFS/OWL axioms of the ontology into the data, so scheme membership is
    checked with sh:in lists; this keeps each list equal to its scheme in the ontology."""
    listed = set(Collection(shapes_graph, shapes_graph.value(shape, SH["in"])))
    in_scheme = set(ontology_graph.subjects(SKOS.inScheme, scheme))
    assert listed == in_scheme
    assert all((c, RDF.type, None) in ontology_graph for c in in_scheme)
