"""History, revert and export of the change journal, end to end: writes through a real server by
named writers, then `GET /history` (JSON and HTML) and `kg history`, then, with the server
stopped, `kg revert` (including the refusal when a later write changed the same quads) and
`kg journal export` committed as a source, which `kg build`'s replay then skips.

The reads share one server (module scope); the steps after it is stopped are one test, in order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pyoxigraph as ox
import pytest

from kg import iris, paths
from kg.journal import Journal
from kg.journal.log import default_path
from tests.browser import loopback_page
from tests.conftest import SHARED_DIR, Server, stop_server

ALICE, BOB = "alice-history-token", "bob-history-token"
NOTES = iris.source_graph("test-history")
EXPORTED = iris.source_graph("test-exported")
PERSON = iris.entity_iri("person", "oscar-ortiz")
COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"


def triple(text: str) -> str:
    return f'<{PERSON}> <{COMMENT}> "{text}"@en'


def quad(text: str, graph: str = NOTES) -> ox.Quad:
    return ox.Quad(ox.NamedNode(PERSON), ox.NamedNode(COMMENT), ox.Literal(text, language="en"),
                   ox.NamedNode(graph))


def kg(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_SHARED_DIR": str(SHARED_DIR)}
    env.pop("KG_JOURNAL", None)
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def server(make_server: Callable[..., Server]) -> Server:
    return make_server({"KG_UPDATE_TOKENS": f"alice:{ALICE},bob:{BOB}"})


@pytest.fixture(scope="module")
def client(server: Server) -> Iterator[httpx.Client]:
    with server.client() as c:
        yield c


def write(client: httpx.Client, token: str, update: str, request_id: str) -> str:
    response = client.post("/sparql/update", content=update.encode(), headers={
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}",
        "X-Request-ID": request_id})
    assert response.status_code == 200, response.text
    return str(response.json()["entry"])


@pytest.fixture(scope="module")
def ids(client: httpx.Client) -> dict[str, str]:
    """Six writes: alice notes X, bob replaces X by Y (a later edit of the same quad), alice
    notes Z; then the graph exported later: alice adds one quad, bob adds one and removes it."""
    return {
        "x": write(client, ALICE, f"INSERT DATA {{ GRAPH <{NOTES}> {{ {triple('X')} }} }}", "req-x"),
        "y": write(client, BOB, f"DELETE DATA {{ GRAPH <{NOTES}> {{ {triple('X')} }} }} ; "
                                f"INSERT DATA {{ GRAPH <{NOTES}> {{ {triple('Y')} }} }}", "req-y"),
        "z": write(client, ALICE, f"INSERT DATA {{ GRAPH <{NOTES}> {{ {triple('Z')} }} }}", "req-z"),
        "e": write(client, ALICE, f"INSERT DATA {{ GRAPH <{EXPORTED}> {{ {triple('kept')} }} }}", "req-e1"),
        "e2": write(client, BOB, f"INSERT DATA {{ GRAPH <{EXPORTED}> {{ {triple('dropped later')} }} }}",
                    "req-e2"),
        "e3": write(client, BOB, f"DELETE DATA {{ GRAPH <{EXPORTED}> {{ {triple('dropped later')} }} }}",
                    "req-e3"),
    }


def test_history_as_json_newest_first_with_counts(client: httpx.Client, ids: dict[str, str]) -> None:
    response = client.get("/history", headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 6 == int(response.headers["x-total-count"])
    assert [e["id"] for e in body["entries"]] == [ids[k] for k in ("e3", "e2", "e", "z", "y", "x")]
    y = body["entries"][4]
    assert (y["who"], y["request_id"]) == ("bob", "req-y")
    assert {"graph": NOTES, "added": 1, "removed": 1} in y["graphs"]
    assert y["subjects"] == [PERSON]


@pytest.mark.parametrize(("params", "expected"), [
    ({"who": "bob"}, ["e3", "e2", "y"]),
    ({"graph": EXPORTED}, ["e3", "e2", "e"]),
    ({"graph": NOTES, "who": "alice"}, ["z", "x"]),
    ({"since": "2000-01-01"}, ["e3", "e2", "e", "z", "y", "x"]),
    ({"since": "2999-01-01"}, []),
    ({"limit": "2", "offset": "1"}, ["e2", "e"]),
])
def test_history_filters_and_pages(params: dict[str, str], expected: list[str], client: httpx.Client,
                                   ids: dict[str, str]) -> None:
    body = client.get("/history", params={**params, "format": "json"}).json()
    assert [e["id"] for e in body["entries"]] == [ids[k] for k in expected]


def test_history_since_an_entry_id_and_paging_links(client: httpx.Client, ids: dict[str, str]) -> None:
    body = client.get("/history", params={"since": ids["z"], "format": "json"}).json()
    assert [e["id"] for e in body["entries"]] == [ids["e3"], ids["e2"], ids["e"]]
    body = client.get("/history", params={"limit": 2, "format": "json", "who": "alice"}).json()
    assert body["total"] == 3 and body["links"]["next"] == "/history?who=alice&offset=2&limit=2"
    assert "prev" not in body["links"]


@pytest.mark.parametrize(("params", "status", "word"), [
    ({"since": "last tuesday"}, 400, "since"), ({"format": "xml"}, 400, "format"),
    ({"limit": "0"}, 400, "limit"), ({"since": "00000000-0000-0000-0000-000000000000"}, 404, "no entry"),
])
def test_bad_history_parameters_are_4xx(params: dict[str, str], status: int, word: str,
                                        client: httpx.Client) -> None:
    response = client.get("/history", params=params)
    assert response.status_code == status, response.text
    assert word in response.text


def test_history_page_links_graphs_entities_and_writers(client: httpx.Client, ids: dict[str, str]) -> None:
    response = client.get("/history", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<link rel="stylesheet" href="/static/tregua.css">' in page
    assert 'href="/id/person/oscar-ortiz"' in page
    assert f'href="/rdf-graph-store?graph={NOTES.replace(":", "%3A").replace("/", "%2F")}"' in page
    assert 'href="/history?who=bob"' in page and "req-y" in page and ids["x"][:8] in page


def test_kg_history_reads_the_same_journal(server: Server, ids: dict[str, str]) -> None:
    result = kg("history", "--store", str(server.store), "--format", "json", "--who", "alice")
    assert result.returncode == 0, result.stderr
    assert [e["id"] for e in json.loads(result.stdout)["entries"]] == [ids["e"], ids["z"], ids["x"]]
    text = kg("history", "--store", str(server.store), "--graph", NOTES)
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert ids["y"] in lines[2] and "bob" in lines[2] and "req-y" in lines[2]
    assert f"+1     -1     {NOTES}" in lines[3]
    assert "3 of 3 entries" in text.stderr


def store_quads(store: Path, graph: str) -> set[ox.Quad]:
    handle = ox.Store.read_only(str(store))
    try:
        return set(handle.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    finally:
        del handle


@pytest.mark.browser
def test_the_page_in_a_browser(browser: Any, server: Server, ids: dict[str, str]) -> None:
    with loopback_page(browser, server.url, base_url=server.url) as page:
        page.goto("/history")
        assert page.locator("h1").inner_text() == "History of changes"
        assert page.locator("tbody tr").count() == 6
        page.locator('a[href="/history?who=bob"]').first.click()
        page.wait_for_url("**/history?who=bob")
        assert page.locator("tbody tr").count() == 3
        page.locator('a[href="/id/person/oscar-ortiz"]').first.click()
        page.wait_for_url("**/id/person/oscar-ortiz")
        assert page.locator("h1").inner_text() == "Oscar Ortiz"


def test_revert_and_export_with_the_server_stopped(server: Server, ids: dict[str, str], tmp_path: Path) -> None:
    """In order, on the same store: `kg revert` needs the store to itself (as `kg link` does)."""
    stop_server(server)
    revert_refuses_when_a_later_write_changed_the_same_quads(server, ids)
    revert_undoes_an_entry_as_a_new_journaled_write(server, ids)
    export_as_a_source_then_the_build_skips_those_entries(server, tmp_path)


def revert_refuses_when_a_later_write_changed_the_same_quads(server: Server, ids: dict[str, str]) -> None:
    journal = default_path(server.store)
    before = journal.read_bytes()
    result = kg("revert", ids["x"][:8], "--store", str(server.store))
    assert result.returncode == 2, result.stderr
    assert "cannot revert entry" in result.stderr and "no longer in the store" in result.stderr
    assert str(quad("X")) in result.stderr and "revert that one first" in result.stderr
    assert journal.read_bytes() == before  # nothing journaled
    assert store_quads(server.store, NOTES) == {quad("Y"), quad("Z")}


def revert_undoes_an_entry_as_a_new_journaled_write(server: Server, ids: dict[str, str]) -> None:
    result = kg("revert", ids["y"], "--store", str(server.store), "--who", "carol")
    assert result.returncode == 0, result.stderr
    assert store_quads(server.store, NOTES) == {quad("X"), quad("Z")}
    last = list(Journal(default_path(server.store), server.store).entries())[-1]
    assert (last.who, last.extra["reverts"]) == ("carol", [ids["y"]])
    assert last.data_delta() == ([quad("Y")], [quad("X")])
    # now that X is back, the first entry can be undone too
    assert kg("revert", ids["x"], "--store", str(server.store)).returncode == 0
    assert store_quads(server.store, NOTES) == {quad("Z")}


def export_as_a_source_then_the_build_skips_those_entries(server: Server, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    shutil.copytree(paths.SOURCES_DIR, sources)
    out = sources / "test-exported.trig"
    result = kg("journal", "export", "--graph", EXPORTED, "--store", str(server.store), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "1 quad(s) added and 0 removed" in result.stderr
    exported = set(ox.parse(path=str(out), format=ox.RdfFormat.TRIG, base_iri=iris.BASE))
    assert exported == {quad("kept", EXPORTED)}  # the net effect: "dropped later" cancelled out
    # prefixed names only where the local part needs no escape: id:person/… is written in full
    text = out.read_text(encoding="utf-8")
    assert "\\/" not in text and f"<{PERSON}>" in text and "rdfs:comment" in text, text
    # The same entries replayed on a build whose sources hold the export: the source already has
    # what they add, so the ones adding only that are skipped.
    build = kg("build", "--store", str(server.store), "--sources-dir", str(sources))
    assert build.returncode == 0, build.stderr
    assert "0 quarantined" in build.stderr
    skipped = int(build.stderr.split(" skipped")[0].rsplit(" ", 1)[-1])
    assert skipped >= 1, build.stderr
    assert store_quads(server.store, EXPORTED) == {quad("kept", EXPORTED)}
    assert store_quads(server.store, NOTES) == {quad("Z")}  # the other edits and reverts replayed
