"""Fixtures of the canned-query tests: the real catalog and an engine over the real build."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg import canned, paths
from kg.store.engine import InProcessEngine


@pytest.fixture(scope="session")
def catalog() -> canned.QueryCatalog:
    return canned.load_queries(paths.QUERIES_DIR)


@pytest.fixture(scope="session")
def engine(seed_dataset_store: ox.Store) -> InProcessEngine:
    """The seed's fixed dataset (tests.conftest.SEED_DATASET): exact rows stay exact as sources/ grows."""
    return InProcessEngine(seed_dataset_store, version="test")


def plain_rows(result: canned.CannedResult) -> list[tuple[str, ...]]:
    """The rows as tuples of plain values, in column order: what a spreadsheet would show."""
    return [tuple(canned.plain_value(row.get(v)) for v in result.variables) for row in result.rows]
