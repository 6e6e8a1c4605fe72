"""Graphs the shape tests share, parsed once per session."""

from __future__ import annotations

import pytest
import rdflib

from tests.ontology import graphs


@pytest.fixture(scope="session")
def ontology_graph() -> rdflib.Graph:
    return rdflib.Graph().parse(graphs.ONTOLOGY_FILE)


@pytest.fixture(scope="session")
def shapes_graph() -> rdflib.Graph:
    """Core and recommended shapes together, as the build loads them."""
    g = rdflib.Graph()
    for f in graphs.SHAPES_FILES:
        g.parse(f)
    return g
