"""SERVICE through the real server and the real CLI: a loopback listener sees zero connections,
for every request kind; with KG_SERVICE_ALLOW naming exactly the listener, only it is called."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import UPDATE_TOKEN, Server
from tests.kg.test_service_guard import forms
from tests.listener import SECRET, Listener, listening

AUTH = {"Authorization": f"Bearer {UPDATE_TOKEN}"}


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    with listening() as lst:
        yield lst


def _requests(query: str) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    return {
        "GET": lambda c: c.get("/sparql", params={"query": query}),
        "POST form": lambda c: c.post("/sparql", data={"query": query}),
        "POST sparql-query": lambda c: c.post("/sparql", content=query.encode(),
                                               headers={"Content-Type": "application/sparql-query"}),
        "POST sparql-query streamed format": lambda c: c.post(
            "/sparql", content=query.encode(), params={"format": "csv"},
            headers={"Content-Type": "application/sparql-query; charset=utf-8"}),
    }


def _update_requests(update: str) -> dict[str, Callable[[httpx.Client], httpx.Response]]:
    return {
        "update form": lambda c: c.post("/sparql/update", data={"update": update}, headers=AUTH),
        "update body": lambda c: c.post("/sparql/update", content=update.encode(),
                                        headers={**AUTH, "Content-Type": "application/sparql-update"}),
        "update via /sparql": lambda c: c.post("/sparql", data={"update": update}, headers=AUTH),
    }


def _assert_refused(response: httpx.Response, what: str) -> None:
    assert response.status_code == 400, (what, response.status_code, response.text[:300])
    body = response.json()
    assert body["error"] == "ServiceRefused" and "refused" in body["message"], (what, body)
    assert "KG_SERVICE_ALLOW" in response.text or "never call" in response.text, (what, body)
    assert SECRET not in response.text


def test_no_service_form_reaches_the_listener(server: Server, listener: Listener) -> None:
    before = listener.connections
    with server.client() as client:
        for form, query in forms(listener.url).items():
            for kind, send in _requests(query).items():
                _assert_refused(send(client), f"{form} / {kind}")
        variable = f"SELECT * {{ VALUES ?e {{ <{listener.url}> }} SERVICE ?e {{ ?s ?p ?o }} }}"
        for kind, send in _requests(variable).items():
            response = send(client)
            _assert_refused(response, f"variable / {kind}")
            assert "variable endpoint cannot be checked" in response.json()["message"]
    time.sleep(0.2)
    assert listener.connections == before


def test_no_update_with_service_reaches_the_listener(server: Server, listener: Listener) -> None:
    before = listener.connections
    updates = {
        "where": f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        "silent in optional": (f"DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE SILENT "
                               f"<{listener.url}> {{ ?s ?p ?x }} }} }}"),
        "variable": "INSERT { ?s ?p ?o } WHERE { SERVICE ?x { ?s ?p ?o } }",
        "second operation": (f"INSERT DATA {{ <http://a/> <http://b/> 1 }} ; INSERT {{ ?s ?p ?o }} WHERE "
                             f"{{ {{ SELECT * {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }} }} }}"),
    }
    with server.client() as client:
        version = client.get("/health").json().get("version")
        for name, update in updates.items():
            for kind, send in _update_requests(update).items():
                _assert_refused(send(client), f"{name} / {kind}")
        assert client.get("/health").json().get("version") == version  # nothing committed
    time.sleep(0.2)
    assert listener.connections == before


def test_cli_query_refuses_service(built_store: Path, listener: Listener) -> None:
    before = listener.connections
    env = {**os.environ, "KG_SERVICE_ALLOW": ""}
    result = subprocess.run([sys.executable, "-m", "kg", "query", forms(listener.url)["pname"],
                             "--store", str(built_store)], capture_output=True, text=True, env=env,
                            timeout=120, check=False)
    assert result.returncode == 2, result.stderr
    assert "SERVICE <" + listener.url + "> at line 1" in result.stderr
    assert "Traceback" not in result.stderr
    assert listener.connections == before


def test_allow_list_lets_exactly_the_listed_endpoint_through(make_server: Callable[..., Server]) -> None:
    with listening() as allowed, listening() as other, listening(hang=True) as slow:
        server = make_server({"KG_SERVICE_ALLOW": f"{allowed.url}, {slow.url} http://127.0.0.1:9/unused"})
        with server.client() as client:
            response = client.post("/sparql", data={"query": forms(allowed.url)["plain"]})
            # The listener answers 500 with a page of its own: the call happened, its text is not shown.
            assert allowed.connections >= 1
            assert response.status_code == 400, response.text
            assert "allowed endpoint failed" in response.json()["message"]
            assert SECRET not in response.text
            for form in ("plain", "pname", "subquery"):
                _assert_refused(client.get("/sparql", params={"query": forms(other.url)[form]}), form)
            refused = client.get("/sparql", params={"query": forms(other.url)["plain"]})
            assert "not in the operator's allow-list" in refused.json()["message"]
            # An update is never allowed to call out, whatever the list says.
            update = f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{allowed.url}> {{ ?s ?p ?o }} }}"
            seen = allowed.connections
            _assert_refused(client.post("/sparql/update", data={"update": update}, headers=AUTH), "update")
            assert client.get("/health").status_code == 200
            # An allowed endpoint that never answers holds the worker only until the query's limit.
            started = time.monotonic()
            held = client.get("/sparql", params={"query": forms(slow.url)["plain"], "timeout": "2"})
            assert held.status_code == 503, held.text
            assert time.monotonic() - started < 15
            assert slow.connections >= 1
        time.sleep(0.2)
        assert other.connections == 0
        assert allowed.connections == seen
