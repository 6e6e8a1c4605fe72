"""Every positioned text in the sources points at exactly those characters of the article.

Offsets are Python str indices into ../shared/seed/article.txt read as UTF-8, end exclusive.
Quotes carry tg:text; InSight Crime's own claims carry their words as tg:paraphrase.
"""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest

from kg import iris

OA_START = "http://www.w3.org/ns/oa#start"
OA_END = "http://www.w3.org/ns/oa#end"
XSD_NON_NEGATIVE_INTEGER = "http://www.w3.org/2001/XMLSchema#nonNegativeInteger"

POSITIONED = """
PREFIX tg: <https://w3id.org/tregua/ontology#>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?node ?position ?text ?start ?end WHERE {
  ?node tg:position ?position .
  ?position a tg:TextPosition ; oa:start ?start ; oa:end ?end .
  { ?node a tg:Quote ; tg:text ?text } UNION { ?node a tg:AnalysisClaim ; tg:paraphrase ?text }
}
"""


@pytest.fixture(scope="module")
def sources_store(source_quads: list[ox.Quad]) -> ox.Store:
    store = ox.Store()
    store.extend(source_quads)
    return store


@pytest.fixture(scope="module")
def positioned(sources_store: ox.Store) -> list[ox.QuerySolution]:
    result = sources_store.query(POSITIONED, use_default_graph_as_union=True)
    assert isinstance(result, ox.QuerySolutions)
    return list(result)


def test_every_positioned_text_is_at_its_offsets(positioned: list[ox.QuerySolution],
                                                 article_text: str) -> None:
    wrong = []
    for row in positioned:
        start, end = int(row["start"].value), int(row["end"].value)
        if article_text[start:end] != row["text"].value:
            wrong.append(f"{row['node'].value}: [{start}:{end}] is {article_text[start:end]!r}")
    assert not wrong, "\n".join(wrong)


def test_all_quotes_and_claims_are_positioned(positioned: list[ox.QuerySolution]) -> None:
    kinds = sorted(row["node"].value.removeprefix(iris.BASE + "id/").split("/")[0] for row in positioned)
    assert kinds.count("quote") == 13
    assert kinds.count("claim") == 9


def test_positions_are_hash_iris_of_their_node(positioned: list[ox.QuerySolution]) -> None:
    for row in positioned:
        assert row["position"].value == row["node"].value + "#position"


def test_offsets_are_written_as_non_negative_integers(source_quads: list[ox.Quad]) -> None:
    # Checked on the parsed files: an Oxigraph store (0.5) hands derived integer types back as xsd:integer.
    offsets = [q.object for q in source_quads if q.predicate.value in (OA_START, OA_END)]
    assert len(offsets) == 2 * (13 + 9)
    assert {o.datatype.value for o in offsets if isinstance(o, ox.Literal)} == {XSD_NON_NEGATIVE_INTEGER}


def test_quotes_do_not_overlap(positioned: list[ox.QuerySolution]) -> None:
    spans = sorted((int(r["start"].value), int(r["end"].value)) for r in positioned)
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert end <= start


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
