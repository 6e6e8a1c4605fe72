"""How validation must be called, proven on small graphs: no inference, the ontology as ont_graph."""

from __future__ import annotations

import rdflib

from tests.shapes.validation import validate

PREFIXES = """
@prefix tg: <https://w3id.org/tregua/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix organization: <https://w3id.org/tregua/id/organization/> .
@prefix place: <https://w3id.org/tregua/id/place/> .
"""


def graph(turtle: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + turtle, format="turtle")


def test_target_class_reaches_subclass_instances_without_inference(
    shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    """tg:ActorShape targets tg:Actor; a tg:Gang (Gang ⊑ Organization ⊑ Actor) is still checked."""
    data = graph("""
        organization:ms13 a tg:Gang ; rdfs:label "MS13"@en , "MS13"@es ;
            tg:basedIn place:el-salvador .
        place:el-salvador a tg:Country ; rdfs:label "El Salvador"@en , "El Salvador"@es ;
            tg:linkStatus tg:notLinked .
    """)
    conforms, results = validate(data, shapes_graph, ontology_graph)
    assert not conforms
    assert [(r.focus, r.shape) for r in results] == [
        ("<https://w3id.org/tregua/id/organization/ms13>", "tg:LinkedShape-link"),
        ("<https://w3id.org/tregua/id/place/el-salvador>", "tg:CountryRecommendedShape-exactMatch"),
    ]


def test_class_constraint_accepts_subclass_values(
    shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    """sh:class tg:Organization on tg:reportedBy accepts a tg:NewsOutlet: subclasses come from ont_graph."""
    data = graph("""
        <https://w3id.org/tregua/id/statement/s> a tg:Statement ;
            tg:speaker <https://w3id.org/tregua/id/person/p> ;
            tg:reportedBy <https://w3id.org/tregua/id/organization/el-faro> .
        <https://w3id.org/tregua/id/organization/el-faro> a tg:NewsOutlet .
        <https://w3id.org/tregua/id/person/p> a tg:Person .
    """)
    _, results = validate(data, shapes_graph, ontology_graph)
    checked = {"tg:StatementShape-reportedBy", "tg:StatementShape-speaker"}
    assert [r for r in results if r.shape in checked] == []


def test_rdfs_inference_would_hide_a_wrong_value(
    shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph,
) -> None:
    """Why not inference="rdfs": tg:postIn's range makes the country an inferred organization."""
    data = graph("""
        <https://w3id.org/tregua/id/post/p> a tg:Post ; rdfs:label "Post"@en ;
            tg:postIn <https://w3id.org/tregua/id/place/el-salvador> .
        <https://w3id.org/tregua/id/place/el-salvador> a tg:Place .
    """)
    _, plain = validate(data, shapes_graph, ontology_graph)
    _, entailed = validate(data, shapes_graph, ontology_graph, inference="rdfs")
    wrong_class = ("tg:PostShape-postIn", "sh:ClassConstraintComponent")
    assert wrong_class in {(r.shape, r.component) for r in plain}
    assert wrong_class not in {(r.shape, r.component) for r in entailed}
