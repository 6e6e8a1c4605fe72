"""A browser visiting /sparql lands on the query editor (/query); machines keep the service description."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.browser import launched_browser, loopback_page
from tests.conftest import Server

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def test_a_browser_is_sent_to_the_editor(client: httpx.Client) -> None:
    response = client.get("/sparql", headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 303
    assert response.headers["location"] == "/query"
    assert "accept" in response.headers["vary"].lower()


@pytest.mark.parametrize(("headers", "params", "media"), [
    ({}, {}, "text/turtle"),
    ({"Accept": "*/*"}, {}, "text/turtle"),
    ({"Accept": "text/turtle"}, {}, "text/turtle"),
    ({"Accept": "application/rdf+xml, text/html;q=0.5"}, {}, "application/rdf+xml"),
    ({"Accept": BROWSER_ACCEPT}, {"format": "ttl"}, "text/turtle"),
])
def test_machines_keep_the_service_description(client: httpx.Client, headers: dict[str, str],
                                               params: dict[str, str], media: str) -> None:
    response = client.get("/sparql", headers=headers, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert "sparql-service-description" in response.text


def test_a_browser_query_still_runs(client: httpx.Client) -> None:
    response = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200 and "boolean" in response.text


def test_the_query_page_holds_the_editor(client: httpx.Client) -> None:
    response = client.get("/query", params={"query": "ASK { ?s ?p 'x' }"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<textarea id="query" name="query"' in response.text
    assert "ASK { ?s ?p &#39;x&#39; }" in response.text
    assert "/static/editor.js" in response.text


@pytest.mark.browser
def test_opening_sparql_in_chromium_lands_on_a_working_editor(server: Server) -> None:
    with launched_browser() as browser, loopback_page(browser, server.url, base_url=server.url) as page:
        page.goto("/sparql")
        page.wait_for_url("**/query")
        page.fill("#query", "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }")
        page.click("#run")
        rows = page.locator("#query-results tbody tr")
        rows.first.wait_for(timeout=15_000)
        assert rows.count() == 3
