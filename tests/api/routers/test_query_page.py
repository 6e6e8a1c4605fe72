"""A browser visiting /sparql lands on the query page (/query); machines keep the service description.
The page in Chromium: tests/api/routers/test_query_page_browser.py."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from api.security import CSP, with_style_nonce
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
    html = response.text
    assert '<textarea id="query" name="query"' in html  # the form still works without JavaScript
    assert "ASK { ?s ?p &#39;x&#39; }" in html
    assert "/static/dist/query.js" in html and "/static/dist/vis-timeline.css" in html
    config = _json_block(html, "qp-config")
    assert config["run"] is True and config["view"] == "auto" and config["canned"] is None
    assert {"curie": "tg:Person", "iri": "https://w3id.org/tregua/ontology#Person", "kind": "class",
            "label": "person"} in config["terms"]
    menu = _json_block(html, "qp-menu-data")
    listed = client.get("/queries", headers={"Accept": "application/json"}).json()
    names = [q["name"] for q in (listed["queries"] if isinstance(listed, dict) else listed)]
    assert [c["name"] for c in menu["canned"]] == names
    assert menu["examples"] and all(e["query"] for e in menu["examples"])


def test_a_share_link_names_a_canned_query_and_a_view(client: httpx.Client) -> None:
    html = client.get("/query", params={"canned": "timeline", "view": "timeline"}).text
    config = _json_block(html, "qp-config")
    assert config["canned"] == "timeline" and config["view"] == "timeline" and config["run"] is True
    assert "SELECT ?event ?name ?type ?start ?end ?status" in html
    missing = client.get("/query", params={"canned": "timelin"})
    assert missing.status_code == 404 and "timeline" in missing.text
    bad = client.get("/query", params={"view": "pie"})
    assert bad.status_code == 400 and "view" in bad.text and "table" in bad.text


def test_only_the_query_page_lets_its_editor_styles_in_by_a_fresh_nonce(client: httpx.Client) -> None:
    policies = [client.get("/query").headers["content-security-policy"] for _ in range(2)]
    nonces = [re.search(r"'nonce-([\w-]+)'", p) for p in policies]
    assert all(nonces) and nonces[0].group(1) != nonces[1].group(1)  # type: ignore[union-attr]
    assert policies[0] == with_style_nonce(nonces[0].group(1))  # type: ignore[union-attr]
    assert "unsafe" not in policies[0] and "script-src 'self';" in policies[0]
    page = client.get("/query")
    nonce = re.search(r"'nonce-([\w-]+)'", page.headers["content-security-policy"]).group(1)  # type: ignore[union-attr]
    assert _json_block(page.text, "qp-config")["nonce"] == nonce
    for path in ("/", "/queries", "/ontology", "/id/person/oscar-ortiz"):
        assert client.get(path, headers={"Accept": "text/html"}).headers["content-security-policy"] == CSP, path


def _json_block(html: str, block_id: str) -> Any:
    start = html.index(f'<script type="application/json" id="{block_id}">') + len(
        f'<script type="application/json" id="{block_id}">')
    return json.loads(html[start:html.index("</script>", start)])


def test_entity_page_buttons_open_the_query_page_in_its_language(client: httpx.Client) -> None:
    html = client.get("/id/person/oscar-ortiz", params={"lang": "es"}).text
    hrefs = re.findall(r'href="(/query\?query=[^"]+)"', html)
    assert len(hrefs) == 2, hrefs
    for href in hrefs:
        assert href.replace("&amp;", "&").endswith("lang=es")
    assert "DESCRIBE" in hrefs[0].replace("+", " ").replace("%20", " ")
    assert 'href="/sparql?query=' not in html and 'href="/?query=' not in html


def test_canned_titles_are_marked_english_on_a_spanish_page(client: httpx.Client) -> None:
    html = client.get("/query", params={"lang": "es"}).text
    assert '<option value="canned:timeline-items" lang="en">' in html
    english = client.get("/query", params={"lang": "en"}).text
    assert 'lang="en"' not in english.split("qp-menu", 1)[1].split("</select>")[0]
