"""The query page's data: completion terms from the ontology, the canned-query menu, the views."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg import paths
from kg.canned import load_queries
from kg.errors import NotFound, ParameterError
from kg.pages.ontology_docs import ontology_doc
from kg.pages.query_editor import canned_entry, canned_menu, check_view, editor_terms


def test_completion_offers_every_term_of_the_ontology_with_its_label() -> None:
    ours = [t for t in ontology_doc().terms if t.iri.startswith("https://w3id.org/tregua/ontology#")]
    terms = {t["curie"]: t for t in editor_terms("en")}
    assert len(terms) == len(ours) and len(ours) > 20
    assert terms["tg:Person"]["kind"] == "class"
    assert terms["tg:stanceOf"]["kind"] == "object property"
    assert all(t["label"] for t in terms.values())


def test_completion_labels_follow_the_language() -> None:
    en = {t["curie"]: t["label"] for t in editor_terms("en")}
    es = {t["curie"]: t["label"] for t in editor_terms("es")}
    assert en["tg:Person"] == "person" and es["tg:Person"] == "persona"
    assert sum(en[c] != es[c] for c in en) > len(en) // 2  # most terms have an @es label


def test_the_menu_holds_every_canned_query_without_its_header() -> None:
    menu = canned_menu()
    assert [e["name"] for e in menu] == [q.name for q in load_queries(paths.QUERIES_DIR)]
    timeline = canned_entry("timeline")
    assert timeline["query"].startswith("PREFIX") and "#+" not in timeline["query"]
    assert [p["name"] for p in timeline["parameters"]] == ["from_year", "to_year", "lang"]


def test_unknown_canned_query_and_view_are_refused_with_the_way_out() -> None:
    with pytest.raises(NotFound) as missing:
        canned_entry("timelin")
    assert missing.value.suggestions[0] == "timeline"
    with pytest.raises(ParameterError) as bad:
        check_view("pie")
    assert "table" in (bad.value.hint or "")


def test_a_broken_catalogue_leaves_an_empty_menu(tmp_path: Path) -> None:
    (tmp_path / "broken.rq").write_text("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    assert canned_menu(tmp_path) == []
