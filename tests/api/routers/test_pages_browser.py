"""What a person sees, in headless Chromium (Debian's, through Playwright; no browser download)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import loopback_page
from tests.conftest import Server

pytestmark = pytest.mark.browser

@pytest.fixture()
def page(browser: object, server: Server) -> Iterator[object]:
    with loopback_page(browser, server.url, base_url=server.url, viewport={"width": 1200, "height": 900}) as pg:
        yield pg


def test_entity_page_reads_well_and_links_to_the_passage(page: object, tmp_path: Path) -> None:
    page.goto("/id/person/oscar-ortiz")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text() == "Oscar Ortiz"  # type: ignore[attr-defined]
    offices = page.get_by_role("region", name="Offices held")  # type: ignore[attr-defined]
    assert "Vice President of El Salvador" in offices.inner_text()
    stances = page.get_by_role("region", name="Stances")  # type: ignore[attr-defined]
    assert stances.locator(".badge.stance-reject").first.inner_text() == "rejects"
    statements = page.get_by_role("region", name="Statements")  # type: ignore[attr-defined]
    quotes = [q.strip("“” \n") for q in statements.locator("blockquote").all_inner_texts()]
    assert "desist." in quotes
    assert page.get_by_text("Wikidata: not linked yet").is_visible()  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "entity.png"), full_page=True)  # type: ignore[attr-defined]

    page.locator('a[href="/id/quote/oscar-ortiz-desist#position"]').first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/quote/oscar-ortiz-desist#position")  # type: ignore[attr-defined]
    assert page.locator("mark#passage-quote").inner_text() == "desist."  # type: ignore[attr-defined]
    assert page.locator("#position").is_visible()  # type: ignore[attr-defined]


def test_query_editor_runs_a_query_and_shows_rows(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.fill(
        "#query",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"  # type: ignore[attr-defined]
        "SELECT ?lang ?label WHERE { <https://w3id.org/tregua/id/person/oscar-ortiz> rdfs:label ?label "
        "BIND(LANG(?label) AS ?lang) } ORDER BY ?lang",
    )
    page.click("#run")  # type: ignore[attr-defined]
    rows = page.locator("#query-results tbody tr")  # type: ignore[attr-defined]
    rows.first.wait_for(timeout=15_000)
    # each cell's value (a language-tagged literal carries its tag in a badge after it)
    cells = rows.evaluate_all("rows => rows.map(r => [...r.cells].map(c => c.firstChild.textContent))")
    assert cells == [["en", "Oscar Ortiz"], ["es", "Oscar Ortiz"]]
    assert rows.nth(0).locator(".lang").inner_text() == "en"
    assert page.locator("#query-results thead th").all_inner_texts() == ["lang", "label"]  # type: ignore[attr-defined]
    assert "2 rows" in page.locator("#query-status").inner_text()  # type: ignore[attr-defined]


def test_query_editor_examples_run_and_errors_are_explained(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.select_option("#example", index=1)  # type: ignore[attr-defined]
    assert "tg:hasQuote" in page.input_value("#query")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    page.locator("#query-results tbody tr").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
    assert page.locator("#query-results tbody tr").count() >= 10  # type: ignore[attr-defined]
    page.fill("#query", "SELECT * WHERE { ?s ?p }")  # type: ignore[attr-defined]
    page.click("#run")  # type: ignore[attr-defined]
    status = page.locator("#query-status.error")  # type: ignore[attr-defined]
    status.wait_for(timeout=15_000)
    assert status.inner_text().startswith("Error 400")


def test_type_badge_follows_to_the_ontology_anchor(page: object) -> None:
    page.goto("/id/person/oscar-ortiz")  # type: ignore[attr-defined]
    page.locator("a.badge", has_text="person").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/ontology#Person")  # type: ignore[attr-defined]
    term = page.locator("article#Person")  # type: ignore[attr-defined]
    assert term.is_visible()
    assert page.evaluate("document.querySelector(':target').id") == "Person"  # type: ignore[attr-defined]
    box = term.bounding_box()
    assert box is not None and 0 <= box["y"] < 200  # scrolled to the term


def test_search_box_suggests_as_you_type(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.fill("#q", "oscar ortiz")  # type: ignore[attr-defined]
    hit = page.locator('#search-results a[href="/id/person/oscar-ortiz"]')  # type: ignore[attr-defined]
    hit.wait_for(timeout=15_000)
    assert hit.inner_text() == "Oscar Ortiz"


def test_diagram_boxes_link_to_their_sections(page: object) -> None:
    page.goto("/ontology")  # type: ignore[attr-defined]
    page.locator('.diagram a[href="#Quote"]').click()  # type: ignore[attr-defined]
    page.wait_for_url("**/ontology#Quote")  # type: ignore[attr-defined]
    assert page.evaluate("document.querySelector(':target').id") == "Quote"  # type: ignore[attr-defined]


def test_each_quote_once_under_its_statement_with_the_stance_badges(page: object, tmp_path: Path) -> None:
    """Gallegos's two quotes expressed two stances (does not rule out, sceptical): shown once, badged twice."""
    page.goto("/id/person/guillermo-gallegos")  # type: ignore[attr-defined]
    quotes = page.locator("article.entity blockquote").all_inner_texts()  # type: ignore[attr-defined]
    assert len(quotes) == len(set(quotes)) == 3
    door = page.locator("#statement-guillermo-gallegos-door-never-shut")  # type: ignore[attr-defined]
    assert sorted(door.locator(".stance-badges .badge").all_inner_texts()) == ["does not rule out", "sceptical"]
    assert door.locator("blockquote").count() == 2
    # a stance links down to the statement that expressed it, on the same page
    stances = page.get_by_role("region", name="Stances")  # type: ignore[attr-defined]
    stances.locator('a[href="#statement-guillermo-gallegos-door-never-shut"]').first.click()
    assert page.evaluate("document.querySelector(':target').id") == (  # type: ignore[attr-defined]
        "statement-guillermo-gallegos-door-never-shut")
    page.screenshot(path=str(tmp_path / "gallegos.png"), full_page=True)  # type: ignore[attr-defined]


