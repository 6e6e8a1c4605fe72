"""The project's graphs, laid out like the built store, built once per session for the ontology tests."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from tests.ontology import graphs


@pytest.fixture(scope="session")
def data_quads(shared_dir: Path) -> list[ox.Quad]:
    """Every source graph plus graph/wikidata: what the reasoner and SHACL judge."""
    return graphs.data_quads(shared_dir)


@pytest.fixture(scope="session")
def project_quads(data_quads: list[ox.Quad]) -> list[ox.Quad]:
    return graphs.ontology_quads() + graphs.shapes_quads() + data_quads
