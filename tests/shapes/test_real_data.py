"""The facts of sources/ (plus graph/wikidata) against the shapes, validated as the build must."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SH

from tests.ontology import graphs
from tests.shapes.validation import Result, validate


@pytest.fixture(scope="module")
def results(shared_dir: Path, shapes_graph: rdflib.Graph, ontology_graph: rdflib.Graph) -> list[Result]:
    _, found = validate(graphs.to_rdflib(graphs.data_quads(shared_dir)), shapes_graph, ontology_graph)
    return found


def test_the_facts_raise_no_violation(results: list[Result]) -> None:
    assert [r for r in results if r.severity == "sh:Violation"] == []


def test_warnings_come_only_from_the_recommended_shapes(results: list[Result]) -> None:
    recommended = rdflib.Graph().parse(graphs.RECOMMENDED_SHAPES_FILE)
    declared = {"tg:" + str(s).rsplit("#", 1)[1] for t in (SH.NodeShape, SH.PropertyShape)
                for s in recommended.subjects(RDF.type, t)}
    warnings = {r.shape for r in results if r.severity == "sh:Warning"}
    assert warnings <= declared
