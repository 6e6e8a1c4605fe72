"""Every kind of page, in English and Spanish, passes axe-core with no serious or critical violation.

axe-core is the npm package `make install` puts in web/node_modules (a dev dependency of web/);
it runs inside headless Chromium (Debian's, through Playwright) on pages served by a real server
on loopback. A page added later is one line in PAGES.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import loopback_page
from tests.conftest import Server

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"

LANGUAGES = ("en", "es")


def page(name: str, path: str, ready: str | None = None, *, languages: tuple[str, ...] = LANGUAGES,
         known_failures: dict[str, str] | None = None) -> list[Any]:
    """The checks of one page, one per language: `ready` is a CSS selector to wait for (what the
    page's script draws); `known_failures` ({lang: why}) marks what we cannot fix here as a strict
    xfail, which fails loudly once fixed (then delete the mark)."""
    return [
        pytest.param(path, ready, lang, id=f"{name}-{lang}", marks=[
            pytest.mark.xfail(strict=True, reason=why) for why in [(known_failures or {}).get(lang)] if why])
        for lang in languages
    ]


#: Every kind of page, in both languages; a new page is one line here.
PAGES = [
    *page("home", "/"),
    *page("search", "/search?q=ortiz&format=html"),
    *page("person", "/id/person/guillermo-gallegos", "#entity-graph canvas"),
    *page("organization", "/id/organization/ms13", "#entity-graph canvas"),
    *page("statement", "/id/statement/guillermo-gallegos-door-never-shut"),
    *page("quote", "/id/quote/oscar-ortiz-desist"),
    *page("event", "/id/event/ms13-dialogue-proposal-2017", "#entity-graph canvas"),
    *page("kind-index", "/id/person"),
    *page("ontology", "/ontology"),
    *page("shapes", "/shapes"),
    *page("history", "/history?format=html"),
    *page("queries", "/queries?format=html"),
    *page("canned-table", "/queries/stance-counts?format=html"),
    *page("query", "/query"),
    *page("timeline", "/timeline", "#timeline .vis-item"),
    *page("network", "/network", "#network canvas"),
    # each kind of embed, alone as an iframe shows it
    *page("embed-table", "/embed/stance-counts?view=table", "#results tbody tr"),
    *page("embed-timeline", "/embed/timeline-items?view=timeline", "#view .vis-item"),
    *page("embed-network", "/embed/stance-network?view=network", "#view canvas"),
    *page("embed-chart", "/embed/stance-counts?view=chart", "#view svg"),
    *page("not-found", "/id/person/nobody-at-all"),
    *page("reconcile-preview", "/reconcile/preview?id=organization/ms13"),  # OpenRefine shows it in a frame
    # Swagger UI's page is English only
    *page("docs", "/docs", ".swagger-ui .information-container", languages=("en",), known_failures={
        "en": "Swagger UI's own page (fastapi-offline): no lang on <html>, low-contrast method badges, buttons "
              "nested in its summaries; not ours to restyle"}),
]
#: axe-core's impacts that fail the test (minor and moderate ones are reported, not failed).
FAILING = ("serious", "critical")


@pytest.fixture(scope="module")
def pages(browser: Any, server: Server) -> Iterator[dict[str, Any]]:
    """One browser, one page per language for the whole module (Accept-Language from the locale),
    with axe-core added to every document it loads. A script added this way runs through the
    DevTools protocol, so the page's own CSP stays in force for the page's scripts."""
    assert AXE.is_file(), f"{AXE} is missing: run `make install` (or `make web`)"
    with contextlib.ExitStack() as stack:
        opened = {}
        for lang in LANGUAGES:
            page = stack.enter_context(loopback_page(
                browser, server.url, base_url=server.url, viewport={"width": 1100, "height": 900},
                locale="es-SV" if lang == "es" else "en-GB"))
            page.context.add_init_script(path=str(AXE))
            opened[lang] = page
        yield opened


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as loaded, each with up to five of the elements at fault."""
    result: list[dict[str, Any]] = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))"
    )
    return result


@pytest.mark.parametrize(("path", "ready", "lang"), PAGES)
def test_no_serious_or_critical_violation(pages: dict[str, Any], tmp_path: Path,
                                          path: str, ready: str | None, lang: str) -> None:
    page = pages[lang]
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)
    try:
        page.goto(path)
        if ready:
            page.wait_for_selector(ready, timeout=15_000)
        assert page.locator("html").get_attribute("lang") == lang
        violations = run_axe(page)
        page.screenshot(path=str(tmp_path / "page.png"))
    finally:
        page.remove_listener("console", on_console)
    failing = [v for v in violations if v["impact"] in FAILING]
    assert not failing, "\n".join(f"{v['impact']}: {v['id']} ({v['help']}) at {v['nodes']}" for v in failing)
    assert not [e for e in errors if "Content Security Policy" in e], errors
