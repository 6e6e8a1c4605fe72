"""The bounded description in process, on the real built graph: paging, bounds, suggestions."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.errors import BadRequest
from kg.iris import TG, entity_iri
from kg.linking.search import SearchIndex
from kg.pages.describe import closest_names, describe, entities_of_kind, not_found
from kg.pages.entity_view import build_view, neighbourhood, read_passage
from kg.pages.ontology_docs import ontology_doc
from kg.store.engine import InProcessEngine

ORTIZ = entity_iri("person", "oscar-ortiz")


@pytest.fixture(scope="module")
def engine(memory_store: ox.Store) -> InProcessEngine:
    return InProcessEngine(memory_store, version="test")


@pytest.fixture(scope="module")
def index(engine: InProcessEngine) -> SearchIndex:
    return SearchIndex.build(engine)


def test_pages_partition_the_description(engine: InProcessEngine) -> None:
    whole = describe(engine, ORTIZ, page_size=10_000)
    assert not whole.has_next
    seen: list[ox.Triple] = []
    page = 1
    while True:
        part = describe(engine, ORTIZ, page=page, page_size=17)
        seen.extend(part.triples)
        if not part.has_next:
            break
        page += 1
    assert page > 2
    assert len(seen) == len(set(seen)) == len(whole.triples)
    assert set(seen) == set(whole.triples)


def test_unknown_iri_does_not_exist(engine: InProcessEngine) -> None:
    assert not describe(engine, entity_iri("person", "nobody-at-all")).exists


@pytest.mark.parametrize("page", [0, -1])
def test_page_out_of_range_is_bad_request(engine: InProcessEngine, page: int) -> None:
    with pytest.raises(BadRequest):
        describe(engine, ORTIZ, page=page)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (entity_iri("person", "oscar-ortis"), ORTIZ),
        (entity_iri("person", "ortiz"), ORTIZ),
        (entity_iri("organization", "el-far"), entity_iri("organization", "el-faro")),
        (entity_iri("person", "howard-coto"), entity_iri("person", "howard-cotto")),
    ],
)
def test_closest_names_put_the_intended_entity_first(index: SearchIndex, typed: str, expected: str) -> None:
    assert closest_names(index, typed)[0][0] == expected
    assert not_found(index, typed).suggestions[0] == expected


def test_same_kind_comes_first_and_kinds_list_their_entities(index: SearchIndex) -> None:
    persons = entities_of_kind(index, "person")
    assert (ORTIZ, "Oscar Ortiz") in persons
    assert all(iri.startswith(entity_iri("person", "")) for iri, _ in persons)
    assert closest_names(index, entity_iri("person", "oscar"))[0][0] == ORTIZ


def test_view_groups_stances_with_their_statements(engine: InProcessEngine) -> None:
    view = build_view(describe(engine, ORTIZ), ontology_doc().vocabulary())
    assert view.label == "Oscar Ortiz"
    assert [t.iri for t in view.types] == [TG + "Person"]  # inferred supertypes are not shown as types
    reject = next(s for s in view.stances if s.value and s.value.iri == TG + "reject")
    assert reject.issue is not None and reject.issue.label == "negotiating with the gangs"
    assert {st.iri.rsplit("/", 1)[1] for st in reject.statements} == {
        "oscar-ortiz-cannot-negotiate",
        "oscar-ortiz-gangs-must-desist",
    }
    quotes = {q.text: q for st in reject.statements for q in st.quotes}
    assert quotes["desist."].outlet is not None and quotes["desist."].outlet.label == "El Mundo"
    assert (quotes["desist."].start, quotes["desist."].end) == (1163, 1170)
    assert [o.post.label for o in view.offices if o.post] == ["Vice President of El Salvador"]
    assert view.not_linked and not view.wikidata


GALLEGOS = entity_iri("person", "guillermo-gallegos")


def test_each_statement_once_with_the_values_of_its_stances(engine: InProcessEngine) -> None:
    """Gallegos's "door never shut" expressed two stances: one statement, two badges, its quotes once."""
    view = build_view(describe(engine, GALLEGOS), ontology_doc().vocabulary())
    assert len(view.statements) == len({st.iri for st in view.statements})
    quotes = [q.iri for st in view.statements for q in st.quotes]
    assert len(quotes) == len(set(quotes))
    door = next(st for st in view.statements if st.iri.endswith("/guillermo-gallegos-door-never-shut"))
    assert sorted(b.value.iri for b in door.stances if b.value) == [TG + "notRuledOut", TG + "sceptical"]
    assert {q.text for q in door.quotes} == {
        "The door [to dialogue] can never be totally shut. In this case, alternatives must be sought,",
        "I must say I’m somewhat incredulous.",
    }
    conditional = next(s for s in view.stances if s.value and s.value.iri == TG + "conditional")
    assert len(conditional.conditions) == 3


