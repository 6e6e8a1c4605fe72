"""Every positioned text in the sources points at exactly those characters of its own source's text.

Offsets are Python str indices into the source's `tg:textFile` read as UTF-8, end exclusive (the
seed's is ../shared/seed/article.txt; a source kept in the repository has SLUG.txt beside its TriG).
Quotes carry tg:text; analysis claims carry their words as tg:paraphrase. The checks run per text,
so another source's positions never meet the seed's; the seed's counts ask the seed's graph.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris
from kg.build.checks import resolve_text_file

OA_START = "http://www.w3.org/ns/oa#start"
OA_END = "http://www.w3.org/ns/oa#end"
XSD_NON_NEGATIVE_INTEGER = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"
SEED_GRAPH = iris.source_graph("insightcrime-2017-01-ms13-dialogue")

POSITIONED = """
PREFIX tg: <https://w3id.org/tregua/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?g ?node ?position ?text ?start ?end ?textFile WHERE {
  GRAPH ?g {
    ?node tg:position ?position .
    ?position a tg:TextPosition ; oa:start ?start ; oa:end ?end .
    { ?node a tg:Quote ; tg:text ?text } UNION { ?node a tg:AnalysisClaim ; tg:paraphrase ?text }
    ?node tg:inSource ?source .
    ?source tg:textFile ?textFile .
  }
}
"""


@pytest.fixture(scope="module")
def sources_store(source_quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(source_quads)
    return store


@pytest.fixture(scope="module")
def positioned(sources_store: ox.Store) -> list[ox.QuerySolution]:
    result = sources_store.query(POSITIONED)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


@pytest.fixture(scope="module")
def texts(source_files: list[Path], shared_dir: Path) -> dict[str, str]:
    """Each source graph's text, found as the build finds it (beside its TriG, else under ../shared)."""
    out = {}
    for path in source_files:
        for q in ox.parse(path=path, format=ox.RdfFormat.TRIG, base_iri=iris.BASE):
            if q.predicate.value == iris.TG + "textFile":
                found, tried = resolve_text_file(q.object.value, path.parent, shared_dir)
                assert found is not None, f"{path}: no text file at {tried}"
                out[iris.source_graph(path.stem)] = found.read_text(encoding="utf-8")
    return out


def seed_only(positioned: list[ox.QuerySolution]) -> list[ox.QuerySolution]:
    return [r for r in positioned if r["g"].value == SEED_GRAPH]


def test_every_positioned_text_is_at_its_offsets(positioned: list[ox.QuerySolution],
                                                 texts: dict[str, str]) -> None:
    wrong = []
    for row in positioned:
        text = texts[row["g"].value]
        start, end = int(row["start"].value), int(row["end"].value)
        if text[start:end] != row["text"].value:
            wrong.append(f"{row['node'].value}: [{start}:{end}] is {text[start:end]!r}")
    assert not wrong, "\n".join(wrong)


def test_every_positioned_node_is_checked(sources_store: ox.Store, positioned: list[ox.QuerySolution]) -> None:
    """No position escapes the check above (a node without a source text would)."""
    result = sources_store.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?node "
                                 f"<{iris.TG}position> ?p }} }}")
    assert isinstance(result, ox.QuerySolutions)
    assert int(next(iter(result))["n"].value) == len(positioned)


def test_all_quotes_and_claims_are_positioned(positioned: list[ox.QuerySolution]) -> None:
    kinds = sorted(row["node"].value.removeprefix(iris.BASE + "id/").split("/")[0] for row in seed_only(positioned))
    assert kinds.count("quote") == 13
    assert kinds.count("claim") == 9


def test_positions_are_hash_iris_of_their_node(positioned: list[ox.QuerySolution]) -> None:
    for row in positioned:
        assert row["position"].value == row["node"].value + "#position"


def test_offsets_are_written_as_non_negative_integers(source_quads: list[ox.Quad]) -> None:
    # Checked on the parsed files: an Oxigraph store (0.5) hands derived integer types back as xsd:integer.
    offsets = [q.object for q in source_quads if q.predicate.value in (OA_START, OA_END)]
    seed = [q for q in source_quads if q.predicate.value in (OA_START, OA_END) and q.graph_name.value == SEED_GRAPH]
    assert len(seed) == 2 * (13 + 9)
    assert {o.datatype.value for o in offsets if isinstance(o, ox.Literal)} == {XSD_NON_NEGATIVE_INTEGER}


def test_quotes_do_not_overlap(positioned: list[ox.QuerySolution]) -> None:
    """Within one text: two sources' offsets count in different texts and may well coincide."""
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r in positioned:
        spans[r["g"].value].append((int(r["start"].value), int(r["end"].value)))
    for graph, of_text in spans.items():
        for (_, end), (start, _) in itertools.pairwise(sorted(of_text)):
            assert end <= start, f"overlapping positions in {graph}"


def test_paraphrases_and_requirements_are_the_articles_own_words(
        sources_store: ox.Store, article_text: str) -> None:
    query = """PREFIX tg: <https://w3id.org/tregua/ontology#>
               SELECT ?node ?text WHERE {
                 GRAPH <https://w3id.org/tregua/graph/source/insightcrime-2017-01-ms13-dialogue> {
                   ?node tg:paraphrase|tg:requirement ?text } }"""
    result = sources_store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    rows = list(result)
    assert len(rows) == 29  # 14 statement paraphrases, 9 claims, 6 requirements
    missing = [f"{r['node'].value}: {r['text'].value!r}" for r in rows if r["text"].value not in article_text]
    assert not missing, "\n".join(missing)


def test_quotes_hold_no_quotation_marks(sources_store: ox.Store) -> None:
    query = """PREFIX tg: <https://w3id.org/tregua/ontology#>
               SELECT ?q ?text WHERE { ?q tg:text|tg:paraphrase ?text }"""
    result = sources_store.query(query, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    assert [r["q"].value for r in result if {"“", "”"} & set(r["text"].value)] == []
