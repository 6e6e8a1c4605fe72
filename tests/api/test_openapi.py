"""The OpenAPI document is valid and usable by client generators; /docs works with no network.

The document is fetched from a real server, so it holds every route the app registers (HEAD
routes too, whichever exist): each operation has an id of its own and no tag twice.
"""

from __future__ import annotations

import collections
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from tests.browser import loopback_page
from tests.conftest import Server


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    with server.client() as client:
        response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def test_the_document_validates(document: dict[str, Any]) -> None:
    validate(document)  # raises with the failing pointer


def test_every_operation_has_an_id_of_its_own(document: dict[str, Any]) -> None:
    ids = collections.Counter(op["operationId"] for _, _, op in operations(document))
    assert len(ids) > 20, "the document lost its operations"
    assert [i for i, n in ids.items() if n > 1] == []


def test_no_operation_repeats_a_tag(document: dict[str, Any]) -> None:
    repeated = [(path, method, op["tags"]) for path, method, op in operations(document)
                if len(op.get("tags", [])) != len(set(op.get("tags", [])))]
    assert repeated == []
    assert document["paths"]["/queries/stance-counts"]["get"]["tags"].count("canned queries") == 1


def test_the_documentation_page_names_no_other_host(server: Server) -> None:
    page = "/docs"
    with server.client() as client:
        html = client.get(page).text
    hosts = re.findall(r"""(?:src|href)=["']((?:https?:)?//[^"']+)""", html)
    assert hosts == [], f"{page} loads {hosts}"
    assert "/static-offline-docs/" in html
    with server.client() as client:
        for asset in re.findall(r"""(?:src|href)=["'](/static-offline-docs/[^"']+)""", html):
            assert client.get(asset).status_code == 200, asset


@pytest.mark.browser
def test_swagger_ui_renders_the_operations_offline(browser: object, server: Server) -> None:
    """Every request off loopback is aborted (and fails the test): the page must still render."""
    with loopback_page(browser, server.url, base_url=server.url) as page:
        page.goto("/docs")
        page.locator(".opblock-summary").first.wait_for(timeout=20_000)
        paths = page.locator(".opblock-summary-path").all_inner_texts()
        assert "/queries/stance-counts" in [p.replace("\u200b", "") for p in paths]
        assert "Tregua" in page.locator(".info .title").inner_text()


def test_no_redoc_page_that_would_reach_a_cdn(server: Server) -> None:
    with server.client() as client:
        assert client.get("/redoc").status_code == 404
