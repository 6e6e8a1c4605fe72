"""/timeline, /network and an embed in headless Chromium against a real server: the expected items
are drawn, the filters hide the others, the language switch redraws them in Spanish, and the embed
renders and sizes itself in an iframe on a page from another origin. The pages keep their own CSP
here (a refusal is a console error, which fails the test); axe-core checks these pages and every
kind of embed, in both languages, in tests/api/test_accessibility.py."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import loopback_page

pytestmark = pytest.mark.browser
GALLEGOS = "https://w3id.org/tregua/id/person/guillermo-gallegos"
TRUCE, PROPOSAL_2017 = "/id/event/gang-truce-2012", "/id/event/ms13-dialogue-proposal-2017"


@pytest.fixture(scope="module")
def newsroom(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A story page on another loopback origin that pastes the timeline's embed snippet as given."""
    with server.client() as client:
        snippet = client.get("/oembed", params={"url": server.url + "/timeline"}).json()["html"]
    root = tmp_path_factory.mktemp("newsroom")
    (root / "story.html").write_text(f"<!doctype html><title>Story</title><h1>Newsroom story</h1>{snippet}"
                                     "<p id='after'>The story goes on.</p>", encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}/story.html"
    site.shutdown()
    site.server_close()


#: The timeline's items drawn outside its visible panel (below it, or past its right edge).
OUTSIDE = """() => {
  const panel = document.querySelector('#timeline .vis-panel.vis-center').getBoundingClientRect();
  const frame = document.querySelector('#timeline').getBoundingClientRect();
  return [...document.querySelectorAll('#timeline .vis-item')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.top < panel.top - 1 || r.bottom > panel.bottom + 1 || r.left < frame.left - 1 || r.right > frame.right + 1;
  }).map(el => el.innerText);
}"""