def test_a_statement_page_shows_the_stances_it_expressed(engine: InProcessEngine) -> None:
    door = entity_iri("statement", "guillermo-gallegos-door-never-shut")
    view = build_view(describe(engine, door), ontology_doc().vocabulary())
    (own,) = [st for st in view.statements if st.iri == door]
    assert sorted(b.value.iri for b in own.stances if b.value) == [TG + "notRuledOut", TG + "sceptical"]


def test_spanish_names_come_from_the_data_and_the_ontology(engine: InProcessEngine) -> None:
    view = build_view(describe(engine, GALLEGOS), ontology_doc().vocabulary("es"), "es")
    values = {s.value.label for s in view.stances if s.value}
    assert values == {"no descarta", "escéptica", "condicionada"}
    assert [t.label for t in view.types] == ["persona"]
    english = build_view(describe(engine, GALLEGOS), ontology_doc().vocabulary("en"), "en")
    assert {s.value.label for s in english.stances if s.value} == {"does not rule out", "sceptical", "conditional"}


def test_the_neighbourhood_folds_parts_into_labelled_edges(engine: InProcessEngine) -> None:
    view = build_view(describe(engine, GALLEGOS), ontology_doc().vocabulary())
    graph = view.neighbourhood
    assert graph is not None and graph.nodes[0].iri == GALLEGOS
    issue = entity_iri("issue", "negotiating-with-gangs")
    (edge,) = [e for e in graph.edges if e.source == GALLEGOS and e.target == issue]
    assert set(edge.label.split(", ")) == {"does not rule out", "sceptical", "conditional"}
    kinds = {n.iri.split("/id/", 1)[1].split("/")[0] for n in graph.nodes if "/id/" in n.iri}
    assert not kinds & {"stance", "statement", "tenure", "participation", "condition"}
    assert {e.target for e in graph.edges} >= {issue, entity_iri("post", "president-of-the-legislative-assembly")}
    data = graph.as_json(lambda iri: iri.replace("https://w3id.org/tregua", ""))
    assert data["nodes"][0] == {"id": GALLEGOS, "label": "Guillermo Gallegos", "kind": "person",  # type: ignore[index]
                                "href": "/id/person/guillermo-gallegos", "centre": True}


def test_a_hub_s_graph_is_cut_and_says_so(engine: InProcessEngine) -> None:
    vocab = ontology_doc().vocabulary()
    view = build_view(describe(engine, GALLEGOS), vocab)
    whole = neighbourhood(view, vocab)
    assert not whole.truncated and len(whole.nodes) > 4
    cut = neighbourhood(view, vocab, limit=4)
    assert cut.truncated and len(cut.nodes) == 4
    drawn = {n.iri for n in cut.nodes}
    assert all(e.source in drawn and e.target in drawn for e in cut.edges)  # no edge to a node left out


def test_passage_reads_the_source_text(shared_dir: Path, article_text: str) -> None:
    passage = read_passage(shared_dir, "seed/article.txt", 1163, 1170, "desist.")
    assert passage is not None and passage.matches
    assert passage.quote == "desist." == article_text[1163:1170]
    assert article_text[1163 - 40 : 1163] in passage.before


@pytest.mark.parametrize(
    ("path", "start", "end"),
    [
        ("../seed/article.txt", 0, 5),  # outside the folder given: refused
        ("/etc/passwd", 0, 5),
        ("seed/missing.txt", 0, 5),
        ("seed/article.txt", 10, 5),
        ("seed/article.txt", 0, 10**9),
    ],
)
def test_passage_refuses_what_it_should(shared_dir: Path, path: str, start: int, end: int) -> None:
    root = shared_dir / "reference" if path.startswith("..") else shared_dir
    assert read_passage(root, path, start, end) is None
