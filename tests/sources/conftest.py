"""Fixtures for the facts: the sources as parsed from sources/, and the built graph to query."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris, paths

ID = iris.BASE + "id/"
KINDS = ("person", "organization", "place", "post", "tenure", "issue", "stance", "condition", "statement",
         "quote", "claim", "event", "participation", "source")
# One prefix per kind, so that questions read `person:oscar-ortiz` (a local name cannot hold a slash).
PROLOGUE = iris.sparql_prologue() + "".join(f"PREFIX {kind}: <{ID}{kind}/>\n" for kind in KINDS)
Row = tuple[str, ...]


def short(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None) -> str:
    """An IRI under id/ as `kind/slug`, a tg: term as `tg:name`, a literal as its lexical form."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, name in ((ID, ""), (iris.TG, "tg:"), (iris.WIKIDATA_ENTITY, "wd:")):
            if term.value.startswith(prefix):
                return name + term.value[len(prefix):]
        return term.value
    if isinstance(term, ox.Literal):
        return term.value
    raise AssertionError(f"a blank node or triple in an answer: {term}")


@pytest.fixture(scope="session")
def source_files() -> list[Path]:
    """The source files the build reads: sources/*.trig, and those of $KG_EXTRA_SOURCES folders."""
    files = sorted(paths.SOURCES_DIR.glob("*.trig"))
    assert files, f"no .trig files in {paths.SOURCES_DIR}"
    return files + [f for d in paths.extra_sources_from_env() for f in sorted(d.glob("*.trig"))]


@pytest.fixture(scope="session")
def source_quads(source_files: list[Path]) -> list[ox.Quad]:
    """The quads of every source file, exactly as written (no build, no inference)."""
    return [q for f in source_files for q in ox.parse(path=f, format=ox.RdfFormat.TRIG)]


@pytest.fixture(scope="session")
def ask(seed_dataset_store: ox.Store) -> Callable[[str], set[Row]]:
    """Run a SELECT over the union of the graphs of the seed's fixed dataset; a set of short rows.

    (The fixed dataset, `tests.conftest.SEED_DATASET`, keeps exact answers exact as sources/ grows.)
    """

    def run(query: str) -> set[Row]:
        result = seed_dataset_store.query(PROLOGUE + query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return {tuple(short(solution[n]) for n in names) for solution in result}

    return run


@pytest.fixture(scope="session")
def ask_ordered(seed_dataset_store: ox.Store) -> Callable[[str], list[Row]]:
    """Like `ask`, keeping the order and the duplicates (for ORDER BY questions)."""

    def run(query: str) -> list[Row]:
        result = seed_dataset_store.query(PROLOGUE + query, use_default_graph_as_union=True)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        return [tuple(short(solution[n]) for n in names) for solution in result]

    return run
