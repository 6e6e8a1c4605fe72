"""Security headers, and the pages still working under their Content-Security-Policy in Chromium.

HTML pages allow scripts, styles and fonts from their own origin only and may be framed only by
it; the two pages made for other sites' frames (the canned-query table, the OpenRefine preview)
may be framed anywhere. The query page alone also lets in `<style>` elements carrying its nonce
(CodeMirror's), made afresh for each response. Every answer says nosniff and a Referrer-Policy. A page that breaks its
own policy shows in Chromium's console ("Refused to ..."): that fails the test.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.security import CSP, EMBEDDABLE, with_style_nonce
from kg import iris
from tests.browser import loopback_page
from tests.conftest import Server

pytestmark = pytest.mark.browser

PAGES = ["/", "/query", "/id/person/oscar-ortiz", "/id/person", "/ontology", "/queries", "/history",
         "/queries/stance-counts?format=html", "/no-such-page", "/docs"]


def test_every_answer_says_nosniff_and_a_referrer_policy(server: Server) -> None:
    with server.client() as client:
        for path in [*PAGES, "/sparql?query=ASK%7B%7D", "/health", "/static/tregua.css"]:
            r = client.get(path, headers={"Accept": "text/html"} if path in PAGES else {})
            assert r.headers["x-content-type-options"] == "nosniff", path
            assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
            if r.headers.get("content-type", "").startswith("text/html"):
                expected = EMBEDDABLE if "format=html" in path else CSP
                if path == "/docs":  # Swagger UI's one inline start-up script, allowed by its hash
                    expected = CSP.replace("script-src 'self'", "script-src 'self' 'sha256-", 1)
                    assert r.headers["content-security-policy"].startswith(expected.split("'sha256-")[0])
                    assert "'sha256-" in r.headers["content-security-policy"]
                    continue
                if path == "/query":  # its editor's <style> elements, by a nonce made per response
                    nonce = re.search(r"'nonce-([\w-]+)'", r.headers["content-security-policy"])
                    assert nonce, r.headers["content-security-policy"]
                    expected = with_style_nonce(nonce.group(1))
                assert r.headers["content-security-policy"] == expected, path
                if path != "/query":
                    assert "nonce-" not in r.headers["content-security-policy"], path
        preview = client.get("/reconcile/preview", params={"id": iris.entity_iri("person", "oscar-ortiz")},
                             headers={"Accept": "text/html"})
        assert preview.status_code == 200 and preview.headers["content-security-policy"] == EMBEDDABLE
    assert "script-src 'self';" in CSP and "frame-ancestors 'self'" in CSP and "unsafe" not in CSP
    assert EMBEDDABLE.endswith("frame-ancestors *")


@pytest.fixture(scope="module")
def other_site(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page on another origin framing the home page (refused) and the canned table (allowed)."""
    root = tmp_path_factory.mktemp("other-site")
    (root / "frames.html").write_text(
        f'<!doctype html><iframe id="home" src="{server.url}/"></iframe>'
        f'<iframe id="table" src="{server.url}/queries/stance-counts?format=html"></iframe>', encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{site.server_address[1]}/frames.html"
    site.shutdown()
    site.server_close()


def test_pages_work_under_their_policy_in_chromium(browser: Any, server: Server, other_site: str,
                                                   tmp_path: Path) -> None:
    refused: list[str] = []
    with loopback_page(browser, server.url, other_site.rsplit("/", 1)[0], base_url=server.url) as page:
        page.on("console", lambda m: refused.append(f"{page.url}: {m.text}")
                if "Content Security Policy" in m.text else None)
        for path in PAGES:
            page.goto(path)
            page.wait_for_load_state("networkidle")
        # The page's own script and stylesheet ran: the editor is set up, the table sorts.
        page.goto("/")
        assert page.locator("link[rel=stylesheet]").count() >= 1
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != ""
        page.goto("/queries/stance-counts?format=html")
        page.get_by_role("button", name="actors", exact=True).click()
        assert page.locator("th[aria-sort=ascending]").count() == 1
        assert not refused, refused
        # Another origin may frame the table, not the home page.
        page.goto(other_site)
        table = page.frame_locator("#table").locator("#results tbody tr")
        table.first.wait_for()
        assert table.count() > 0
        page.wait_for_timeout(500)
        assert page.frame_locator("#home").locator("#q").count() == 0, "another site framed the home page"
        assert any("frame-ancestors" in m for m in refused), refused
        page.screenshot(path=str(tmp_path / "frames.png"))


def test_headers_hold_on_errors_too(server: Server) -> None:
    r = httpx.get(server.url + "/sparql", params={"query": "SELEC nothing"}, timeout=30)
    assert r.status_code == 400 and r.headers["x-content-type-options"] == "nosniff"
