"""The HTML table as a newsroom embeds it: in an iframe on another site's page, readable and sortable."""

from __future__ import annotations

import csv
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import loopback_page

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def newsroom(server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A story page on another origin (another loopback port) that embeds the table in an iframe."""
    root = tmp_path_factory.mktemp("newsroom")
    (root / "story.html").write_text(
        f'<!doctype html><h1>Newsroom story</h1><iframe id="w" width="900" height="400" '
        f'src="{server.url}/queries/stance-counts?format=html"></iframe>', encoding="utf-8")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{site.server_address[1]}/story.html"
    site.shutdown()
    site.server_close()


@pytest.fixture(scope="module")
def page(browser: Any, server: Any, newsroom: str) -> Iterator[Any]:
    site = newsroom.rsplit("/", 1)[0]
    with loopback_page(browser, server.url, site, viewport={"width": 1000, "height": 700}) as pg:
        yield pg


def _query_rows(server: Any) -> list[dict[str, str]]:
    """The same query's rows as CSV from the same server: what the table must show, however the graph grows."""
    with server.client() as client:
        response = client.get("/queries/stance-counts", params={"format": "csv"})
    response.raise_for_status()
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_embedded_table_sorts_by_a_clicked_column(page: Any, newsroom: str, tmp_path: Path,
                                                      server: Any) -> None:
    expected = _query_rows(server)
    counts = sorted(int(r["actors"]) for r in expected)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(newsroom)
    frame = page.frame_locator("#w")
    rows = frame.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() == len(expected) > 1

    def column(index: int) -> list[str]:
        cells = frame.locator(f"#results tbody tr td:nth-child({index})")
        return [t.strip() for t in cells.all_inner_texts()]

    assert column(1)[0] == expected[0]["stance"]  # the query's own order: most actors first
    actors = frame.locator("#results thead button[data-col='1']")  # not actors_on_issue
    assert actors.inner_text() == "actors"
    actors.click()
    assert column(2) == [str(n) for n in counts]
    actors.click()
    assert column(2) == [str(n) for n in reversed(counts)]
    assert frame.locator("th[aria-sort=descending]").inner_text().startswith("actors")
    frame.get_by_role("button", name="stance").click()
    stances = column(1)
    assert stances == sorted(stances) and set(stances) == {r["stance"] for r in expected}
    page.screenshot(path=str(tmp_path / "embedded.png"))
    assert not errors, errors
