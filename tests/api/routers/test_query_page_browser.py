"""The query page (/query) in headless Chromium against a real server: the menu, the views, the
downloads, share links, errors, completion, a phone's width, and axe-core's accessibility rules.

Rows are checked for presence (the 2012 truce is in the timeline), never pinned whole: the graph
is the union of every source, and a new source adds rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import loopback_page
from tests.conftest import Server

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[3] / "web" / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    with loopback_page(browser, server.url, base_url=server.url, accept_downloads=True,
                       viewport={"width": 1200, "height": 900}) as pg:
        refused: list[str] = []
        pg.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        pg.on("pageerror", lambda e: refused.append(f"script error: {e}"))
        yield pg
        assert not refused, refused  # the page keeps its own policy (CodeMirror, Cytoscape, ECharts)


def editor_text(page: Any) -> str:
    return str(page.evaluate("document.getElementById('query').value"))


def type_query(page: Any, text: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    # Deleted first: typing over a selection makes Chromium's editing engine copy the old text's
    # style into a style= attribute, which the page's CSP refuses (harmlessly, but noisily).
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def column(page: Any, name: str) -> list[str]:
    heads = page.locator("#query-results thead th").all_inner_texts()
    index = [h.strip(" ▲▼") for h in heads].index(name)
    return [str(v) for v in page.locator("#query-results tbody tr").evaluate_all(
        # the value itself (a language-tagged literal carries its tag in a badge after it)
        f"rows => rows.map(r => {{ const c = r.cells[{index}].firstChild; "
        "return c && c.firstChild ? c.firstChild.textContent : ''; })")]


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def test_a_canned_query_from_the_menu_runs_sorts_draws_a_timeline_and_is_shared(
        page: Any, browser: Any, server: Server, tmp_path: Path) -> None:
    page.goto("/sparql")
    page.wait_for_url("**/query")
    page.locator(".cm-content").wait_for()
    page.select_option("#qp-menu", "canned:timeline")
    assert "SELECT ?event ?name ?type ?start ?end ?status" in editor_text(page)
    assert page.locator("#qp-params label").all_inner_texts() == ["from_year", "to_year", "lang"]
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-results tbody tr").first.wait_for(timeout=15_000)
    assert page.get_attribute("#query-results", "data-view") == "table"
    assert "2012 gang truce" in column(page, "name")

    # Sorting: the header's button sorts by that column, a second press reverses it.
    page.locator("#query-results thead th button", has_text="name").click()
    assert page.locator("#query-results th[aria-sort=ascending]").inner_text().startswith("name")
    names = column(page, "name")
    assert names == sorted(names, key=fold)  # as people read them: accents and case aside
    page.locator("#query-results thead th button", has_text="name").click()
    assert column(page, "name") == names[::-1]

    # The timeline, and back.
    page.get_by_role("button", name="Timeline").click()
    truce = page.locator(".vis-item a", has_text="2012 gang truce")
    truce.wait_for(timeout=10_000)
    assert truce.get_attribute("href") == "/id/event/gang-truce-2012"
    assert page.get_by_role("button", name="Timeline").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)
    share = page.input_value("#qp-share")
    assert "canned=timeline" in share and "view=timeline" in share
    spanish = page.locator(".lang-switch a[hreflang=es]").get_attribute("href")
    assert spanish.startswith("/query?") and "canned=timeline" in spanish and "view=timeline" in spanish
    assert spanish.endswith("lang=es")
    page.get_by_role("button", name="Table").click()
    assert page.locator("#query-results tbody tr").count() == len(names)

    # Its rows as CSV, from the canned query's own URL.
    href = page.get_attribute("#qp-dl-csv", "href")
    assert href.startswith("/queries/timeline?") and "format=csv" in href
    with page.expect_download() as download:
        page.click("#qp-dl-csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("event,name,type,start,end,status") and "2012 gang truce" in csv_text

    # The share link, opened in a page of its own, restores the query and the view.
    with loopback_page(browser, server.url) as other:
        other.goto(share)
        other.locator(".vis-item a", has_text="2012 gang truce").wait_for(timeout=15_000)
        assert other.evaluate("document.getElementById('query').value") == editor_text(page)
        assert other.get_by_role("button", name="Timeline").get_attribute("aria-pressed") == "true"
        assert other.input_value("#qp-menu") == "canned:timeline"


def test_own_query_downloads_csv_from_sparql_and_shares_a_chart(page: Any, browser: Any, server: Server,
                                                                 tmp_path: Path) -> None:
    page.goto("/query")
    query = ("SELECT ?word (STRLEN(?word) AS ?letters) WHERE { VALUES ?word { \"truce\" \"gangs\" \"dialogue\" } }"
             " ORDER BY ?word")
    type_query(page, query)
    page.keyboard.press("Control+Enter")  # runs from the keyboard
    page.locator("#query-results .qp-chart svg").wait_for(timeout=15_000)  # counts: a chart by itself
    assert page.get_by_role("button", name="Chart").get_attribute("aria-pressed") == "true"
    assert "3 rows" in page.inner_text("#query-status")
    page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)
    href = page.get_attribute("#qp-dl-csv", "href")
    assert href.startswith("/sparql?") and "format=csv" in href
    with page.expect_download() as download:
        page.click("#qp-dl-csv")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8").replace("\r\n", "\n")
    assert csv_text == "word,letters\ndialogue,8\ngangs,5\ntruce,5\n"
    assert page.locator("#qp-dl-ttl").is_hidden()
    share = page.input_value("#qp-share")
    with loopback_page(browser, server.url) as other:
        other.goto(share)
        other.locator("#query-results .qp-chart svg").wait_for(timeout=15_000)
        assert other.evaluate("document.getElementById('query').value") == query


def test_a_describe_and_a_network_draw_as_graphs(page: Any, tmp_path: Path) -> None:
    page.goto("/query")
    type_query(page, "DESCRIBE <https://w3id.org/tregua/id/person/oscar-ortiz>")
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-results .qp-graph canvas").first.wait_for(timeout=15_000)
    assert "triples" in page.inner_text("#query-status")
    nodes = page.locator("#query-results .qp-list a")
    assert "Oscar Ortiz" in nodes.all_text_contents()
    assert page.get_attribute("#qp-dl-ttl", "href").endswith("format=ttl")  # type: ignore[union-attr]
    assert page.locator("#qp-dl-csv").is_hidden()
    page.screenshot(path=str(tmp_path / "graph.png"), full_page=True)

    # Rows with two IRI columns draw as a network: who answered whom, nodes named by their columns.
    page.goto("/query?canned=responses-network&view=graph")
    page.locator("#query-results .qp-graph canvas").first.wait_for(timeout=15_000)
    names = page.locator("#query-results .qp-list a").all_text_contents()
    assert {"MS13", "Oscar Ortiz"} <= set(names)
    assert page.get_by_role("button", name="Graph").get_attribute("aria-pressed") == "true"


def test_a_syntax_error_is_shown_with_its_position(page: Any) -> None:
    page.goto("/query")
    type_query(page, "SELECT * WHERE { ?s ?p }")
    page.keyboard.press("Control+Enter")
    alert = page.get_by_role("alert")
    alert.wait_for(timeout=15_000)
    assert alert.inner_text().startswith("Error 400")
    assert "check the SPARQL syntax" in alert.inner_text()
    alert.get_by_role("button", name="line 1, column 25").click()
    assert page.evaluate("getSelection().focusNode.parentElement.closest('.cm-content') !== null")


def test_completion_offers_ontology_terms_in_the_page_language(page: Any) -> None:
    page.goto("/query?lang=es")
    type_query(page, "SELECT * WHERE { ?x a tg:Pers")
    options = page.locator(".cm-tooltip-autocomplete li")
    options.first.wait_for(timeout=5_000)
    first = options.first.inner_text()
    assert first.startswith("tg:Person") and "persona" in first
    page.wait_for_timeout(200)  # CodeMirror ignores Enter for 75 ms after the list opens (interactionDelay)
    page.keyboard.press("Enter")
    text = editor_text(page)
    assert "?x a tg:Person" in text and text.startswith("PREFIX tg: <https://w3id.org/tregua/ontology#>")
    assert page.get_by_role("button", name="Ejecutar la consulta").is_visible()


def test_usable_on_a_phone(browser: Any, server: Server, tmp_path: Path) -> None:
    with loopback_page(browser, server.url, base_url=server.url, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True) as phone:
        phone.goto("/query?canned=timeline")
        phone.locator("#query-results tbody tr").first.wait_for(timeout=15_000)
        phone.get_by_role("button", name="Timeline").tap()
        phone.locator(".vis-item").first.wait_for(timeout=10_000)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(tmp_path / "phone.png"), full_page=True)


def test_axe_finds_no_serious_or_critical_violation(browser: Any, server: Server, tmp_path: Path) -> None:
    # axe-core is injected as a script, which the page's CSP would refuse: this context bypasses it.
    with loopback_page(browser, server.url, base_url=server.url, bypass_csp=True) as pg:
        found: dict[str, list[str]] = {}
        for url, view in (("/query?canned=timeline&view=table", "table"),
                          # a canned query longer than the editor's box: the editor grows with it
                          ("/query?canned=timeline-items&view=table", "table"),
                          ("/query?canned=positions", "table"),
                          ("/query?canned=responses-network", "graph"),
                          ("/query?canned=timeline&view=timeline", "timeline"),
                          ("/query?canned=stance-counts&view=chart", "chart")):  # /query alone: test_accessibility
            pg.goto(url)
            pg.locator(f"#query-results[data-view={view}] > *").first.wait_for(timeout=15_000)
            if "canned=" in url and "canned=timeline&" not in url:
                scroller = pg.locator(".cm-scroller")
                assert scroller.evaluate("e => e.scrollHeight <= e.clientHeight + 1"), url  # no inner scroll
            pg.add_script_tag(path=str(AXE))
            result = pg.evaluate("axe.run(document, {resultTypes: ['violations']})")
            bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                   for v in result["violations"] if v["impact"] in ("serious", "critical")]
            if bad:
                found[url] = bad
        pg.screenshot(path=str(tmp_path / "axe.png"), full_page=True)
    assert not found, found


def test_views_are_chosen_by_the_shape_of_the_answer(page: Any, tmp_path: Path) -> None:
    # Statements per stance of each actor, many columns: a table, its actors shown by name.
    page.goto("/query?canned=positions")
    page.locator("#query-results[data-view=table] tbody tr").first.wait_for(timeout=15_000)
    first = page.locator("#query-results tbody tr td:first-child a").first
    assert not first.inner_text().startswith("http")
    assert first.get_attribute("title").startswith("https://w3id.org/tregua/id/")  # type: ignore[union-attr]
    assert first.inner_text() in column(page, "name")
    # Two IRI columns relating actors: a graph, Cytoscape without warnings (wheelSensitivity...).
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto("/query?canned=responses-network")
    page.locator("#query-results[data-view=graph] .qp-graph canvas").first.wait_for(timeout=15_000)
    assert not [w for w in warnings if "cytoscape" in w.lower() or "wheel" in w.lower()], warnings
    page.screenshot(path=str(tmp_path / "network.png"), full_page=True)
    # Actors per stance: a chart of one series, its axes named after their columns.
    page.goto("/query?canned=stance-counts")
    page.locator("#query-results[data-view=chart] .qp-chart svg").wait_for(timeout=15_000)
    svg = page.inner_text("#query-results .qp-chart")
    assert "actors" in svg and "stance" in svg and "actors_on_issue" not in svg
    page.screenshot(path=str(tmp_path / "stance-chart.png"), full_page=True)


def test_timeline_items_are_named_by_their_label_and_all_reachable(page: Any, tmp_path: Path) -> None:
    page.goto("/query?canned=timeline-items&view=timeline")
    page.locator(".vis-item a", has_text="2012 gang truce").first.wait_for(timeout=15_000)
    names = page.locator(".qp-timeline .vis-item a").all_inner_texts()
    assert not {"event", "statement"} & {n.strip() for n in names}
    # More items than the box holds: the timeline scrolls vertically rather than clip them.
    assert page.locator(".qp-timeline .vis-vertical-scroll").count() >= 1
    page.screenshot(path=str(tmp_path / "timeline-items.png"), full_page=True)


def test_the_address_bar_follows_each_run(page: Any) -> None:
    page.goto("/query")
    page.locator(".cm-content").wait_for()
    page.select_option("#qp-menu", "canned:timeline")
    page.get_by_role("button", name="Run query").click()
    page.locator("#query-results tbody tr").first.wait_for(timeout=15_000)
    assert "canned=timeline" in page.url and "view=table" in page.url
    assert page.locator("#qp-p-from_year").bounding_box()["width"] >= 250  # room for an IRI's start
    page.fill("#qp-p-from_year", "2016")
    page.get_by_role("button", name="Run query").click()
    page.wait_for_url(lambda url: "p.from_year=2016" in url, timeout=15_000)
    page.locator("#query-status", has_text="rows").wait_for(timeout=15_000)
    assert page.input_value("#qp-share") == page.url


def test_spanish_page_asks_spanish_labels_and_phone_table_reads(browser: Any, server: Server, tmp_path: Path) -> None:
    with loopback_page(browser, server.url, base_url=server.url, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True) as phone:
        phone.goto("/query?canned=timeline-items&lang=es")
        phone.locator("#query-results tbody tr").first.wait_for(timeout=15_000)
        assert phone.input_value("#qp-p-lang") == "es"
        assert phone.get_attribute("#qp-p-lang-help", "lang") == "en"  # from the .rq header, in English
        assert "tregua entre pandillas de 2012" in column(phone, "label")
        # A parameter field spans the phone's width; the table scrolls in its box, not the page.
        assert phone.locator("#qp-p-lang").bounding_box()["width"] > 250
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        styles = phone.evaluate("""() => {
            const td = document.querySelector('#query-results td');
            const lang = document.querySelector('#query-results .lang');
            const iri = document.querySelector('#query-results a.qp-iri');
            return [getComputedStyle(td).wordBreak, getComputedStyle(td).overflowWrap,
                    lang ? getComputedStyle(lang).whiteSpace : 'nowrap',
                    getComputedStyle(iri).overflowWrap, iri.textContent, iri.title]; }""")
        assert styles[:4] == ["normal", "normal", "nowrap", "anywhere"]
        assert not styles[4].startswith("http") and styles[5].startswith("https://")
        phone.screenshot(path=str(tmp_path / "phone-table.png"), full_page=True)