def test_the_neighbourhood_graph_is_drawn_and_its_nodes_open_their_pages(page: object, tmp_path: Path) -> None:
    page.goto("/id/person/guillermo-gallegos")  # type: ignore[attr-defined]
    graph = page.locator("#entity-graph")  # type: ignore[attr-defined]
    graph.locator("canvas").first.wait_for(timeout=15_000)
    listed = page.locator("#entity-graph-list li").count()  # type: ignore[attr-defined]
    assert int(graph.get_attribute("data-edges")) == listed > 3  # the text alternative has every link
    assert "negotiating with the gangs" in page.locator("#entity-graph-list").inner_text()  # type: ignore[attr-defined]
    graph.screenshot(path=str(tmp_path / "graph.png"))
    # tapping a node opens its page (the position comes from Cytoscape itself)
    issue = "https://w3id.org/tregua/id/issue/negotiating-with-gangs"
    x, y = page.evaluate(  # type: ignore[attr-defined]
        "iri => { const n = window.treguaEntityGraph.getElementById(iri).renderedPosition(); return [n.x, n.y]; }",
        issue,
    )
    box = graph.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)  # type: ignore[attr-defined]
    page.wait_for_url("**/id/issue/negotiating-with-gangs")  # type: ignore[attr-defined]


def test_the_graph_list_is_reached_by_keyboard(page: object) -> None:
    page.goto("/id/person/guillermo-gallegos")  # type: ignore[attr-defined]
    first = page.locator("#entity-graph-list a").first  # type: ignore[attr-defined]
    first.focus()
    target = first.get_attribute("href")
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.wait_for_url("**" + target)  # type: ignore[attr-defined]


def test_spanish_by_the_switch_keeps_the_page_and_its_language(page: object, tmp_path: Path) -> None:
    page.goto("/id/person/guillermo-gallegos")  # type: ignore[attr-defined]
    page.locator('.lang-switch a[hreflang="es"]').click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/person/guillermo-gallegos?lang=es")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "es"  # type: ignore[attr-defined]
    stances = page.get_by_role("region", name="Posturas")  # type: ignore[attr-defined]
    assert set(stances.locator(".badge").all_inner_texts()) == {"no descarta", "escéptica", "condicionada"}
    assert page.locator("a.badge", has_text="persona").count() == 1  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "gallegos-es.png"), full_page=True)  # type: ignore[attr-defined]
    # links keep the language: following one stays in Spanish
    page.locator("#entity-graph-list a", has_text="negociar").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/id/issue/negotiating-with-gangs?lang=es")  # type: ignore[attr-defined]
    assert page.locator("html").get_attribute("lang") == "es"  # type: ignore[attr-defined]


def test_the_home_editor_answers_in_spanish(page: object) -> None:
    page.goto("/?lang=es")  # type: ignore[attr-defined]
    page.fill("#query", "SELECT ?x WHERE { VALUES ?x { 1 2 } }")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Ejecutar la consulta").click()  # type: ignore[attr-defined]
    page.locator("#query-results tbody tr").first.wait_for(timeout=15_000)  # type: ignore[attr-defined]
    assert page.locator("#query-status").inner_text().startswith("2 filas en ")  # type: ignore[attr-defined]
    page.fill("#q", "zzzz qqqq")  # type: ignore[attr-defined]
    page.get_by_text("Ninguna coincidencia por ahora.").wait_for(timeout=15_000)  # type: ignore[attr-defined]
