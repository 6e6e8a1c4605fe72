"""`lang=es`: Spanish labels where the data has them, English where it has none, default unchanged.

The expected labels are asked of the data (every `rdfs:label` of the seed dataset, by IRI and
language), not typed here, so a label corrected in a source does not break these tests.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
import pytest

from kg import canned
from kg.errors import ParameterError
from kg.store.engine import InProcessEngine, QueryRequest, Term

LABELS = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(LANGMATCHES(LANG(?label), "en") || LANG(?label) = "es") }"""
STANCES = """PREFIX tg: <https://w3id.org/tregua/ontology#>
SELECT DISTINCT ?actor ?value WHERE { ?stance tg:stanceOf ?actor ; tg:onIssue ?issue ; tg:stanceValue ?value }"""
ISSUE = "https://w3id.org/tregua/id/issue/negotiating-with-gangs"


class Labels:
    """Every English and Spanish label of the data, by IRI: what a query's answer must show."""

    def __init__(self, engine: InProcessEngine) -> None:
        self.by: dict[tuple[str, str], ox.Literal] = {}
        for row in engine.select(QueryRequest(LABELS)).rows:
            subject, label = row["s"], row["label"]
            if isinstance(subject, ox.NamedNode) and isinstance(label, ox.Literal) and label.language:
                self.by[(subject.value, label.language)] = label

    def has_spanish(self, iri: str) -> bool:
        return (iri, "es") in self.by

    def shown(self, iri: str, lang: str) -> ox.Literal:
        """The label in `lang`, else the English one: the fallback rule of the queries."""
        return self.by.get((iri, lang)) or self.by[(iri, "en")]


@pytest.fixture(scope="module")
def labels(engine: InProcessEngine) -> Labels:
    return Labels(engine)


def run(engine: InProcessEngine, catalog: canned.QueryCatalog, name: str, **params: str) -> canned.CannedResult:
    return canned.run(engine, catalog.get(name), params)


def values(rows: Iterable[dict[str, Term]], column: str) -> list[Term | None]:
    return [row.get(column) for row in rows]


@pytest.mark.parametrize(("name", "params"), [
    ("stance-counts", {}), ("positions", {}), ("quotes-by-speaker", {"speaker": "id:person/oscar-ortiz"}),
    ("people-by-organization", {"organization": "id:organization/government-of-el-salvador"}),
    ("timeline", {}), ("sources", {}),
])
def test_without_lang_the_answer_is_the_english_one(engine: InProcessEngine, catalog: canned.QueryCatalog,
                                                    name: str, params: dict[str, str]) -> None:
    """The default is `en`: leaving `lang` out gives the very bytes `lang=en` gives (and the
    exact rows of test_answers.py, which call without it, are English)."""
    default = canned.serialize(run(engine, catalog, name, **params), "sparql-json")
    assert default == canned.serialize(run(engine, catalog, name, **params, lang="en"), "sparql-json")
    assert b'"xml:lang": "es"' not in default


def test_positions_names_actors_and_stances_in_spanish(engine: InProcessEngine, catalog: canned.QueryCatalog,
                                                       labels: Labels) -> None:
    english = run(engine, catalog, "positions")
    spanish = run(engine, catalog, "positions", lang="es")
    assert sorted(map(str, values(spanish.rows, "actor"))) == sorted(map(str, values(english.rows, "actor")))
    for row in spanish.rows:
        actor = row["actor"].value
        assert row["name"] == labels.shown(actor, "es"), actor
    # the rule is seen at work: some names are Spanish, and some differ from the English ones
    assert any(row["name"].language == "es" for row in spanish.rows)
    assert {row["name"].value for row in spanish.rows} != {row["name"].value for row in english.rows}
    stances = {row["stance"] for row in spanish.rows}
    assert stances and all(s.language == "es" for s in stances)


def test_positions_falls_back_to_english_where_no_spanish_label(
        engine: InProcessEngine, catalog: canned.QueryCatalog, labels: Labels) -> None:
    """Offices (posts) and parties without a Spanish label stay English; those with one are Spanish."""
    spanish = run(engine, catalog, "positions", lang="es")
    posts = {iri for (iri, _) in labels.by if "/post/" in iri}
    parties = {iri for (iri, _) in labels.by if "/organization/" in iri}
    expected = {labels.shown(iri, "es").value for iri in posts | parties}
    shown = {name for row in spanish.rows for column in ("office", "party")
             for name in plain(row.get(column)).split("; ") if name}
    assert shown and shown <= expected
    english_only = {labels.shown(iri, "en").value for iri in posts | parties if not labels.has_spanish(iri)}
    assert shown & english_only, "the seed shows an English stand-in (a post with no Spanish label)"