def _open(page: Any, url: str) -> list[str]:
    """Errors and warnings in the console (Cytoscape warns of options it frowns on) fail a test."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    page.goto(url)
    return errors


def test_the_timeline_draws_the_story_and_filters_by_actor(browser: Any, server: Any, tmp_path: Path) -> None:
    with loopback_page(browser, server.url, viewport={"width": 1200, "height": 900}) as page:
        errors = _open(page, server.url + "/timeline")
        items = page.locator("#timeline .vis-item")
        items.first.wait_for()
        drawn = " | ".join(items.all_inner_texts())
        # the 2012 truce and the January 2017 proposal (not only March 2016's, whose label contains its name)
        truce = page.locator("#timeline .vis-item a", has_text="2012 gang truce")
        assert truce.get_attribute("href") == TRUCE
        proposal = page.locator(f"#timeline .vis-item a[href='{PROPOSAL_2017}']")
        assert proposal.inner_text() == "MS13 proposal of dialogue"
        assert "Howard Cotto" in drawn
        # Every item is inside the panel, reachable without scrolling it: the January 2017 proposal too.
        outside = page.evaluate(OUTSIDE)
        assert not outside, f"items outside the visible panel: {outside}"
        assert proposal.is_visible() and page.evaluate(
            "() => document.querySelectorAll('#timeline .vis-item').length") >= 20
        assert "MS13 proposal of dialogue" in (proposal.get_attribute("title") or "")  # the full text
        page.screenshot(path=str(tmp_path / "timeline.png"), full_page=True)

        page.select_option("#filter-actor", GALLEGOS)
        page.wait_for_function("() => !document.querySelector('#timeline').innerText.includes('Howard Cotto')")
        filtered = " | ".join(page.locator("#timeline .vis-item").all_inner_texts())
        assert "Guillermo Gallegos" in filtered and "Howard Cotto" not in filtered
        visible = page.locator("#timeline-list > li:not([hidden])")
        assert visible.count() == 2 and all("Guillermo Gallegos" in t for t in visible.all_inner_texts())
        assert "actor=" in page.url  # the filter is in the URL, so a shared link keeps it
        snippet = page.input_value("#embed-snippet")  # and the embed snippet follows it
        assert "/embed/timeline-items?view=timeline&amp;actor=https%3A%2F%2Fw3id.org" in snippet, snippet
        page.select_option("#filter-stance", "conditional")
        page.wait_for_function("() => document.querySelectorAll('#timeline-list > li:not([hidden])').length === 1")
        page.screenshot(path=str(tmp_path / "timeline-gallegos.png"), full_page=True)

        # The switch to Spanish keeps the page and its filters, and draws the data's Spanish labels.
        page.locator(".lang-switch a[hreflang=es]").click()
        page.wait_for_url("**lang=es**")
        assert "actor=" in page.url and page.locator("html").get_attribute("lang") == "es"
        page.locator("#timeline .vis-item").first.wait_for()
        assert page.input_value("#filter-actor") == GALLEGOS
        page.select_option("#filter-actor", "")
        page.select_option("#filter-stance", "")
        page.locator(f"#timeline .vis-item a[href^='{TRUCE}']", has_text="tregua").wait_for()
        spanish = page.locator(f"#timeline .vis-item a[href^='{PROPOSAL_2017}']")
        assert spanish.inner_text() == "propuesta de diálogo de la MS13"
        assert page.get_by_label("Actor").is_visible() and page.get_by_text("Mostrar hechos").is_visible()
        page.screenshot(path=str(tmp_path / "timeline-es.png"), full_page=True)
        assert not errors, errors


def test_the_timeline_and_the_network_are_usable_on_a_phone(browser: Any, server: Any, tmp_path: Path) -> None:
    with loopback_page(browser, server.url, viewport={"width": 390, "height": 844}, is_mobile=True,
                       has_touch=True) as page:
        errors = _open(page, server.url + "/timeline")
        page.locator("#timeline .vis-item").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, "nothing wider than the screen"
        # the window opens on the last months, where the statements are; those drawn are not cut
        cut = page.evaluate("""() => {
          const frame = document.querySelector('#timeline').getBoundingClientRect();
          return [...document.querySelectorAll('#timeline .vis-item')].filter(el => {
            const r = el.getBoundingClientRect();
            return r.left >= frame.left && r.left < frame.right && r.right > frame.right + 1;
          }).map(el => el.innerText);
        }""")
        assert not cut, f"labels cut at the right edge on a phone: {cut}"
        assert page.locator(f"#timeline .vis-item a[href='{PROPOSAL_2017}']").is_visible()
        page.screenshot(path=str(tmp_path / "timeline-phone.png"), full_page=True)
        page.goto(server.url + "/network")
        page.wait_for_function("() => window.treguaNetwork && window.treguaNetwork.nodes().length > 0")
        boxes = page.evaluate("""() => ['camp:reject', 'camp:conditional'].map(id =>
          window.treguaNetwork.getElementById(id).renderedBoundingBox())""")
        assert boxes[0]["y2"] < boxes[1]["y1"], "on a narrow screen the camps are rows, one under another"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(tmp_path / "network-phone.png"), full_page=True)
        assert not errors, errors


def test_the_network_draws_gallegos_with_three_conditions_in_camps(browser: Any, server: Any,
                                                                   tmp_path: Path) -> None:
    with loopback_page(browser, server.url, viewport={"width": 1200, "height": 900}) as page:
        errors = _open(page, server.url + "/network")
        page.wait_for_function("() => window.treguaNetwork && window.treguaNetwork.nodes().length > 0")
        drawn = page.evaluate("""() => {
          const cy = window.treguaNetwork;
          const node = cy.getElementById('conditional|""" + GALLEGOS + """');
          const box = (id) => cy.getElementById(id).renderedBoundingBox();
          return {
            camps: cy.nodes("[role = 'camp']").map(n => n.data('camp')),
            gallegos: node.data('label'), parent: node.parent().id(),
            conditions: node.outgoers("edge[role = 'sets']").targets().map(n => n.data('label')),
            inCamps: cy.nodes("[role = 'actor']").filter(n => n.data('label') === 'Guillermo Gallegos')
                       .map(n => n.data('camp')).sort(),
            rejectRight: box('camp:reject').x2, conditionalLeft: box('camp:conditional').x1,
            smallestFont: Math.min(...cy.nodes().map(n => parseFloat(n.style('font-size')))) * cy.zoom(),
          };
        }""")
        assert drawn["camps"][:4] == ["reject", "notRuledOut", "conditional", "favourable"]
        assert drawn["gallegos"] == "Guillermo Gallegos" and drawn["parent"] == "camp:conditional"
        assert len(drawn["conditions"]) == 3 and all("(MS13)" in c for c in drawn["conditions"])
        assert drawn["inCamps"] == ["conditional", "notRuledOut", "sceptical"]
        assert drawn["rejectRight"] < drawn["conditionalLeft"], "camps are columns side by side"
        assert drawn["smallestFont"] >= 11.9, "labels at 12px or more at the zoom the page opens with"
        listed = page.locator(".camp-conditional li[data-actor='" + GALLEGOS + "'] li")
        assert listed.count() == 3
        page.screenshot(path=str(tmp_path / "network.png"), full_page=True)
        assert not errors, errors


def test_an_embed_renders_and_sizes_itself_on_another_origin(browser: Any, server: Any, newsroom: str,
                                                             tmp_path: Path) -> None:
    site = newsroom.rsplit("/", 1)[0]
    with loopback_page(browser, server.url, site, viewport={"width": 1000, "height": 800}) as page:
        errors = _open(page, newsroom)
        page.wait_for_function("() => document.querySelector('iframe').hasAttribute('data-tregua-height')")
        embedded = next(f for f in page.frames if "/embed/timeline-items" in f.url)
        # drawn inside the frame's own viewport (the 2012 truce, the January 2017 proposal)
        embedded.wait_for_function("""hrefs => hrefs.every(href =>
          [...document.querySelectorAll('.vis-item a')].some(a => a.getAttribute('href').startsWith(href)
            && a.getBoundingClientRect().height > 0 && a.getBoundingClientRect().top < innerHeight))""",
                                   arg=[TRUCE, PROPOSAL_2017])
        reported = int(page.get_attribute("iframe", "data-tregua-height") or 0)
        height = page.evaluate("document.querySelector('iframe').getBoundingClientRect().height")
        inner = embedded.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)")
        assert reported == inner and abs(height - inner) <= 1 and height != 520, (reported, height, inner)
        after = page.evaluate("document.getElementById('after').getBoundingClientRect().top")
        assert after >= height, "the story flows below the frame"
        source = embedded.get_by_role("link", name="Source data")
        assert source.get_attribute("target") == "_top"
        assert source.get_attribute("href").startswith("/queries/timeline-items?")
        page.screenshot(path=str(tmp_path / "newsroom.png"), full_page=True)
        assert not errors, errors



def test_a_chart_embed_describes_itself_in_the_page_s_language(browser: Any, server: Any, tmp_path: Path) -> None:
    """ECharts writes a description of the chart for screen readers: in Spanish on a Spanish page."""
    with loopback_page(browser, server.url, viewport={"width": 800, "height": 600}) as page:
        errors = _open(page, server.url + "/embed/stance-counts?view=chart&lang=es")
        page.locator("#view svg").wait_for()
        described = page.get_attribute("#view", "aria-label") or ""
        assert described.startswith("Este es un gráfico con tipo Gráfico de barras"), described
        assert page.get_by_role("link", name="Datos de origen").get_attribute("target") == "_top"
        page.screenshot(path=str(tmp_path / "chart-es.png"))
        assert not errors, errors
