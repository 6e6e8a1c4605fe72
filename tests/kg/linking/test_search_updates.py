"""The search index and reconciliation follow a write by its delta, and agree with a full rebuild.

Each test applies a real delta to the small graph's store, records it in a `ChangeFeed` as the
gate does, and checks that the cache updated (no rebuild) to exactly what a rebuild finds.
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.linking import reconcile as rc
from kg.linking.reconcile_service import Service
from kg.linking.search import SearchIndex
from kg.store.cache import Change, ChangeFeed, VersionedCache
from kg.store.engine import InProcessEngine

ID = "https://w3id.org/tregua/id/"
TG = "https://w3id.org/tregua/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
MINI = ox.NamedNode("https://w3id.org/tregua/graph/source/mini")


def q(s: str, p: str, o: ox.NamedNode | ox.Literal) -> ox.Quad:
    return ox.Quad(ox.NamedNode(ID + s), ox.NamedNode(p), o, MINI)


def commit(engine: InProcessEngine, feed: ChangeFeed, removed: list[ox.Quad], added: list[ox.Quad]) -> None:
    before = engine.version
    after = f"{before}+{len(feed._by_before) + 1}"
    feed.record(Change(before, after, tuple(removed), tuple(added)))
    for quad in removed:
        engine.store.remove(quad)
    for quad in added:
        engine.store.add(quad)
    engine.bump_version(after)


def summary(index: SearchIndex) -> dict[str, object]:
    """What a reader can observe of an index: entities with labels, names and types; answers."""
    return {
        "entities": {iri: (e.label, sorted((n.text, n.lang, n.primary) for n in e.names), sorted(e.types),
                           e.description) for iri, e in index.entities.items()},
        "answers": {text: [(h.iri, h.field, h.matched, h.speaker, round(h.score, 1)) for h in index.search(text)]
                    for text in ("oscar", "mara salvatrucha", "negotiation gangs", "zuzunaga", "barrio",
                                 "tregua pactada", "el salvador", "ms13")},
    }


DELTAS: dict[str, tuple[list[ox.Quad], list[ox.Quad]]] = {
    "alias added": ([], [q("person/oscar-lopez", TG + "alias", ox.Literal("Zuzunaga", language="es"))]),
    "label changed": ([q("organization/barrio-18", RDFS + "label", ox.Literal("Barrio 18", language="en"))],
                      [q("organization/barrio-18", RDFS + "label", ox.Literal("Barrio Dieciocho", language="en"))]),
    "entity added": ([], [q("person/zuzunaga", RDF_TYPE.value, ox.NamedNode(TG + "Person")),
                          q("person/zuzunaga", RDFS + "label", ox.Literal("Ana Zuzunaga", language="es"))]),
    "entity removed": ([q("person/oscar-lopez", RDF_TYPE.value, ox.NamedNode(TG + "Person")),
                        q("person/oscar-lopez", RDFS + "label", ox.Literal("Óscar López", language="es"))], []),
    "type changed": ([q("organization/fmln", RDF_TYPE.value, ox.NamedNode(TG + "Organization"))],
                     [q("organization/fmln", RDF_TYPE.value, ox.NamedNode(TG + "Gang"))]),
    "quote added": ([], [q("quote/new", RDF_TYPE.value, ox.NamedNode(TG + "Quote")),
                         q("quote/new", TG + "text", ox.Literal("Tregua pactada", language="es")),
                         q("statement/new", TG + "hasQuote", ox.NamedNode(ID + "quote/new")),
                         q("statement/new", TG + "speaker", ox.NamedNode(ID + "person/oscar-lopez"))]),
    "speaker changed": ([q("statement/ortiz-1", TG + "speaker", ox.NamedNode(ID + "person/oscar-ortiz"))],
                        [q("statement/ortiz-1", TG + "speaker", ox.NamedNode(ID + "person/oscar-lopez"))]),
    "quote removed": ([q("quote/ortiz-1", TG + "text",
                         ox.Literal("There will be no negotiation with the gangs", language="en"))], []),
}


@pytest.mark.parametrize("name", list(DELTAS))
def test_an_updated_index_equals_a_rebuilt_one(mini_engine: InProcessEngine, name: str) -> None:
    feed = mini_engine.changes = ChangeFeed()  # type: ignore[attr-defined]  # as the worker pool has
    cache = VersionedCache(SearchIndex.build, SearchIndex.updated)
    before = summary(cache.get(mini_engine))
    commit(mini_engine, feed, *DELTAS[name])
    after = cache.get(mini_engine)
    assert (cache.rebuilds, cache.updates) == (1, 1)
    assert summary(after) == summary(SearchIndex.build(mini_engine)) != before


def test_deltas_in_a_row_and_an_unknown_version(mini_engine: InProcessEngine) -> None:
    feed = mini_engine.changes = ChangeFeed()  # type: ignore[attr-defined]
    cache = VersionedCache(Service.build, Service.updated)
    cache.get(mini_engine)
    for name in ("alias added", "entity added", "type changed"):
        commit(mini_engine, feed, *DELTAS[name])
    service = cache.get(mini_engine)  # three deltas at once, in order
    assert (cache.rebuilds, cache.updates) == (1, 1)
    assert summary(service.index) == summary(SearchIndex.build(mini_engine))
    batch = rc.parse_batch('{"q": {"query": "Ana Zuzunaga", "type": "Person"}}', service.catalogue)
    best = rc.reconcile(service, mini_engine, batch)["q"]["result"][0]
    assert (best["id"], best["match"]) == ("person/zuzunaga", True)
    assert TG + "Gang" in service.index.entities[ID + "organization/fmln"].types
    mini_engine.bump_version("restored")  # moved by something the feed does not know: rebuild
    cache.get(mini_engine)
    assert (cache.rebuilds, cache.updates) == (2, 1)


def test_a_change_to_the_class_hierarchy_rebuilds(mini_engine: InProcessEngine) -> None:
    feed = mini_engine.changes = ChangeFeed()  # type: ignore[attr-defined]
    cache = VersionedCache(SearchIndex.build, SearchIndex.updated)
    cache.get(mini_engine)
    onto = ox.NamedNode("https://w3id.org/tregua/graph/ontology")
    commit(mini_engine, feed, [], [ox.Quad(ox.NamedNode(TG + "Country"), ox.NamedNode(RDFS + "subClassOf"),
                                           ox.NamedNode(TG + "Actor"), onto)])
    assert TG + "Actor" in cache.get(mini_engine).entities[ID + "place/el-salvador"].types
    assert (cache.rebuilds, cache.updates) == (2, 0)