def plain(term: Term | None) -> str:
    return canned.plain_value(term)


def test_stance_counts_in_spanish(engine: InProcessEngine, catalog: canned.QueryCatalog, labels: Labels) -> None:
    held: dict[str, set[str]] = {}  # stance value -> actors, on the default issue, as the data says
    issue_stances = STANCES.replace("?issue", f"<{ISSUE}>")
    for row in engine.select(QueryRequest(issue_stances)).rows:
        held.setdefault(row["value"].value, set()).add(row["actor"].value)
    spanish = run(engine, catalog, "stance-counts", lang="es")
    assert {row["stance"] for row in spanish.rows} == {labels.shown(v, "es") for v in held}
    for row in spanish.rows:
        value = next(v for v in held if labels.shown(v, "es") == row["stance"])
        assert int(row["actors"].value) == len(held[value])
        assert set(row["who"].value.split("; ")) == {labels.shown(a, "es").value for a in held[value]}
    english = run(engine, catalog, "stance-counts")
    assert {row["stance"] for row in english.rows} == {labels.shown(v, "en") for v in held}


def test_quotes_by_speaker_issues_in_spanish_sources_in_english(
        engine: InProcessEngine, catalog: canned.QueryCatalog, labels: Labels) -> None:
    """Issues have Spanish labels; sources have only their (English) titles: the fallback."""
    spanish = run(engine, catalog, "quotes-by-speaker", speaker="id:person/oscar-ortiz", lang="es")
    english = run(engine, catalog, "quotes-by-speaker", speaker="id:person/oscar-ortiz")
    assert values(spanish.rows, "quote") == values(english.rows, "quote")
    spanish_issues = {label.value for (iri, lang), label in labels.by.items() if lang == "es" and "/issue/" in iri}
    english_issues = {label.value for (iri, lang), label in labels.by.items() if lang == "en" and "/issue/" in iri}
    named = [i for row in spanish.rows for i in row["issues"].value.split("; ") if i]
    assert named and set(named) <= spanish_issues
    assert not set(named) & (english_issues - spanish_issues)
    for row_es, row_en in zip(spanish.rows, english.rows, strict=True):
        assert row_es["source_title"] == row_en["source_title"]  # no Spanish title in the data
        assert row_es["source_title"].language == "en"
        assert row_es["text"] == row_en["text"]  # the words said are never translated


def test_people_by_organization_in_spanish(engine: InProcessEngine, catalog: canned.QueryCatalog,
                                           labels: Labels) -> None:
    spanish = run(engine, catalog, "people-by-organization",
                  organization="id:organization/government-of-el-salvador", lang="es")
    assert spanish.rows
    for row in spanish.rows:
        assert row["name"] == labels.shown(row["person"].value, "es")
    units = {row["unit_name"] for row in spanish.rows}
    spanish_units = {label for (iri, lang), label in labels.by.items() if lang == "es" and "/organization/" in iri}
    english_units = {label for (iri, lang), label in labels.by.items() if lang == "en" and "/organization/" in iri
                     and not labels.has_spanish(iri)}
    assert units <= spanish_units | english_units
    assert units & spanish_units


@pytest.mark.parametrize("name", ["positions", "stance-counts", "timeline", "sources", "people-by-organization"])
def test_an_unknown_language_is_a_clear_400(catalog: canned.QueryCatalog, name: str) -> None:
    with pytest.raises(ParameterError) as info:
        catalog.get(name).bind([("lang", "fr")])
    assert info.value.name == "lang"


def test_every_query_with_lang_answers_its_example_differently_in_spanish(
        engine: InProcessEngine, catalog: canned.QueryCatalog) -> None:
    """A subquery that does not project `?lang` never sees it and silently stays English: every
    query's example answer names something the data labels in Spanish, so `lang=es` must show."""
    same = []
    for q in catalog:
        if q.param("lang") is None:
            continue
        params = {k: v for k, v in q.example_params().items() if k != "lang"}
        english = canned.serialize(canned.run(engine, q, params), "sparql-json")
        spanish = canned.serialize(canned.run(engine, q, {**params, "lang": "es"}), "sparql-json")
        if english == spanish:
            same.append(q.name)
    assert same == [], f"{same}: lang=es changes nothing (is ?lang projected from every subquery?)"
    assert sum(q.param("lang") is not None for q in catalog) == len(catalog)
