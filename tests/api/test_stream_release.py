"""A streamed answer whose client goes away, or a HEAD on a dump, frees its query worker.

Before the fix each HEAD on a dump and each dropped download kept a worker for good; with the
two workers of the test server taken, every query answered 503. Here several of each run in a
row against a real server, then a query must still answer at once and /health show no worker busy.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from urllib.parse import quote, urlsplit

import httpx

from tests.conftest import Server

BIG_CONSTRUCT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def drop_after_a_few_bytes(server: Server, target: str) -> bytes:
    """GET `target`, read the first bytes of the answer, then hang up (`curl … | head -c 10`)."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept: */*\r\n\r\n".encode())
        return sock.recv(10)


def busy(client: httpx.Client) -> int:
    return int(client.get("/health").json()["workers"]["busy"])


def wait_idle(client: httpx.Client, within: float = 5.0) -> int:
    deadline = time.monotonic() + within
    while (n := busy(client)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return n


def test_heads_and_dropped_downloads_leave_the_workers_free(make_server: Callable[..., Server]) -> None:
    # its own server: a leak here must not starve the shared one; a small hold (64 KiB), so that
    # the /sparql CONSTRUCT (some hundred KB) streams as the dumps do
    server = make_server({"KG_QUERY_HOLD_BYTES": "65536"})
    targets = ["/dumps/tregua.nq", "/dumps/tregua.trig", "/sparql?query=" + quote(BIG_CONSTRUCT),
               "/rdf-graph-store?graph=" + quote("https://w3id.org/tregua/graph/ontology", safe="")]
    with server.client() as client:
        for _ in range(3):
            for dump in ("/dumps/tregua.nq", "/dumps/tregua.trig"):
                head = client.head(dump)
                assert head.status_code == 200 and head.content == b"" and head.headers["etag"]
        for _ in range(3):
            for target in targets:
                assert drop_after_a_few_bytes(server, target).startswith(b"HTTP/1.1 ")
        assert wait_idle(client) == 0
        started = time.monotonic()
        answer = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
                            headers={"Accept": "application/sparql-results+json"})
        assert answer.status_code == 200 and answer.json()["boolean"] is True
        assert time.monotonic() - started < 2.0
        deadline = time.monotonic() + 30  # ended workers are replaced in the background
        while (health := client.get("/health").json()["workers"])["alive"] < health["configured"] \
                and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health["busy"] == 0 and health["alive"] == health["configured"]
