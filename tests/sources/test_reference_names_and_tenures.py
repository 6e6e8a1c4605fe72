"""The reference notes' names and tenures, each asked in the graph of the source that gives it.

Asking the named graph (not the union) keeps these answers true however many sources are added,
and shows that each fact sits with its source (../shared/reference/README.md lists them).
"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from tests.sources.conftest import PROLOGUE, Row, short

GRAPH = "https://w3id.org/tregua/graph/source/"


def in_graph(store: ox.Store, source: str, pattern: str, variables: str) -> set[Row]:
    """Rows of `pattern` inside the named graph of one source; the graph exists with its source node."""
    result = store.query(PROLOGUE + f"""
        SELECT {variables} WHERE {{ GRAPH <{GRAPH}{source}> {{
          source:{source} a tg:ReferenceWork . {pattern} }} }}""")
    assert isinstance(result, ox.QuerySolutions)
    names = [v.value for v in result.variables]
    return {tuple(short(s[n]) for n in names) for s in result}


@pytest.mark.parametrize(("source", "entity", "aliases"), [
    ("diario1-2019-05-police-director", "organization:ms13", {("Mara Salvatrucha", "es"), ("Mara Salvatrucha", "en"),
                                                              ("MS-13", "es")}),
    ("reference-com-rival-gangs-of-ms13", "organization:barrio-18", {("18th Street gang", "en"), ("M-18", "en"),
                                                                     ("M-18", "es")}),
    ("diario1-2016-01-cabinet", "organization:national-civil-police",
     {("Policía Nacional Civil", "es"), ("PNC", "es"), ("PNC", "en"), ("National Civil Police", "en")}),
    ("diario1-2019-05-police-director", "person:howard-cotto", {("Howard Augusto Cotto Castaneda", "es")}),
])
def test_other_names_are_in_their_sources_graph(memory_store: ox.Store, source: str, entity: str,
                                                aliases: set[tuple[str, str]]) -> None:
    rows = in_graph(memory_store, source, f"{entity} tg:alias ?a . BIND(LANG(?a) AS ?lang)", "?a ?lang")
    assert rows == aliases


def test_cotto_directed_the_police_from_2016_01_22_to_may_2019(memory_store: ox.Store) -> None:
    rows = in_graph(memory_store, "diario1-2019-05-police-director", """
        tenure:howard-cotto-police-director tg:startDate ?start ; tg:endDate ?end .
        BIND(DATATYPE(?start) AS ?ts) BIND(DATATYPE(?end) AS ?te)""", "?start ?ts ?end ?te")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert rows == {("2016-01-22", xsd + "date", "2019-05", xsd + "gYearMonth")}


def test_tenures_known_only_as_earlier_are_attested_before_a_date(memory_store: ox.Store) -> None:
    """"Director general of the PNC before Cotto"; "before that a deputy director": no invented day."""
    cabinet = in_graph(memory_store, "diario1-2016-01-cabinet", """
        ?t tg:holder ?who ; tg:post ?post ; tg:attestedBefore ?before .
        FILTER NOT EXISTS { ?t tg:startDate ?s } FILTER NOT EXISTS { ?t tg:endDate ?e }""", "?who ?post ?before")
    assert cabinet == {
        ("person/mauricio-ramirez-landaverde", "post/police-director", "2016-01"),
        ("person/mauricio-ramirez-landaverde", "post/deputy-director-general-of-the-national-civil-police", "2016-01"),
    }
    cotto = in_graph(memory_store, "diario1-2019-05-police-director",
                     "?t tg:holder ?who ; tg:post ?post ; tg:attestedBefore ?before .", "?who ?post ?before")
    assert cotto == {("person/howard-cotto", "post/deputy-director-of-the-national-civil-police", "2016-01-22")}


def test_ramirez_landaverde_was_named_minister_in_january_2016(memory_store: ox.Store) -> None:
    rows = in_graph(memory_store, "diario1-2016-01-cabinet",
                    "tenure:mauricio-ramirez-landaverde-minister tg:startDate ?start .", "?start")
    assert rows == {("2016-01",)}
