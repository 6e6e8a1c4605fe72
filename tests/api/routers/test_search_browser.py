"""The search page and the reconciliation preview as a person sees them, in headless Chromium
(Debian's, through Playwright), served by the whole app (`server` fixture)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import loopback_page
from tests.conftest import Server

pytestmark = pytest.mark.browser

@pytest.fixture()
def page(browser: Any, server: Server) -> Iterator[Any]:
    with loopback_page(browser, server.url, base_url=server.url) as pg:
        yield pg


def test_search_form_finds_a_name_typed_without_accents(page: Any) -> None:
    page.goto("/search?format=html")
    page.fill("input[name=q]", "sanchez ceren")
    page.keyboard.press("Enter")
    page.wait_for_selector("ol.results li")
    first = page.locator("ol.results li").first
    assert first.get_attribute("data-id") == "person/salvador-sanchez-ceren"
    first.locator("a").first.click()
    page.wait_for_url("**/id/person/salvador-sanchez-ceren")
    assert "Sánchez Cerén" in page.locator("h1").inner_text()


def test_search_lists_quotes_with_their_speaker(page: Any) -> None:
    page.goto("/search?q=stop%20murdering&format=html")
    hit = page.locator("ol.results li[data-id='quote/oscar-ortiz-stop-murdering']")
    assert "They have to stop murdering citizens" in hit.locator("blockquote").inner_text()
    assert "Oscar Ortiz" in hit.inner_text()


def test_preview_snippet_fits_openrefines_frame(page: Any) -> None:
    page.set_viewport_size({"width": 430, "height": 180})
    page.goto("/reconcile/preview?id=organization/fmln")
    assert page.locator("h1").inner_text() == "Farabundo Martí National Liberation Front"
    assert page.locator("a[href='https://www.wikidata.org/wiki/Q648924']").count() == 1
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 430
