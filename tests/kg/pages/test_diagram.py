"""The model picture is drawn from the ontology and kept in step with it."""

from __future__ import annotations

import re

from kg import paths
from kg.pages import diagram

MAIN_CLASSES = ["Actor", "Person", "Organization", "Post", "Tenure", "Issue", "Stance", "StanceValue",
                "Condition", "Statement", "Quote", "Source", "Event", "Participation", "AnalysisClaim",
                "Place"]


def test_dot_names_the_main_classes_with_their_labels() -> None:
    dot = diagram.model_dot(diagram.ontology_quads())
    for name in MAIN_CLASSES:
        assert re.search(rf'^\s*"{name}" \[label="[^"]+"\];$', dot, re.M), name
    assert '"Person" [label="person"];' in dot


def test_dot_draws_subclasses_and_object_properties() -> None:
    dot = diagram.model_dot(diagram.ontology_quads())
    assert '"Person" -> "Actor" [arrowhead=empty];' in dot
    assert '"Truce" -> "Event" [arrowhead=empty];' in dot
    assert '"Statement" -> "Actor" [label="tg:speaker"];' in dot
    assert '"Stance" -> "Condition" [label="tg:hasCondition"];' in dot


def test_every_class_has_a_cluster() -> None:
    """A class added to the ontology must be given a place in diagram.GROUPS."""
    dot = diagram.model_dot(diagram.ontology_quads())
    grouped = {m for _, _, members in diagram.GROUPS.values() for m in members}
    drawn = set(re.findall(r'^\s*"(\w+)" \[label=', dot, re.M))
    assert drawn - grouped == set()


def test_svg_renders_with_graphviz() -> None:
    svg = diagram.render_svg(diagram.model_dot(diagram.ontology_quads()))
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert ">statement</text>" in svg


def test_committed_dot_is_up_to_date() -> None:
    """docs/model.dot (and the SVG made from it) is regenerated when the ontology changes:
    python -m kg.pages.diagram > docs/model.dot && python -m kg.pages.diagram --svg > docs/model.svg"""
    committed = (paths.REPO_ROOT / "docs" / "model.dot").read_text(encoding="utf-8")
    assert committed == diagram.model_dot(diagram.ontology_quads())
    assert (paths.REPO_ROOT / "docs" / "model.svg").is_file()
