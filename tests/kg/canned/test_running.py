"""Running: pages cut from the answer, the answer cache keyed by store version, result formats."""

from __future__ import annotations

import json

import pyoxigraph as ox

from kg import canned
from kg.store.engine import InProcessEngine, QueryRequest, Rows

from .conftest import plain_rows


class CountingEngine(InProcessEngine):
    """The real in-process engine, counting how often the store is actually queried."""

    def __init__(self, store: ox.Store) -> None:
        super().__init__(store, version="v1")
        self.calls = 0

    def select(self, request: QueryRequest, *, max_rows: int | None = None) -> Rows:
        self.calls += 1
        return super().select(request, max_rows=max_rows)


def test_the_cache_answers_repeats_and_a_new_store_version_misses(memory_store: ox.Store,
                                                                  catalog: canned.QueryCatalog) -> None:
    engine, cache = CountingEngine(memory_store), canned.ResultCache(size=2)
    q = catalog.get("stance-counts")
    first = canned.run(engine, q, {}, cache=cache)
    again = canned.run(engine, q, {"limit": "2"}, cache=cache)  # another page of the same answer
    assert engine.calls == 1
    assert plain_rows(again) == plain_rows(first)[:2]
    engine.bump_version("v2")
    canned.run(engine, q, {}, cache=cache)
    assert engine.calls == 2
    canned.run(engine, q, {"issue": "id:issue/repression-of-gangs"}, cache=cache)
    canned.run(engine, catalog.get("timeline"), {}, cache=cache)  # evicts the oldest entry
    canned.run(engine, q, {}, cache=cache)
    assert engine.calls == 5


def test_rendered_pages_are_cached_by_page_and_format(memory_store: ox.Store,
                                                     catalog: canned.QueryCatalog) -> None:
    engine, cache = CountingEngine(memory_store), canned.ResultCache(size=8)
    q = catalog.get("timeline")
    bound, page = q.bind([]), canned.Page(offset=2, limit=3)
    first = canned.render(engine, q, bound, page, "csv", cache=cache)
    assert first == canned.render(engine, q, bound, page, "csv", cache=cache) and engine.calls == 1
    assert first.body == canned.serialize(canned.run(engine, q, {"limit": "3", "offset": "2"}), "csv")
    assert first.total == 8 and first.body.count(b"\r\n") == 4  # the header and three rows
    canned.render(engine, q, bound, page, "json", cache=cache)  # another format: rendered anew
    canned.render(engine, q, bound, canned.Page(limit=3), "csv", cache=cache)  # another page too
    engine.bump_version("v2")
    canned.render(engine, q, bound, page, "csv", cache=cache)
    assert engine.calls == 5
    huge = canned.ResultCache(size=8, max_bytes=10)  # a page bigger than the cache takes is not kept
    canned.render(engine, q, bound, page, "csv", cache=huge)
    canned.render(engine, q, bound, page, "csv", cache=huge)
    assert engine.calls == 7


def test_pages_and_their_neighbours(engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    q = catalog.get("timeline")
    whole = plain_rows(canned.run(engine, q, {}))
    middle = canned.run(engine, q, {"limit": "3", "offset": "3"})
    assert plain_rows(middle) == whole[3:6]
    assert (middle.prev_offset, middle.next_offset, middle.last_offset, middle.total) == (0, 6, 6, 8)
    last = canned.run(engine, q, {"limit": "3", "offset": "6"})
    assert plain_rows(last) == whole[6:] and last.next_offset is None
    assert canned.run(engine, q, {"offset": "100", "limit": "5"}).rows == []


def test_plain_json_types_numbers_and_keeps_unbound_as_null(engine: InProcessEngine,
                                                            catalog: canned.QueryCatalog) -> None:
    result = canned.run(engine, catalog.get("timeline"), {"from_year": "2017"})
    doc = json.loads(canned.serialize(result, "json"))
    assert doc == [{"event": "https://w3id.org/tregua/id/event/ms13-dialogue-proposal-2017",
                    "name": "MS13 proposal of dialogue", "type": "proposal", "start": "2017-01-09",
                    "end": None, "status": None}]
    counts = json.loads(canned.serialize(canned.run(engine, catalog.get("stance-counts"), {}), "json"))
    assert counts[0]["actors"] == 4


def test_tsv_and_xml_parse_back_with_oxigraph(engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    result = canned.run(engine, catalog.get("quotes-by-speaker"), {"speaker": "id:person/eugenio-chicas"})
    for fmt, oxf in (("sparql-tsv", ox.QueryResultsFormat.TSV), ("xml", ox.QueryResultsFormat.XML),
                     ("sparql-json", ox.QueryResultsFormat.JSON)):
        parsed = list(ox.parse_query_results(canned.serialize(result, fmt), format=oxf))
        assert [[s[v] for v in result.variables] for s in parsed] == \
               [[row.get(v) for v in result.variables] for row in result.rows], fmt
