"""A second article (the fixture tests/fixtures/sources/fixture-second-article) built TOGETHER with the
real sources: every canned query still runs, unchanged, and shows the new rows; the seed's graph and
every exact answer the other tests pin are untouched.

This is what `docs/adding-a-source.md` promises a newcomer: adding an article adds rows, and breaks
no query and no test. (`KG_EXTRA_SOURCES=tests/fixtures/sources make test` runs the whole suite with
the fixture in every build; copying it into sources/ does the same.)
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import canned, iris, paths
from kg.store.engine import InProcessEngine
from tests.kg.canned.conftest import plain_rows

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "sources"
SLUG = "fixture-second-article"
ID = iris.BASE + "id/"
SEED_GRAPH = iris.source_graph("insightcrime-2017-01-ms13-dialogue")
RAMIREZ = "id:person/mauricio-ramirez-landaverde"
NEW_QUOTES = {ID + "quote/fixture-nothing-to-negotiate", ID + "quote/fixture-law-and-security-forces"}


@pytest.fixture(scope="module")
def combined(shared_dir: Path) -> ox.Store:
    """The real sources plus the fixture, built as `kg build --extra-sources tests/fixtures/sources` does."""
    from kg.build.pipeline import build_memory_store

    # (when the fixture was copied into sources/, or is named by KG_EXTRA_SOURCES, it is there already)
    already = (paths.SOURCES_DIR / f"{SLUG}.trig").is_file() or FIXTURE_DIR in [
        p.resolve() for p in paths.extra_sources_from_env()]
    return build_memory_store(shared_dir=shared_dir, extra_sources_dirs=[] if already else [FIXTURE_DIR])


@pytest.fixture(scope="module")
def combined_engine(combined: ox.Store) -> InProcessEngine:
    return InProcessEngine(combined, version="fixture")


@pytest.fixture(scope="module")
def catalog() -> canned.QueryCatalog:
    return canned.load_queries(paths.QUERIES_DIR)


def _graph(store: ox.Store, graph: str) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))}


def _subjects(store: ox.Store, *graphs: str) -> set[str]:
    """The IRIs described in these graphs: rows about anything else come from another real source
    (sources/ grows, and a real article about the same speaker must not break these tests)."""
    return {q.subject.value for g in graphs
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(g))
            if isinstance(q.subject, ox.NamedNode)}


def test_the_fixture_is_its_own_named_graph(combined: ox.Store) -> None:
    graph = _graph(combined, iris.source_graph(SLUG))
    assert graph and all(SLUG in g or "fixture" in g for g in graph if "source/" in g)


def test_the_seeds_graph_is_unchanged_by_a_second_source(combined: ox.Store, memory_store: ox.Store) -> None:
    """The seed's facts (what the fact tests ask) are the same quads with or without the fixture."""
    assert _graph(combined, SEED_GRAPH) == _graph(memory_store, SEED_GRAPH)


def test_every_canned_query_runs_on_the_combined_store(combined_engine: InProcessEngine,
                                                       catalog: canned.QueryCatalog) -> None:
    for query in catalog:
        result = canned.run(combined_engine, query, query.example_params())
        assert result.variables, query.name


def _rows(engine: InProcessEngine, catalog: canned.QueryCatalog, name: str,
          params: dict[str, str]) -> list[tuple[str, ...]]:
    return plain_rows(canned.run(engine, catalog.get(name), params))


def test_the_new_quotes_are_listed_with_the_speakers_earlier_one(combined: ox.Store,
                                                                 combined_engine: InProcessEngine,
                                                                 catalog: canned.QueryCatalog) -> None:
    rows = _rows(combined_engine, catalog, "quotes-by-speaker", {"speaker": RAMIREZ})
    ours = _subjects(combined, SEED_GRAPH, iris.source_graph(SLUG))
    quotes = {r[0] for r in rows if r[0] in ours}
    assert quotes == NEW_QUOTES | {ID + "quote/mauricio-ramirez-landaverde-targeted"}
    by_issue = {r[0] for r in _rows(combined_engine, catalog, "quotes-by-issue",
                                    {"issue": "id:issue/negotiating-with-gangs"})}
    assert by_issue >= NEW_QUOTES


def test_the_new_claim_source_and_outlet_appear(combined: ox.Store, combined_engine: InProcessEngine,
                                                catalog: canned.QueryCatalog) -> None:
    ours = _subjects(combined, SEED_GRAPH, iris.source_graph(SLUG))
    claims = [r for r in _rows(combined_engine, catalog, "analysis-claims", {"about": RAMIREZ}) if r[0] in ours]
    assert [r[0] for r in claims] == [ID + "claim/fixture-words-repeat-government-line"]
    assert claims[0][1] == "Fixture Desk"
    sources = {cell for r in _rows(combined_engine, catalog, "sources", {}) for cell in r}
    assert ID + f"source/{SLUG}" in sources
    outlets = _rows(combined_engine, catalog, "outlet-reports", {})
    assert ("Fixture Desk", "Mauricio Ramírez Landaverde", "1", "2", "1", "negotiating with the gangs") in outlets


def test_the_new_stance_reads_after_the_seeds_in_positions_over_time(combined: ox.Store,
                                                                    combined_engine: InProcessEngine,
                                                                    catalog: canned.QueryCatalog) -> None:
    """The same speaker's stance from two sources and dates stands on two rows, in date order."""
    ours = _subjects(combined, SEED_GRAPH, iris.source_graph(SLUG))
    rows = [r for r in _rows(combined_engine, catalog, "positions-over-time",
                             {"actor": RAMIREZ, "issue": "id:issue/negotiating-with-gangs"}) if r[5] in ours]
    assert [(r[2], r[3], r[5]) for r in rows] == [
        ("rejects", "2017-01", ID + "statement/mauricio-ramirez-landaverde-not-government-policy"),
        ("rejects", "2017-02-01", ID + "statement/fixture-mauricio-ramirez-landaverde-nothing-to-negotiate"),
    ]


def test_exact_answers_do_not_see_the_fixture(seed_dataset_store: ox.Store) -> None:
    """The exact-answer tests ask the seed's fixed dataset, which a new source does not enter."""
    assert not _graph(seed_dataset_store, iris.source_graph(SLUG))
