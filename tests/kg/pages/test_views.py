"""The pictures' page models (kg.pages.views) over the real canned queries and the seed's fixed
dataset: the timeline's items, the network's camps, which views each query supports."""

from __future__ import annotations

from typing import Any

from kg import canned
from kg.pages import views
from kg.store.engine import InProcessEngine
from tests.kg.canned.conftest import catalog, engine

__all__ = ["catalog", "engine"]
ID = "https://w3id.org/tregua/id/"


def _run(engine: InProcessEngine, catalog: canned.QueryCatalog, name: str,
         params: dict[str, str] | None = None) -> canned.CannedResult:
    return canned.run(engine, catalog.get(name), params or {})


def _items(engine: InProcessEngine, catalog: canned.QueryCatalog, lang: str = "en") -> dict[str, dict[str, Any]]:
    result = _run(engine, catalog, "timeline-items", {"lang": lang})
    return {item["href"]: item for item in views.timeline_items(result.variables, result.rows)}


def test_the_timeline_has_the_events_of_the_story_at_their_precision(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    items = _items(engine, catalog)
    truce = items[ID + "event/gang-truce-2012"]
    assert (truce["kind"], truce["start"], truce["end"]) == ("event", "2012-03-09", "2014-05-26")
    assert ID + "organization/ms13" in truce["actors"]
    assert items[ID + "event/salvador-sanchez-ceren-takes-office"]["start"] == "2014-06-01"
    law = items[ID + "event/laws-outlawing-gang-negotiation"]
    assert (law["start"], law["end"], law["until"], law["date"]) == ("2016-04-01", None, "2016-05-01", "2016-04")
    assert items[ID + "event/arrests-of-truce-participants"]["start"] == "2016-05-03"
    assert items[ID + "event/ms13-dialogue-proposal-2016"]["date"] == "2016-03"
    assert items[ID + "event/ms13-dialogue-proposal-2017"]["start"] == "2017-01-09"


def test_the_officials_answers_are_dated_statements_with_speaker_and_stances(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    items = _items(engine, catalog)
    cotto = items[ID + "statement/howard-cotto-rejects-proposal"]
    assert (cotto["kind"], cotto["speaker"], cotto["stances"], cotto["date"]) == (
        "statement", "Howard Cotto", ["reject"], "2017-01")
    assert cotto["actors"] == [ID + "person/howard-cotto"]
    gallegos = items[ID + "statement/guillermo-gallegos-door-never-shut"]
    assert sorted(gallegos["stances"]) == ["notRuledOut", "sceptical"]
    undated = [i for i in items.values() if i["href"].endswith("event/reintegration-bill")]
    assert not undated, "an undated event has no place on the axis"


def test_the_timeline_speaks_spanish_where_the_data_does(engine: InProcessEngine,
                                                         catalog: canned.QueryCatalog) -> None:
    items = _items(engine, catalog, "es")
    assert items[ID + "event/gang-truce-2012"]["label"] == "tregua entre pandillas de 2012"
    assert items[ID + "event/gang-truce-2012"]["type"] == "tregua"
    spokesmen = items[ID + "statement/ms13-spokesmen-dialogue-offer"]
    assert spokesmen["speaker"] == "voceros de la MS13"


def test_the_filters_list_the_actors_and_the_stances_in_camp_order(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    result = _run(engine, catalog, "timeline-items")
    items = views.timeline_items(result.variables, result.rows)
    labels = views.stance_labels(_run(engine, catalog, "stance-network").rows)
    filters = views.timeline_filters(items, labels)
    assert [s["value"] for s in filters["stances"]] == list(views.CAMPS)
    assert filters["stances"][0]["label"] == "rejects"
    names = [a["name"] for a in filters["actors"]]
    assert "Guillermo Gallegos" in names and names == sorted(names, key=str.lower)


def test_gallegos_stands_in_three_camps_and_sets_three_conditions(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    rows = _run(engine, catalog, "stance-network").rows
    camps = views.camps(rows, issue=ID + "issue/negotiating-with-gangs")
    assert [c["value"] for c in camps] == list(views.CAMPS)
    where = {c["value"]: {a["name"]: a for a in c["actors"]} for c in camps}
    assert {v for v, actors in where.items() if "Guillermo Gallegos" in actors} == {
        "notRuledOut", "conditional", "sceptical"}
    conditions = where["conditional"]["Guillermo Gallegos"]["conditions"]
    assert sorted(c["requirement"] for c in conditions) == [
        "before any negotiations, they must first abandon violence", "have to hand over their weapons",
        "their leaders have to come out into the open"]
    assert {c["required_of"] for c in conditions} == {"MS13"}
    assert [r["name"] for r in where["reject"]["Howard Cotto"]["reporters"]] == ["El Faro"]
    assert set(where["reject"]) >= {"Howard Cotto", "Oscar Ortiz", "Mauricio Ramírez Landaverde"}


def test_the_network_elements_put_each_actor_in_its_camp_column(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    camps = views.camps(_run(engine, catalog, "stance-network").rows, issue=ID + "issue/negotiating-with-gangs")
    elements = views.camp_elements(camps)
    data = [e["data"] for e in elements]
    node = "conditional|" + ID + "person/guillermo-gallegos"
    assert {"id": node, "parent": "camp:conditional"}.items() <= next(d for d in data if d["id"] == node).items()
    sets = [d for d in data if d.get("source") == node and d["role"] == "sets"]
    assert len(sets) == 3
    ids = {d["id"] for d in data}
    assert all(d["source"] in ids and d["target"] in ids for d in data if "source" in d)
    assert [d["id"] for d in data if d.get("role") == "camp"][-1] == "camp:reporters"


def test_each_query_offers_the_views_its_columns_allow(engine: InProcessEngine,
                                                       catalog: canned.QueryCatalog) -> None:
    def offered(name: str) -> tuple[str, ...]:
        result = _run(engine, catalog, name)
        return views.views_of(result.variables, result.rows)

    assert offered("timeline") == ("table", "timeline")
    assert offered("positions-over-time") == ("table", "timeline")
    assert "network" in offered("responses-network") and "network" in offered("stance-network")
    assert offered("stance-counts") == ("table", "chart")
    assert offered("conditions-for-dialogue") == ("table",)


def test_a_generic_network_and_chart_from_any_answer(engine: InProcessEngine,
                                                     catalog: canned.QueryCatalog) -> None:
    responses = _run(engine, catalog, "responses-network")
    elements = views.edge_elements(responses.variables, responses.rows)
    edges = [e["data"] for e in elements if "source" in e["data"]]
    labels = {e["data"]["id"]: e["data"]["label"] for e in elements if "source" not in e["data"]}
    assert (ID + "person/howard-cotto", ID + "organization/ms13") in {(e["source"], e["target"]) for e in edges}
    assert labels[ID + "person/howard-cotto"] == "Howard Cotto"
    counts = _run(engine, catalog, "stance-counts")
    chart = views.chart_series(counts.variables, counts.rows)
    assert (chart["category"], chart["measure"]) == ("stance", "actors")
    assert dict(zip(chart["categories"], chart["values"], strict=True))["rejects"] >= 4
