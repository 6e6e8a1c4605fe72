"""The search index on a small real store: folding, aliases, ranking, quotes, and refresh on writes."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.linking.search import SearchIndex
from kg.linking.text import fold, name_score, tokens
from kg.store.cache import VersionedCache
from kg.store.engine import InProcessEngine

ID = "https://w3id.org/tregua/id/"


@pytest.mark.parametrize(("text", "folded"), [
    ("Óscar Ortiz", "óscar ortiz".replace("ó", "o")),
    ("SÁNCHEZ CERÉN", "sanchez ceren"),
    ("Mara Salvatrucha", "mara salvatrucha"),
    ("Ñandú", "nandu"),
])
def test_fold_drops_accents_and_case(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokens_split_on_punctuation() -> None:
    assert tokens("MS-13 (Mara Salvatrucha)") == ["ms", "13", "mara", "salvatrucha"]


@pytest.mark.parametrize(("a", "b"), [("MS13", "MS-13"), ("ms 13", "MS13"), ("Oscar Ortiz", "Óscar Ortiz"),
                                      ("OSCAR ORTIZ", "óscar ortiz")])
def test_same_name_once_folded_scores_100(a: str, b: str) -> None:
    assert name_score(tokens(a), tokens(b)) == 100.0


def test_different_names_score_below_100() -> None:
    assert name_score(tokens("Oscar Lopez"), tokens("Óscar Ortiz")) < 80
    assert 80 <= name_score(tokens("Oscr Ortiz"), tokens("Óscar Ortiz")) < 100


@pytest.fixture
def index(mini_engine: InProcessEngine) -> SearchIndex:
    return SearchIndex.build(mini_engine)


def test_index_holds_named_entities_with_types_and_labels(index: SearchIndex) -> None:
    ortiz = index.entity("person/oscar-ortiz")
    assert ortiz is not None and ortiz.iri == ID + "person/oscar-ortiz"
    assert ortiz.label == "Óscar Ortiz"
    assert ortiz.description == "Vice President of El Salvador"
    # tg:Actor comes from the subclass closure, not from an asserted type.
    tg = "https://w3id.org/tregua/ontology#"
    assert {tg + "Person", tg + "Actor"} <= ortiz.types
    assert index.entity(ID + "organization/ms13") is index.entity("organization/ms13")
    # Quotes and statements are not entities by name.
    assert index.entity("quote/ortiz-1") is None


@pytest.mark.parametrize(("query", "expected", "matched"), [
    ("oscar ortiz", "person/oscar-ortiz", "Óscar Ortiz"),
    ("ÓSCAR ORTIZ", "person/oscar-ortiz", "Óscar Ortiz"),
    ("MS-13", "organization/ms13", "MS13"),
    ("ms 13", "organization/ms13", "MS13"),
    ("mara salvatrucha", "organization/ms13", "Mara Salvatrucha"),
    ("Calle 18", "organization/barrio-18", "Calle 18"),
    ("FMLN", "organization/fmln", "FMLN"),
])
def test_match_names_through_labels_and_aliases(index: SearchIndex, query: str, expected: str,
                                                matched: str) -> None:
    best = index.match_names(query)[0]
    assert (best.entity.short_id, best.score, best.matched.text) == (expected, 100.0, matched)


def test_a_misspelt_name_still_finds_its_entity_first(index: SearchIndex) -> None:
    ranked = index.match_names("Oscr Ortis")
    assert ranked[0].entity.short_id == "person/oscar-ortiz"
    assert 80 <= ranked[0].score < 100


def test_search_ranks_prefix_hits_and_breaks_ties_by_name(index: SearchIndex) -> None:
    hits = index.search("oscar")
    assert [h.short_id for h in hits] == ["person/oscar-lopez", "person/oscar-ortiz"]
    assert index.search("ort")[0].short_id == "person/oscar-ortiz"


def test_search_finds_quotes_with_their_speaker(index: SearchIndex) -> None:
    hits = index.search("negotiation gangs")
    assert [(h.kind, h.short_id, h.speaker_name) for h in hits] == [("quote", "quote/ortiz-1", "Óscar Ortiz")]
    assert hits[0].matched == "There will be no negotiation with the gangs"


def test_search_for_nothing_known_is_empty(index: SearchIndex) -> None:
    assert index.search("zzzz qqqq") == []
    assert index.search("  --  ") == []


def test_cache_rebuilds_when_the_engine_version_moves(mini_engine: InProcessEngine) -> None:
    cache = VersionedCache(SearchIndex.build)
    first = cache.get(mini_engine)
    assert cache.get(mini_engine) is first
    mini_engine.store.add(ox.Quad(ox.NamedNode(ID + "person/raul-mijango"),
                                  ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
                                  ox.Literal("Raúl Mijango", language="es"),
                                  ox.NamedNode("https://w3id.org/tregua/graph/source/mini")))
    assert cache.get(mini_engine).entity("person/raul-mijango") is None  # same version: same index
    mini_engine.bump_version("mini-2")
    rebuilt = cache.get(mini_engine)
    assert rebuilt is not first
    assert rebuilt.match_names("raul mijango")[0].entity.short_id == "person/raul-mijango"
