"""Who wrote what, against a real server: named write tokens (`KG_UPDATE_TOKENS`) beside the single
`KG_UPDATE_TOKEN`, the request id (`X-Request-ID`, the client's when well-formed) echoed on the
answer, and both recorded in the journal entry of the write.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator

import httpx
import pytest

from kg import iris
from kg.journal import Entry, Journal
from kg.journal.log import default_path
from tests.conftest import SHARED_DIR, UPDATE_TOKEN, Server

ALICE, BOB = "alice-s3cret-token", "bob-s3cret-token"
GRAPH = iris.source_graph("test-writers")
PERSON = iris.entity_iri("person", "oscar-ortiz")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def note(text: str) -> bytes:
    return (f'INSERT DATA {{ GRAPH <{GRAPH}> {{ <{PERSON}> <http://www.w3.org/2000/01/rdf-schema#comment> '
            f'"{text}"@en }} }}').encode()


def headers(token: str, **more: str) -> dict[str, str]:
    return {"Content-Type": "application/sparql-update", "Authorization": f"Bearer {token}", **more}


@pytest.fixture(scope="module")
def named(make_server: Callable[..., Server]) -> Server:
    return make_server({"KG_UPDATE_TOKENS": f"alice:{ALICE}, bob:{BOB}"})


@pytest.fixture(scope="module")
def client(named: Server) -> Iterator[httpx.Client]:
    with named.client() as c:
        yield c


def last_entry(server: Server) -> Entry:
    entries = list(Journal(default_path(server.store), server.store).entries())
    assert entries, "the journal holds no entry"
    return entries[-1]


def test_each_named_token_writes_as_its_writer(client: httpx.Client, named: Server) -> None:
    response = client.post("/sparql/update", content=note("by alice"), headers=headers(ALICE))
    assert response.status_code == 200, response.text
    request_id = response.headers["x-request-id"]
    assert UUID_RE.match(request_id)  # none was sent: the server made one
    entry = last_entry(named)
    assert (entry.who, entry.request_id, entry.id) == ("alice", request_id, response.json()["entry"])
    response = client.put("/rdf-graph-store", params={"graph": iris.source_graph("test-bob")},
                          content=f'<{PERSON}> <http://www.w3.org/2000/01/rdf-schema#comment> "bob"@en .'.encode(),
                          headers={"Content-Type": "text/turtle", "Authorization": f"Bearer {BOB}",
                                   "X-Request-ID": "bob-upload-1"})
    assert response.status_code == 201, response.text
    assert response.headers["x-request-id"] == "bob-upload-1"
    entry = last_entry(named)
    assert (entry.who, entry.request_id) == ("bob", "bob-upload-1")


def test_the_single_token_is_one_unnamed_writer(client: httpx.Client, named: Server) -> None:
    response = client.post("/sparql", content=note("by the unnamed token"),
                           headers=headers(UPDATE_TOKEN, **{"X-Request-ID": "desk:42"}))
    assert response.status_code == 200, response.text  # an update POSTed to /sparql too
    assert response.headers["x-request-id"] == "desk:42"
    entry = last_entry(named)
    assert (entry.who, entry.request_id) == (None, "desk:42")


@pytest.mark.parametrize("given", ["has spaces in it", "x" * 200, "<script>", "ünïcode"])
def test_a_malformed_request_id_is_replaced(given: str, client: httpx.Client, named: Server) -> None:
    sent: dict[str, str | bytes] = {**headers(ALICE), "X-Request-ID": given.encode()}
    response = client.post("/sparql/update", content=note(f"id {len(given)}"), headers=sent)
    assert response.status_code == 200, response.text
    assert UUID_RE.match(response.headers["x-request-id"])
    assert last_entry(named).request_id == response.headers["x-request-id"]


def test_refusals_carry_the_request_id_and_journal_nothing(client: httpx.Client, named: Server) -> None:
    before = default_path(named.store).read_bytes()
    wrong = client.post("/sparql/update", content=note("no"), headers=headers("not-a-token", **{"X-Request-ID": "r1"}))
    assert wrong.status_code == 403 and wrong.headers["x-request-id"] == "r1"
    assert wrong.json()["message"] == "the bearer token is wrong"
    missing = client.post("/sparql/update", content=note("no"),
                          headers={"Content-Type": "application/sparql-update", "X-Request-ID": "r2"})
    assert missing.status_code == 401 and missing.headers["x-request-id"] == "r2"
    invalid = client.post("/sparql/update", headers=headers(BOB, **{"X-Request-ID": "r3"}),
                          content=f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <{iris.entity_iri('person', 'nameless')}> "
                                  f"a <{iris.TG}Person> }} }}".encode())
    assert invalid.status_code == 422 and invalid.headers["x-request-id"] == "r3"
    assert default_path(named.store).read_bytes() == before


def test_reads_get_no_request_id(client: httpx.Client) -> None:
    assert "x-request-id" not in client.get("/sparql", params={"query": "ASK {}"}).headers


@pytest.mark.parametrize(("value", "message"), [
    ("alice", "no ':' between name and token"),
    ("Alice:tok-1", "is not a slug"),
    ("alice:tok-1,alice:tok-2", "named twice"),
    ("alice:same-token,bob:same-token", "bob has the same token as alice"),
    ('{"alice": 1}', "object of strings"),
])
def test_a_bad_token_table_stops_the_server_before_it_starts(value: str, message: str, tmp_path: object) -> None:
    env = {**os.environ, "KG_UPDATE_TOKENS": value, "KG_SHARED_DIR": str(SHARED_DIR)}
    env.pop("KG_UPDATE_TOKEN", None)
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--store", str(tmp_path), "--port", "1"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and "KG_UPDATE_TOKENS" in done.stderr
    assert "same-token" not in done.stderr and "tok-1" not in done.stderr  # tokens are never printed
